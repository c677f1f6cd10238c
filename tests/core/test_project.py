"""The project's own machinery: demo seeding, periodic jobs, refusing demo secrets."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from kolk.core.checks import demo_secrets
from kolk.core.models import PeriodicRun
from kolk.core.periodic import PeriodicJob, enqueue_due, period_start
from kolk.people.models import Person, User
from kolk.privacy.audit import seal, verify


@pytest.mark.django_db
def test_seed_demo_twice_and_print_the_logins():
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
    seal()
    assert verify().ok


def test_demo_secrets_are_refused_without_debug():
    with override_settings(DEBUG=False):
        assert {e.id for e in demo_secrets()} == {"kolk.E001"}
    with override_settings(DEBUG=False, SECRET_KEY="x" * 50, KOLK_AUDIT_KEY="y" * 40, KOLK_FIELD_KEY="z" * 40):
        assert demo_secrets() == []


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
