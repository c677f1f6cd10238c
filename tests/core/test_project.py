"""The project's own machinery: demo seeding, periodic jobs, refusing demo and weak secrets."""

from __future__ import annotations

import datetime as dt
import io
import secrets

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from kolk.core.checks import demo_secrets, weak_secrets
from kolk.core.demo import DEMO_USERNAMES, DemoContext
from kolk.core.models import PeriodicRun, SeedRun
from kolk.core.periodic import PeriodicJob, enqueue_due, period_start
from kolk.people.models import Person, User
from kolk.privacy.audit import seal, verify


@pytest.mark.django_db
def test_seed_demo_twice_and_print_the_logins(settings):
    settings.DEBUG = True  # the demo's only place
    out = io.StringIO()
    call_command("seed", "--demo", stdout=out)
    people = Person.objects.count()
    assert people > 20
    assert User.objects.filter(username="balie", is_staff=True).exists()
    assert User.objects.get(username="lid").person is not None
    again = io.StringIO()
    call_command("seed", "--demo", stdout=again)
    assert Person.objects.count() == people
    assert "balie" in again.getvalue()
    assert "kolk-demo-2026" in again.getvalue()
    assert User.objects.get(username="balie").check_password("kolk-demo-2026")
    assert "/mijn/inloggen" in again.getvalue()  # where members log in, beside the staff's /balie/
    assert {line.split()[0] for line in again.getvalue().splitlines() if "kolk-demo-2026" in line} == set(
        DEMO_USERNAMES
    )  # the system check looks for exactly the logins the demo makes
    seal()
    assert verify().ok


@pytest.mark.django_db
def test_seed_demo_refuses_with_debug_off_and_writes_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed", "--demo", stdout=io.StringIO())
    assert not User.objects.exists()
    assert not Person.objects.exists()
    assert not SeedRun.objects.exists()


def test_a_demo_login_outside_the_known_names_is_refused():
    with pytest.raises(ValueError, match="DEMO_USERNAMES"):
        DemoContext().login("gast", "Gast")


def test_demo_secrets_are_refused_without_debug():
    with override_settings(DEBUG=False):
        assert {e.id for e in demo_secrets()} == {"kolk.E001"}
        assert len(demo_secrets()) == 3
    with override_settings(DEBUG=False, **REAL):
        assert demo_secrets() == []
        assert weak_secrets() == []
    with override_settings(DEBUG=True, SECRET_KEY="short", KOLK_AUDIT_KEY="short", KOLK_FIELD_KEY="short"):
        assert demo_secrets() == weak_secrets() == []  # the demo may


REAL = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "KOLK_AUDIT_KEY": secrets.token_urlsafe(32),
    "KOLK_FIELD_KEY": secrets.token_urlsafe(32),
}


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"KOLK_AUDIT_KEY": "k3y-" + "a1b2c3d4" * 3}, ["KOLK_AUDIT_KEY"]),  # 28 characters
        ({"KOLK_FIELD_KEY": "x" * 50}, ["KOLK_FIELD_KEY"]),  # long, but one character
        ({"SECRET_KEY": "0123456789abcdef" * 2}, []),  # 32 hex digits: 128 bits, enough
    ],
)
def test_short_or_uniform_secrets_are_refused_without_debug(changes, names):
    with override_settings(DEBUG=False, **{**REAL, **changes}):
        errors = weak_secrets()
    assert [e.id for e in errors] == ["kolk.E002"] * len(names)
    assert [e.msg.split()[0] for e in errors] == names


def test_one_secret_for_two_keys_is_refused_without_debug():
    shared = secrets.token_urlsafe(40)
    with override_settings(DEBUG=False, **{**REAL, "KOLK_AUDIT_KEY": shared, "KOLK_FIELD_KEY": shared}):
        errors = weak_secrets()
    assert [e.id for e in errors] == ["kolk.E003"]
    assert "KOLK_AUDIT_KEY and KOLK_FIELD_KEY" in errors[0].msg
    assert shared not in errors[0].msg + errors[0].hint  # a message never shows a secret


def test_period_start_is_aligned():
    job = PeriodicJob("daily", task=None, every=dt.timedelta(days=1), offset=dt.timedelta(hours=3))
    at = dt.datetime(2026, 11, 25, 2, 59, tzinfo=dt.UTC)
    assert period_start(job, at) == dt.datetime(2026, 11, 24, 3, 0, tzinfo=dt.UTC)
    assert period_start(job, at + dt.timedelta(minutes=1)) == dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_each_period_is_enqueued_once(monkeypatch):
    calls = []

    class FakeTask:  # records enqueues; the queue itself is django-tasks' own concern
        def enqueue(self):
            calls.append(1)

    from kolk.core import periodic

    monkeypatch.setattr(periodic, "_jobs", {"t": PeriodicJob("t", FakeTask(), dt.timedelta(hours=1))})
    at = dt.datetime(2026, 11, 25, 10, 15, tzinfo=dt.UTC)
    assert enqueue_due(at) == ["t"]
    assert enqueue_due(at + dt.timedelta(minutes=30)) == []
    assert enqueue_due(at + dt.timedelta(hours=1)) == ["t"]
    assert len(calls) == 2
    assert PeriodicRun.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_what_is_due_in_batch_mode():
    from kolk.privacy.audit import audit_log

    with override_settings(AUDIT_SEAL_ON_COMMIT=False):
        audit_log(actor=None, action="test.unsealed")
    assert verify().unsealed == 1
    call_command("worker", "--batch", stdout=io.StringIO())
    assert verify().unsealed == 0


def test_passwords_are_hashed_with_argon2_in_production():
    from kolk import settings as project

    assert project.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
