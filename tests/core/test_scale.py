"""`kolk seed --scale N`: deterministic, consistent, understood by the privacy core, resumable."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth

from kolk.billing.crypto import lookup_hash
from kolk.billing.models import BankAccount
from kolk.boxoffice.models import Order, ShowSeat, ShowStats, Ticket
from kolk.comms.models import NewsletterSubscription, OutboxMessage
from kolk.core import scale
from kolk.core.models import ScaleRun
from kolk.library.models import Copy, Loan, LoanCount, Subscription, Title
from kolk.people.models import FamilyRelation, Person
from kolk.privacy.audit import seal, verify
from kolk.privacy.ledger import objector_ids
from kolk.privacy.models import AuditEntry, PrivacyChoice
from kolk.privacy.retention import retention_run
from tests.factories import PersonFactory

MEMBERS = "200"
KEY_TABLES = {
    Person: ["id", "given_name", "surname", "postcode", "date_of_birth", "pass_number", "customer_number", "household"],
    FamilyRelation: ["id", "person", "relative", "kind"],
    Subscription: ["id", "person", "type__code", "started_on", "renews_on", "ended_on", "status", "fee_cents"],
    Title: ["id", "title", "isbn"],
    Copy: ["id", "title", "barcode", "status"],
    Loan: ["id", "copy", "person", "checked_out_at", "due_on", "returned_at", "fine_cents"],
    LoanCount: ["id", "person", "month", "count"],
    Order: ["id", "show", "person", "token", "total_cents", "created_at"],
    Ticket: ["id", "order", "seat", "price", "code", "checked_in_at"],
    ShowSeat: ["id", "show", "seat", "status", "order"],
    PrivacyChoice: ["id", "subject", "kind", "purpose", "channel", "decision", "given_by", "recorded_at"],
    NewsletterSubscription: ["id", "person", "email", "subscribed_at", "ended_at"],
    OutboxMessage: ["id", "person", "to_address", "queued_at", "idempotency_key"],
}


def seed_scale(members: str = MEMBERS, seed: int = 7, **options) -> None:
    call_command("seed", scale=members, seed=seed, no_progress=True, stdout=io.StringIO(), **options)


def checksums() -> dict[str, str]:
    sums = {}
    for model, fields in KEY_TABLES.items():
        digest = hashlib.sha256()
        for row in model.objects.order_by("pk").values_list(*fields).iterator(chunk_size=5000):
            digest.update(repr(row).encode())
        sums[model._meta.label] = f"{model.objects.count()}:{digest.hexdigest()[:16]}"
    return sums


class Rollback(Exception):
    pass


def seeded_checksums(**options) -> dict[str, str]:
    """Seed into the (empty) test database, take the checksums, and leave it empty again."""
    try:
        with transaction.atomic():
            seed_scale(**options)
            sums = checksums()
            raise Rollback
    except Rollback:
        pass
    return sums


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    first = seeded_checksums(seed=7)
    assert first == seeded_checksums(seed=7)
    other = seeded_checksums(seed=8)
    assert other[Person._meta.label] != first[Person._meta.label]
    assert other[Loan._meta.label] != first[Loan._meta.label]


@pytest.mark.django_db
def test_scale_data_is_consistent_and_known_to_the_privacy_core():
    seed_scale()
    # Counts per person and month agree with the loans, one open loan per copy at most.
    counted = Counter({(c.person_id, c.month): c.count for c in LoanCount.objects.all()})
    loans = (
        Loan.objects.annotate(m=TruncMonth("checked_out_at"))
        .values_list("person_id", "m")
        .annotate(n=Count("id"))
        .order_by()
    )
    assert counted == Counter({(p, m.date() if hasattr(m, "date") else m): n for p, m, n in loans})
    assert Loan.objects.count() > 10 * Person.objects.count() // 2
    open_loans = Loan.objects.filter(returned_at__isnull=True)
    assert open_loans.exists()
    assert set(open_loans.values_list("copy_id", flat=True)) == set(
        Copy.objects.filter(status="on_loan").values_list("pk", flat=True)
    )
    assert max(LoanCount.objects.values("person").annotate(n=Count("id")).values_list("n", flat=True)) > 12
    # Sold seats and the counts per show agree with the tickets.
    assert ShowSeat.objects.filter(status="sold").count() == Ticket.objects.filter(seat__isnull=False).count()
    assert sum(ShowStats.objects.values_list("sold", flat=True)) == Ticket.objects.count()
    # IBANs go through the field encryption and decrypt.
    account = BankAccount.objects.order_by("pk").first()
    assert account.iban.startswith("NL")
    assert account.iban_hash == lookup_hash(account.iban)
    # Objectors, guardians' consents, one audit entry per phase.
    people = Person.objects.count()
    objecting = Person.objects.filter(pk__in=objector_ids("newsletter", "email")).count()
    marketing = PrivacyChoice.objects.filter(kind="objection").values("subject").distinct().count()
    assert objecting > 0
    assert 0.02 * people < marketing < 0.15 * people
    assert PrivacyChoice.objects.filter(kind="consent", given_by__isnull=False).exists()
    phases = ScaleRun.objects.exclude(key__in=["plan", "finish"]).count()
    assert AuditEntry.objects.filter(action="seed.scale").count() == phases
    seal()
    assert verify().ok
    # Former members are due on today's date; after the run every promise is kept.
    dry = retention_run(actor=None, dry_run=True)
    due = {line.name: line.due for line in dry.rules}
    assert due[Person._meta.label] > 0
    assert due[Order._meta.label] > 0
    with pytest.raises(CommandError, match="broken"):
        call_command("privacy", "check", stdout=io.StringIO())
    retention_run(actor=None)
    call_command("privacy", "check", stdout=io.StringIO())
    seal()
    assert verify().ok


@pytest.mark.django_db
def test_a_run_that_fails_halfway_is_finished_by_the_next(monkeypatch):
    expected = seeded_checksums()
    real = scale.ScaleContext.copy_rows
    calls = {"n": 0}

    def failing(self, model, fields, rows, **kwargs):
        calls["n"] += 1
        written = real(self, model, fields, rows, **kwargs)
        if model is LoanCount and calls["n"] > 12:
            raise RuntimeError("killed")
        return written

    monkeypatch.setattr(scale.ScaleContext, "copy_rows", failing)
    with pytest.raises(RuntimeError, match="killed"):
        seed_scale()
    done = set(ScaleRun.objects.values_list("key", flat=True))
    assert "people.people" in done
    assert "comms.contact" not in done
    monkeypatch.setattr(scale.ScaleContext, "copy_rows", real)
    seed_scale()
    assert checksums() == expected
    seed_scale()  # a finished run does nothing
    assert checksums() == expected


@pytest.mark.django_db
def test_scale_refuses_a_database_with_other_data():
    PersonFactory()
    with pytest.raises(CommandError, match="already holds data"):
        seed_scale()
    seed_scale(force=True)
    assert Person.objects.count() > 200
    with pytest.raises(CommandError, match="--scale 200 --seed 7"):
        seed_scale(members="300")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_killed_process_is_finished_by_the_next_run():
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url}
    command = [sys.executable, "-m", "kolk.cli", "seed", "--scale", "600", "--seed", "7", "--no-progress"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while ScaleRun.objects.filter(key__startswith="library.").count() < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert "comms.contact" not in set(ScaleRun.objects.values_list("key", flat=True))
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    resumed = checksums()
    call_command("flush", interactive=False)
    seed_scale(members="600")
    assert checksums() == resumed
