"""Shared fixtures: people, staff with roles, and the PostgreSQL marker."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import pytest
import requests
import requests.adapters
from django.db import connection
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations
from django.db.backends.sqlite3 import base as sqlite_base  # its operations module alone is a circular import
from hypothesis import settings as hypothesis_settings

from kolk.core.roles import Role
from tests.factories import PersonFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

# Hypothesis (and schemathesis, which generates through it) in two profiles:
# - "kolk", the suite's, wherever it runs (make test, CI, a newcomer's first run): every run
#   tries the same examples for the same code (derandomize), so a run's verdict depends on
#   the code alone, never on a seed. Derandomizing also switches off the example database:
#   nothing an earlier run saved in .hypothesis/ can fail a later run or another checkout.
#   No deadline: on a shared two-core machine a timing limit fails at random; speed has
#   tests of its own. A failure prints its reproduce blob.
# - "explore" (HYPOTHESIS_PROFILE=explore, or --hypothesis-profile=explore), for hunting:
#   random examples, ten times as many, failures kept in .hypothesis/examples (ignored by
#   git) and replayed first until they pass. What it finds becomes an explicit example
#   (see FOUND in tests/test_api_fuzz.py), so the suite then tries it on every run.
# Both start from Hypothesis's defaults, not from its "ci" profile, which it loads by itself
# where it sees a CI variable (and whose database=None would leave "explore" without one).
_defaults = hypothesis_settings.get_profile("default")
hypothesis_settings.register_profile("kolk", _defaults, derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile(
    "explore", _defaults, derandomize=False, max_examples=1000, deadline=None, print_blob=True
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "kolk"))


def _flush_by_delete(
    ops: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, allow_cascade: bool = False
) -> list[str]:
    """The flush after each transactional test (live server, races, fuzzing), by DELETE on PostgreSQL.

    Django empties the tables with one TRUNCATE of all ~90 of them, which makes new files
    for every table and index: 0.3 to 2 s a test on a busy two-core machine, over a thousand
    times a run. The tests leave a few rows, which DELETE removes in milliseconds; kolk's
    foreign keys are deferrable, so one transaction deletes in any order. Tables with a
    trigger of their own (the audit trail's guard refuses DELETE) are still truncated,
    which fires no row trigger, as before.

    Content types and permissions stay: the flush's post_migrate would make them again under
    new ids (PostgreSQL's sequences go on), and a serialized-rollback test that comes next
    then loads them under their old ids beside the new ones (a duplicate key, depending on
    which test ran before). Kept, they are the same rows with the same ids for every test.
    """
    tables = [table for table in tables if table not in KEPT_BY_FLUSH]
    if reset_sequences or not tables:
        return _truncate_flush(ops, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    with ops.connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        guarded = {row[0].strip('"') for row in cursor.fetchall()}
    kept = [table for table in tables if table in guarded]
    sql = ["SET CONSTRAINTS ALL DEFERRED;"]
    sql += [f"DELETE FROM {ops.quote_name(table)};" for table in tables if table not in guarded]  # noqa: S608
    if kept:
        sql += _truncate_flush(ops, style, kept, allow_cascade=allow_cascade)
    return sql


KEPT_BY_FLUSH = {"django_content_type", "auth_permission"}
_truncate_flush = PostgresOperations.sql_flush
PostgresOperations.sql_flush = _flush_by_delete  # type: ignore[method-assign]


def _sqlite_flush(
    ops: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, allow_cascade: bool = False
) -> list[str]:
    """SQLite keeps content types and permissions through the flush too, for the same reason as above:
    in two processes a serialized-rollback test may follow any other, and met them twice."""
    kept = [table for table in tables if table not in KEPT_BY_FLUSH]
    return _sqlite_delete_flush(ops, style, kept, reset_sequences=reset_sequences, allow_cascade=allow_cascade)


_sqlite_delete_flush = sqlite_base.DatabaseOperations.sql_flush
sqlite_base.DatabaseOperations.sql_flush = _sqlite_flush  # type: ignore[method-assign]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if connection.vendor != "postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL (DATABASE_URL=postgres://...)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is slow on purpose; tests use a fast hasher (test_project pins Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate limits counted in the cache start at zero in every test, whatever ran before in the process."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def seal_every_commit(settings):
    """Tests see the chain sealed right after each commit (test_audit covers the interval)."""
    settings.AUDIT_SEAL_INTERVAL = 0


@pytest.fixture(autouse=True)
def erasure_log_apart(settings, tmp_path):
    """Each test its own erasure log file: never the project's var/, never another test's ids."""
    settings.KOLK_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")


@pytest.fixture
def person(db):
    return PersonFactory()


@pytest.fixture
def staff(db):
    return UserFactory(roles=[Role.DESK])


@pytest.fixture
def privacy_officer(db):
    return UserFactory(roles=[Role.PRIVACY_OFFICER])


from tests.browser import browser, page  # noqa: E402,F401  (fixtures for @pytest.mark.browser tests)


class _Busy:
    """The live server's application, counting the requests it is still answering."""

    def __init__(self, app: Any) -> None:
        self.app, self.count, self.lock = app, 0, threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        with self.lock:
            self.count += 1
        try:
            return _Answer(self.app(environ, start_response), self.done)
        except BaseException:
            self.done()
            raise

    def done(self) -> None:
        with self.lock:
            self.count -= 1


class _Answer:
    def __init__(self, result: Any, done: Any) -> None:
        self.result, self.done = result, done

    def __iter__(self) -> Any:
        return iter(self.result)

    def close(self) -> None:
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            self.done()


@pytest.fixture(autouse=True)
def live_server_idle(request: pytest.FixtureRequest) -> Any:
    """A page may leave a request in flight when its test ends (a poll, a sync on reconnect). The flush
    after the test waits until the live server has answered it, or it meets a locked table (SQLite) or
    sees rows written after it (PostgreSQL)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    httpd = request.getfixturevalue("live_server").thread.httpd
    if not isinstance(httpd.get_app(), _Busy):
        httpd.set_app(_Busy(httpd.get_app()))
    busy = httpd.get_app()
    yield
    deadline = time.monotonic() + 10
    while busy.count and time.monotonic() < deadline:
        time.sleep(0.02)


class _Offline(requests.adapters.BaseAdapter):
    def send(self, request, **kwargs):
        raise requests.ConnectionError(f"no network in tests: {request.method} {request.url}")

    def close(self) -> None:
        pass


def _offline_session() -> requests.Session:
    session = requests.Session()
    session.mount("https://", _Offline())
    session.mount("http://", _Offline())
    return session


@pytest.fixture(autouse=True)
def mollie_offline(monkeypatch):
    """No test reaches Mollie: unless it replays recorded answers, every call fails as without network."""
    monkeypatch.setattr("kolk.billing.mollie.http_session", _offline_session)
