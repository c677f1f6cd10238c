"""Real processes against a real database: scratch databases, `kolk` subprocesses, and SIGKILL.

The fault tests do not use pytest-django's test database: a command run as a
subprocess must see the same data, and SQLite's in-memory test database is not
shared. Each scenario gets a scratch database of its own, copied from one
migrated template (a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on
PostgreSQL), and a directory for its erasure log and output files.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

KOLK = str(Path(sys.executable).with_name("kolk"))
PROJECT = Path(__file__).resolve().parents[2]


def vendor() -> str:
    return "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def pg_admin() -> psycopg.Connection[Any]:
    db = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )


def pg_url(name: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def scratch_prefix() -> str:
    """Scratch databases are named after the configured one, so two checkouts never share them."""
    return f"{settings.DATABASES['default']['NAME']}".rsplit("/", 1)[-1].removesuffix(".sqlite3") + "_fault"


@dataclass
class Scratch:
    """One scratch database with its own directory (erasure log, output files)."""

    url: str
    home: Path
    name: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def erasure_log(self) -> Path:
        return self.home / "erasure-log.jsonl"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        env.update(
            DATABASE_URL=self.url,
            KOLK_VAR_DIR=str(self.home / "var"),
            KOLK_ERASURE_LOG=str(self.erasure_log),
            KOLK_LOG_LEVEL="ERROR",
            PYTHONPATH=str(PROJECT),
        )
        env.update(self.extra_env)
        env.update(extra)
        return env

    def kolk(self, *args: str, check: bool = True, **extra: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [KOLK, *args], env=self.env(**extra), capture_output=True, text=True, check=False, timeout=600
        )
        if check and done.returncode != 0:
            raise AssertionError(f"kolk {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def python(self, code: str, **extra: str) -> Any:
        """Run `code` with Django set up against this database; it sets `result`, returned as JSON."""
        script = (
            "import json, django\ndjango.setup()\n"
            + code
            + "\nprint('@@RESULT@@' + json.dumps(result, default=str, sort_keys=True))\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=self.env(DJANGO_SETTINGS_MODULE="kolk.settings", **extra),
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
            cwd=PROJECT,
        )
        if done.returncode != 0:
            raise AssertionError(f"script failed ({done.returncode}):\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.rsplit("@@RESULT@@", 1)[1])

    def sql(self, query: str) -> Any:
        """The first column of the first row of `query`, read straight from the database."""
        if self.url.startswith("sqlite:///"):
            with contextlib.closing(sqlite3.connect(self.url.removeprefix("sqlite:///"))) as conn:
                return conn.execute(query).fetchone()[0]
        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as conn:
            row = conn.execute(query).fetchone()  # type: ignore[arg-type]
            return row[0] if row else None

    def sql_execute(self, statement: str) -> None:
        if self.url.startswith("sqlite:///"):
            with contextlib.closing(sqlite3.connect(self.url.removeprefix("sqlite:///"))) as conn:
                conn.execute(statement)
                conn.commit()
            return
        with psycopg.connect(self.url.replace("postgres://", "postgresql://")) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def promises_kept(self) -> None:
        """`kolk privacy check` and `kolk audit verify` both exit 0."""
        self.kolk("privacy", "check")
        self.kolk("audit", "verify")


class Template:
    """The migrated template database every scenario copies."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        self.created: list[str] = []
        if vendor() == "sqlite":
            self.source = Scratch(url=f"sqlite:///{root / 'template.sqlite3'}", home=root / "template")
        else:
            name = f"{scratch_prefix()}_template"
            with pg_admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            self.source = Scratch(url=pg_url(name), home=root / "template", name=name)
        self.source.home.mkdir(parents=True, exist_ok=True)
        self.source.kolk("migrate", "--no-input", "-v0")

    def copy(self, label: str, source: Scratch | None = None) -> Scratch:
        """A new scratch database holding what `source` (default: the empty schema) holds now."""
        source = source or self.source
        self.count += 1
        home = self.root / f"{label}-{self.count}"
        home.mkdir(parents=True)
        if source.erasure_log.exists():
            shutil.copy(source.erasure_log, home / "erasure-log.jsonl")
        if vendor() == "sqlite":
            path = home / "db.sqlite3"
            target = Scratch(url=f"sqlite:///{path}", home=home)
            src = Path(source.url.removeprefix("sqlite:///"))
            # The source is closed (no process runs on it), so its WAL is checkpointed.
            for suffix in ("", "-wal", "-shm"):
                if Path(f"{src}{suffix}").exists():
                    shutil.copy(f"{src}{suffix}", f"{path}{suffix}")
            return target
        name = f"{scratch_prefix()}_{label}_{self.count}"
        with pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source.name}"')
        self.created.append(name)
        return Scratch(url=pg_url(name), home=home, name=name)

    def empty(self, label: str) -> Scratch:
        """A new, empty PostgreSQL database (to restore a backup into)."""
        self.count += 1
        home = self.root / f"{label}-{self.count}"
        home.mkdir(parents=True)
        name = f"{scratch_prefix()}_{label}_{self.count}"
        with pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return Scratch(url=pg_url(name), home=home, name=name)

    def drop(self) -> None:
        if vendor() != "postgresql":
            return
        with pg_admin() as conn:
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class KillReport:
    killed: int = 0  # runs that were still working when the signal came
    finished: int = 0  # runs that finished before their delay ran out
    delays: list[float] = field(default_factory=list)
    progress: list[Any] = field(default_factory=list)  # the work done after each run

    def halfway(self, done: Any) -> int:
        """How many kills left the work neither untouched nor complete (and more than before)."""
        seen = [None, *self.progress]
        return sum(1 for before, now in itertools.pairwise(seen) if now != before and now != done)


