"""PostgreSQL restarted during a burst of checkouts: each request succeeds or fails cleanly, none is
half applied, and kolk recovers by itself (CONN_HEALTH_CHECKS), without a restart of its own.

The test runs its own PostgreSQL cluster (initdb, pg_ctl) on a free port, so the
shared server is never touched, and kolk under gunicorn with production
settings (DEBUG off: an error page must not show a traceback).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from tests.faults.harness import Scratch, free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
MEMBERS, COPIES, THREADS = 30, 240, 6

pytestmark = pytest.mark.postgres


def as_postgres() -> list[str]:
    """How to run the cluster's programs: initdb refuses to run as root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"]
    if pwd.getpwuid(os.geteuid()).pw_name == "postgres":
        return []
    pytest.skip("a private PostgreSQL cluster needs root (to run as postgres) or the postgres user")


@pytest.fixture
def cluster() -> Iterator[tuple[str, list[str]]]:
    """A private PostgreSQL cluster on a free port; yields its URL and the pg_ctl command."""
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"PostgreSQL binaries are not in {PG_BIN}")
    run_as = as_postgres()
    home = Path(tempfile.mkdtemp(prefix="kolk-pg-"))
    shutil.chown(home, "postgres", "postgres")
    data, port = home / "data", free_port()
    subprocess.run(
        [*run_as, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60"
    pg_ctl = [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(home / "log"), "-w"]
    subprocess.run([*pg_ctl, "start"], check=True, capture_output=True)
    try:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE kolk")
        yield f"postgres://postgres@127.0.0.1:{port}/kolk", pg_ctl
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


PRODUCTION = {
    "KOLK_DEBUG": "false",
    "KOLK_SECRET_KEY": "faults-" + secrets.token_hex(24),
    "KOLK_AUDIT_KEY": "faults-" + secrets.token_hex(24),
    "KOLK_FIELD_KEY": "faults-" + secrets.token_hex(24),
    "KOLK_ALLOWED_HOSTS": "127.0.0.1",
}


@contextlib.contextmanager
def gunicorn(db: Scratch, port: int) -> Iterator[None]:
    proc = subprocess.Popen(
        [GUNICORN, "kolk.wsgi", "--workers", "3", "--threads", "2", "--bind", f"127.0.0.1:{port}"],
        env=db.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            with contextlib.suppress(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=60)
                break
            time.sleep(0.2)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Desk:
    """A staff member at the desk, talking HTTP to kolk behind a TLS proxy (X-Forwarded-Proto)."""

    def __init__(self, port: int, session: str) -> None:
        self.url = f"http://127.0.0.1:{port}/api/v1/library/loans/checkout"
        csrf = secrets.token_hex(16)
        # Cookies are set by hand: they are Secure, and this client speaks plain HTTP to the proxy's side.
        self.headers = {
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "X-Forwarded-Proto": "https",
            "Origin": f"https://127.0.0.1:{port}",
            "Referer": f"https://127.0.0.1:{port}/balie/",
        }

    def checkout(self, barcode: str, person_id: int) -> tuple[str, str]:
        try:
            response = requests.post(
                self.url, json={"copy_barcode": barcode, "person_id": person_id}, headers=self.headers, timeout=30
            )
        except requests.ConnectionError:
            return "connection", ""
        return str(response.status_code), response.text


def test_postgres_restarted_during_a_burst_of_checkouts(cluster, tmp_path):
    url, pg_ctl = cluster
    db = Scratch(url=url, home=tmp_path, extra_env=PRODUCTION)
    db.kolk("migrate", "--no-input", "-v0")
    setup = db.python(f"from tests.faults.data import lending\nresult = lending({MEMBERS}, {COPIES})")
    port = free_port()
    desk = Desk(port, setup["session"])
    rng = random.Random(8005)
    work = [(barcode, rng.choice(setup["members"])) for barcode in setup["barcodes"][:-20]]
    rng.shuffle(work)
    results: list[tuple[str, str, str]] = []
    lock = threading.Lock()

    def clerk() -> None:
        while True:
            with lock:
                if not work:
                    return
                barcode, person = work.pop()
            status, body = desk.checkout(barcode, person)
            with lock:
                results.append((barcode, status, body))

    with gunicorn(db, port):
        assert desk.checkout(setup["barcodes"][-1], setup["members"][0])[0] == "201"
        clerks = [threading.Thread(target=clerk) for _ in range(THREADS)]
        for thread in clerks:
            thread.start()
        while len(results) < len(setup["barcodes"]) // 4:
            time.sleep(0.05)
        subprocess.run([*pg_ctl, "-m", "fast", "restart"], check=True, capture_output=True)
        restarted_at = len(results)
        for thread in clerks:
            thread.join(timeout=120)
        # After the restart, without touching kolk: the service has recovered by itself.
        after = [desk.checkout(barcode, setup["members"][1]) for barcode in setup["barcodes"][-19:-9]]

    statuses = Counter(status for _barcode, status, _body in results)
    print(f"checkouts: {dict(statuses)}; the restart came after {restarted_at} of {len(results)}")
    assert restarted_at < len(results), "the restart came after the burst"
    assert set(statuses) <= {"201", "500", "502", "503", "connection"}, statuses
    assert statuses["201"] > 0
    assert not [body for _b, _s, body in results if "Traceback" in body or 'File "' in body]
    assert [status for status, _body in after] == ["201"] * len(after), after

    state = db.python("from tests.faults.data import lending_state\nresult = lending_state()")
    assert state["copies_with_two_open_loans"] == []
    assert state["on_loan_without_loan"] == []
    assert state["loan_without_on_loan"] == []
    assert state["counts_differ"] == []
    succeeded = {barcode for barcode, status, _body in results if status == "201"}
    assert succeeded <= set(state["open_barcodes"])  # what was reported done, is done
    db.kolk("audit", "verify")
