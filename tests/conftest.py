"""Shared fixtures: people, staff with roles, and the PostgreSQL marker."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from kolk.core.roles import Role
from tests.factories import PersonFactory, UserFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop


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