def timed_run(db: Scratch, *args: str, **extra: str) -> float:
    """Run a command to completion and return how long it took (to spread the kills over)."""
    start = time.monotonic()
    db.kolk(*args, **extra)
    return time.monotonic() - start


def kill_repeatedly(
    db: Scratch,
    args: list[str],
    *,
    times: int,
    span: tuple[float, float],
    seed: int,
    progress: str | None = None,
    targets: list[int] | None = None,
    between: Callable[[], object] | None = None,
    **extra: str,
) -> KillReport:
    """Start `kolk *args` `times` times and SIGKILL each at a random point.

        Without `targets`, each run is killed after a delay drawn from `span`; a run
        that finishes first shows how long the work left takes, and later delays are
        drawn below that. With `targets` (work that advances in committed steps,
        counted by the `progress` query), run i is killed once the work has reached
        `targets[i]`, after a further random delay of up to `span[1]` seconds: the
        kills land inside the work however slow the machine is that day. `between`
    runs after each kill (e.g. to let a lease run out). The random
        source is seeded, so a failure is repeated by running the test again.
    """
    rng = random.Random(seed)
    report = KillReport()
    low, high = span
    for i in range(times):
        delay = rng.uniform(low, max(high, low + 0.2)) if targets is None else rng.uniform(0, high)
        report.delays.append(round(delay, 3))
        began = time.monotonic()
        proc = subprocess.Popen([KOLK, *args], env=db.env(**extra), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if targets is not None:
                assert progress
                while proc.poll() is None and (db.sql(progress) or 0) < targets[i]:
                    time.sleep(0.01)
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            report.killed += 1
        else:
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            assert proc.returncode == 0, f"kolk {' '.join(args)} failed on its own:\n{stderr}"
            report.finished += 1
            high = min(high, time.monotonic() - began) if targets is None else high
        finally:
            if proc.stderr:
                proc.stderr.close()
        if progress:
            report.progress.append(db.sql(progress))
        if between:
            between()
    return report


def spread(rng_seed: int, times: int, total: int) -> list[int]:
    """`times` points of progress, at random and in order, from the start to just before the end."""
    rng = random.Random(rng_seed)
    return sorted(rng.randrange(0, max(total - 1, 1)) for _ in range(times))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def startup_seconds(db: Scratch) -> float:
    """How long a `kolk` process takes before it does any work (Django's start-up)."""
    start = time.monotonic()
    db.kolk("shell", "-c", "pass")
    return time.monotonic() - start


FINGERPRINT = """
from django.apps import apps
skip = set(SKIP)
unknown = skip - {m._meta.label for m in apps.get_models()}
assert not unknown, f"no such model to skip: {sorted(unknown)}"
result = {
    m._meta.label: m._default_manager.count()
    for m in apps.get_models()
    if m._meta.label not in skip and not m._meta.proxy
}
"""


def fingerprint(db: Scratch, *, skip: list[str], extra: str = "") -> Any:
    """Rows per model (but `skip`), plus what `extra` code adds to `result`."""
    return db.python(f"SKIP = {skip!r}\n" + FINGERPRINT + extra)
