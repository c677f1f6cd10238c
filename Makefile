# kolk: the two set-up commands are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed

.PHONY: run test install sysdeps lint types layers audit pytest bytecode messages clean worker bench soak

# Debian packages kolk needs: Chromium for the browser tests, gettext for the
# translations, Pango for PDFs. Installed when missing and we may (root).
DEBS := chromium gettext libpango-1.0-0 libpangoft2-1.0-0

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==0.13.9

# Byte-compiled at install: with PYTHONDONTWRITEBYTECODE set (as on the CI machines) every
# process would otherwise compile Django and the rest from source, about 3 s per start.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes --compile-bytecode -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

# Front-end libraries from npm (package-lock.json), served by kolk under static/vendor/;
# Debian's npm is installed first where there is none and we may (root).
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; } \
	  || { echo "please install npm (the front-end libraries come from it)"; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

sysdeps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing $$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "please install: $$missing (browser tests and PDFs need them)"; fi; \
	fi

## make run: install, migrate the embedded SQLite database, load demo data, then serve on
## HOST:PORT (default 127.0.0.1:8000) with the worker beside it; Ctrl-C stops both.
## Mail is printed in the terminal unless KOLK_EMAIL_HOST names an SMTP server.
HOST ?= 127.0.0.1
PORT ?= 8000
run: export KOLK_SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
run: install sysdeps bytecode
	$(BIN)/kolk migrate --no-input -v0
	$(BIN)/kolk seed --demo
	$(BIN)/kolk dev --host $(HOST) --port $(PORT)

## make worker: the background worker (tasks and periodic jobs)
worker: install bytecode
	$(BIN)/kolk worker

## make test: lint, type checks, layer contract and the whole test suite
test: install sysdeps lint types layers pytest

lint:
	$(BIN)/ruff check src tests bench .ci/audit.py
	$(BIN)/ruff format --check src tests bench .ci/audit.py

types:
	$(BIN)/mypy

layers:
	$(BIN)/lint-imports --no-cache

## make audit: known vulnerabilities in the locked dependencies (pip-audit, with PyPI's advisory
## data, else OSV's). Fails on a known vulnerability, and also when no service answered for every
## pin: it then prints NOT CHECKED and never a clean result (.ci/audit.py exits 3 for that case).
PIP_AUDIT ?= $(BIN)/pip-audit
audit: install
	@$(BIN)/python .ci/audit.py --pip-audit $(PIP_AUDIT) requirements.lock

# kolk's own modules too (the tests start many kolk processes); up-to-date files are skipped.
bytecode:
	@$(BIN)/python -m compileall -q -j 0 src >/dev/null

# The suite runs in one process per core (pytest-xdist), a file's tests together in one of
# them (module fixtures, one browser per process); PYTEST_WORKERS=0 runs it in this process.
PYTEST_WORKERS ?= auto
pytest: bytecode
	$(BIN)/pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

## make messages: refresh and compile the translations (needs gettext)
messages: install
	cd src/kolk && ../../$(BIN)/kolk makemessages -l en --no-obsolete --add-location file
	cd src/kolk && ../../$(BIN)/kolk compilemessages -l en

## make bench: kolk as in production (gunicorn, the worker) on PostgreSQL, measured; see bench/README.md
## PEERS=pretix: pretix (from PyPI, into var/peers/pretix) sells the same one-ticket orders in the same run
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/kolk_bench
bench: install bytecode
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python bench/run.py $(if $(SOAK),--soak) $(if $(PEERS),--peers $(PEERS)) $(BENCH_ARGS)

## make soak: the capacity runs, then mixed traffic at half capacity for SOAK_SECONDS (default 600)
soak: install bytecode
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DB)} $(BIN)/python bench/run.py --soak --only loans,tickets,access $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache
