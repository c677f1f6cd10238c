"""`make audit` reports a clean result only when the lock was checked, and NOT CHECKED otherwise.

pip-audit is replaced by a stand-in that answers as each advisory service would:
with a report, with every pin skipped (PyPI's per-version API not reachable), or
not at all (OSV not reachable). The real services cannot be reached from CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
AUDIT = PROJECT / ".ci" / "audit.py"

FAKE = """#!{python}
import json, os, sys
args = sys.argv[1:]
service = args[args.index("--vulnerability-service") + 1]
answer = json.loads(os.environ["FAKE_ANSWERS"])[service]
if "error" in answer:
    print("Traceback (most recent call last):", file=sys.stderr)
    print(answer["error"], file=sys.stderr)
    sys.exit(1)
with open(args[args.index("--output") + 1], "w") as out:
    json.dump({{"dependencies": answer["dependencies"], "fixes": []}}, out)
sys.exit(1 if any(d.get("vulns") for d in answer["dependencies"]) else 0)
"""

PINS = [("django", "5.2.19"), ("requests", "2.34.2"), ("weasyprint", "70.0")]
CHECKED = [{"name": name, "version": version, "vulns": []} for name, version in PINS]
SKIPPED = [
    {"name": name, "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} ({version})"}
    for name, version in PINS
]
UNREACHABLE = {"error": "requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'"}
VULNERABLE = [
    CHECKED[0],
    {
        "name": "requests",
        "version": "2.34.2",
        "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["2.34.3"], "aliases": [], "description": "..."}],
    },
    CHECKED[2],
]


@pytest.fixture
def fake_pip_audit(tmp_path):
    path = tmp_path / "pip-audit"
    path.write_text(FAKE.format(python=sys.executable))
    path.chmod(0o755)
    return path


def audit(fake: Path, answers: dict[str, object], *via: str) -> subprocess.CompletedProcess[str]:
    command = list(via) or [sys.executable, str(AUDIT), "--pip-audit", str(fake), "requirements.lock"]
    return subprocess.run(
        command,
        env={**os.environ, "FAKE_ANSWERS": json.dumps(answers)},
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_no_service_reachable_is_not_checked_and_never_a_clean_result(fake_pip_audit):
    done = audit(fake_pip_audit, {"pypi": {"dependencies": SKIPPED}, "osv": UNREACHABLE})
    assert done.returncode == 3
    assert done.stdout.startswith("NOT CHECKED: ")
    assert "pypi: no answer for 3 of 3 pins" in done.stdout
    assert "osv: pip-audit could not ask it (requests.exceptions.ConnectionError" in done.stdout
    assert "no known vulnerabilities" not in (done.stdout + done.stderr).lower()


def test_make_audit_fails_when_nothing_was_checked(fake_pip_audit):
    done = audit(
        fake_pip_audit,
        {"pypi": {"dependencies": SKIPPED}, "osv": UNREACHABLE},
        "make",
        "--no-print-directory",
        "audit",
        f"PIP_AUDIT={fake_pip_audit}",
    )
    assert done.returncode != 0
    assert "NOT CHECKED" in done.stdout
    assert "no known vulnerabilities" not in done.stdout.lower()


def test_every_pin_checked_and_none_vulnerable_is_clean(fake_pip_audit):
    done = audit(fake_pip_audit, {"pypi": {"dependencies": CHECKED}, "osv": UNREACHABLE})
    assert done.returncode == 0
    assert "all 3 pins of requirements.lock checked against pypi's advisory data: no known vulnerabilities" in (
        done.stdout
    )


def test_a_second_service_answers_for_what_the_first_skipped(fake_pip_audit):
    partly = [CHECKED[0], *SKIPPED[1:]]
    done = audit(fake_pip_audit, {"pypi": {"dependencies": partly}, "osv": {"dependencies": CHECKED}})
    assert done.returncode == 0
    assert "checked against osv's advisory data" in done.stdout


def test_a_known_vulnerability_fails_and_is_named(fake_pip_audit):
    done = audit(fake_pip_audit, {"pypi": {"dependencies": VULNERABLE}, "osv": UNREACHABLE})
    assert done.returncode == 1
    assert "requests 2.34.2: PYSEC-2026-1 (fixed in: 2.34.3)" in done.stdout
