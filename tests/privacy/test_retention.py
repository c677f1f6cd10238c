"""The retention engine: what is past its date goes, what is held or kept stays."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db.models import F, Max, Q
from django.db.models.functions import TruncDate

from kolk.people.models import Person
from kolk.privacy import erasure, registry, retention
from kolk.privacy.audit import seal, verify
from kolk.privacy.ledger import consent_record
from kolk.privacy.models import AuditEntry, ErasureLog, PrivacyChoice
from kolk.privacy.register import Text
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch, settings, tmp_path):
    """Each test registers its own sources; the erasure log file is a temporary one."""
    monkeypatch.setattr(registry.registrations, "events", {})
    monkeypatch.setattr(registry.registrations, "retained", [])
    monkeypatch.setattr(registry.registrations, "keeps", {})
    monkeypatch.setattr(registry.registrations, "holds", {})
    settings.KOLK_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")


def ended(person: Person, on: dt.date) -> None:
    """Stand-in for a subscription that ended: the person's updated_at is its date."""
    Person.objects.filter(pk=person.pk).update(updated_at=dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC))


def register_subscription_ended() -> None:
    registry.register_event(
        "subscription_ended",
        lambda: Person.objects.values(subject_id=F("pk")).annotate(event_date=Max(TruncDate("updated_at"))),
    )


def test_a_former_member_past_five_years_is_erased_and_the_chain_verifies(staff):
    old, recent = PersonFactory(), PersonFactory()
    register_subscription_ended()
    ended(old, dt.date(2021, 11, 24))
    ended(recent, dt.date(2021, 11, 26))
    report = retention.retention_run(actor=staff, on=TODAY)
    assert not Person.objects.filter(pk=old.pk).exists()
    assert Person.objects.filter(pk=recent.pk).exists()
    assert report.rules[-1].done == 1
    assert ErasureLog.objects.filter(subject_pk=old.pk).exists()
    seal()
    assert verify().ok
    entry = AuditEntry.objects.get(action="retention.run")
    assert entry.details["counts"] == [1]


def test_a_second_rule_still_running_keeps_the_person(staff):
    person, alone = PersonFactory(), PersonFactory()
    register_subscription_ended()
    ended(person, dt.date(2020, 1, 1))
    ended(alone, dt.date(2020, 1, 1))  # the same library date, no contact case: goes in the same run
    registry.register_event(
        "contact_case_closed",
        lambda: (
            Person.objects.filter(pk=person.pk)
            .values(subject_id=F("pk"))
            .annotate(event_date=Max(TruncDate("created_at")))
        ),
    )  # a contact case closed today: one more year
    report = retention.retention_run(actor=staff, on=TODAY)
    assert list(Person.objects.values_list("pk", flat=True)) == [person.pk]
    assert report.rules[-1].done == 1


def test_holds_and_keeps_stop_erasure(staff):
    held, kept, gone = PersonFactory(), PersonFactory(), PersonFactory()
    register_subscription_ended()
    for p in (held, kept, gone):
        ended(p, dt.date(2019, 1, 1))
    registry.register_hold(
        "unpaid",
        lambda: Person.objects.filter(pk=held.pk).values("pk"),
        Text("onbetaald", "unpaid"),
        scope=registry.WHOLE,
    )
    registry.register_keep("active", lambda: Person.objects.filter(pk=kept.pk).values("pk"))
    dry = retention.retention_run(actor=staff, on=TODAY, dry_run=True)
    assert dry.rules[-1].due == 1
    assert Person.objects.count() == 3
    retention.retention_run(actor=staff, on=TODAY)
    assert set(Person.objects.values_list("pk", flat=True)) == {held.pk, kept.pk}


def test_a_keep_stops_erasing_the_person_not_their_rows_by_date(staff):
    member = PersonFactory()
    old = consent_record(subject=member, purpose="notices_advice", given=True, method="web", actor=staff)
    PrivacyChoice.objects.filter(pk=old.pk).update(recorded_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    registry.register_keep("active", lambda: Person.objects.filter(pk=member.pk).values("pk"))
    registry.retain("privacy.PrivacyChoice", rule="outbox", action="delete", date_field="recorded_at")
    retention.retention_run(actor=staff, on=TODAY)
    assert not PrivacyChoice.objects.exists()
    assert Person.objects.filter(pk=member.pk).exists()


def test_row_rules_delete_or_anonymise_by_their_own_date(staff):
    person = PersonFactory()
    old = consent_record(subject=person, purpose="notices_advice", given=True, method="web", actor=staff)
    PrivacyChoice.objects.filter(pk=old.pk).update(recorded_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
    new = consent_record(subject=person, purpose="notices_advice", given=False, method="web", actor=staff)
    registry.retain("privacy.PrivacyChoice", rule="tickets", action="delete", date_field="recorded_at")
    retention.retention_run(actor=staff, on=TODAY)
    assert list(PrivacyChoice.objects.values_list("pk", flat=True)) == [new.pk]
    registry.retain(
        "people.Person",
        rule="tickets",
        action="anonymise",
        date_field="created_at",
        anonymise={"town": ""},
        done=Q(town=""),
    )
    Person.objects.filter(pk=person.pk).update(created_at=dt.datetime(2023, 1, 1, tzinfo=dt.UTC))
    report = retention.retention_run(actor=staff, on=TODAY)
    assert Person.objects.get(pk=person.pk).town == ""
    assert retention.retention_run(actor=staff, on=TODAY).rules[1].done == 0  # idempotent
    assert report.rules[1].done == 1


def test_a_run_killed_halfway_is_finished_by_the_next(staff, monkeypatch):
    people = [PersonFactory() for _ in range(7)]
    register_subscription_ended()
    for p in people:
        ended(p, dt.date(2018, 5, 1))
    real_erase, calls = retention.subjects_erase, []

    def dies_on_the_second_batch(pks, **kwargs):
        calls.append(pks)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is killed
        return real_erase(pks, **kwargs)

    monkeypatch.setattr(retention, "subjects_erase", dies_on_the_second_batch)
    with pytest.raises(KeyboardInterrupt):
        retention.retention_run(actor=staff, on=TODAY, batch_size=3)
    monkeypatch.setattr(retention, "subjects_erase", real_erase)
    assert Person.objects.count() == 4
    retention.retention_run(actor=staff, on=TODAY, batch_size=3)
    assert Person.objects.count() == 0
    assert ErasureLog.objects.filter(erased_at__isnull=False).count() == 7


def test_the_decision_survives_the_rows_that_proved_it(staff, monkeypatch):
    """The event's evidence goes by a row rule; a kill after that must not save the person."""
    person = PersonFactory()
    record = consent_record(subject=person, purpose="notices_advice", given=True, method="web", actor=staff)
    PrivacyChoice.objects.filter(pk=record.pk).update(recorded_at=dt.datetime(2015, 1, 1, tzinfo=dt.UTC))
    registry.register_event(
        "subscription_ended",
        lambda: PrivacyChoice.objects.values("subject_id").annotate(event_date=Max(TruncDate("recorded_at"))),
    )
    registry.retain("privacy.PrivacyChoice", rule="library", action="delete", date_field="recorded_at")

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # before the first person is erased

    real = retention.subjects_erase
    monkeypatch.setattr(retention, "subjects_erase", killed)
    with pytest.raises(KeyboardInterrupt):
        retention.retention_run(actor=staff, on=TODAY)
    monkeypatch.setattr(retention, "subjects_erase", real)
    assert not PrivacyChoice.objects.exists()  # the evidence is gone
    assert Person.objects.filter(pk=person.pk).exists()
    retention.retention_run(actor=staff, on=TODAY)
    assert not Person.objects.filter(pk=person.pk).exists()


def test_replay_after_a_restore_erases_them_again(staff, settings):
    person = PersonFactory()
    register_subscription_ended()
    ended(person, dt.date(2015, 1, 1))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda fn, **kw: fn())
        retention.retention_run(actor=staff, on=TODAY)
    with open(settings.KOLK_ERASURE_LOG, encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    assert [line["subject_pk"] for line in lines] == [person.pk]
    # The "restore": the person is back and the table has forgotten; the file has not.
    Person.objects.bulk_create([Person(pk=person.pk, given_name="Terug", surname="Uit Backup", customer_number="X1")])
    ErasureLog.objects.all().delete()
    assert erasure.erasure_replay(actor=staff).erased == 1
    assert not Person.objects.filter(pk=person.pk).exists()


def test_the_command_reports_counts(staff):
    register_subscription_ended()
    ended(PersonFactory(), dt.date(2010, 1, 1))
    out = io.StringIO()
    call_command("retention", "run", "--dry-run", "--date", "2026-11-25", stdout=out)
    assert "people.Person" in out.getvalue()
    assert "total 1 due" in out.getvalue()
    assert Person.objects.count() == 1
    call_command("retention", "run", "--date", "2026-11-25", stdout=io.StringIO())
    assert Person.objects.count() == 0


def test_unknown_events_and_rules_are_refused():
    with pytest.raises(ValueError, match="not an event"):
        registry.register_event("graduation", lambda: Person.objects.none())
    with pytest.raises(ValueError, match="not a retention rule"):
        registry.retain("people.Person", rule="forever", action="delete", date_field="created_at")


def _due_people(count: int, *, choices: int = 2) -> list[Person]:
    """People whose subscription ended long ago, each with a history that goes with them."""
    people = [PersonFactory() for _ in range(count)]
    for person in people:
        ended(person, dt.date(2015, 1, 1))
        for given in (True, False)[:choices]:
            consent_record(subject=person, purpose="notices_advice", given=given, method="web", actor=None)
    return people


@pytest.fixture
def commits_at_once(monkeypatch):
    """After-commit work (the erasure log file) runs at once, as after each batch's commit outside a test."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda fn, **kw: fn())


def test_a_batch_costs_the_same_statements_for_two_people_as_for_twenty(staff, commits_at_once):
    """Set-based: the statements of a run grow with the batches, not with the people in them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    register_subscription_ended()

    def statements(count: int) -> int:
        people = _due_people(count)
        with CaptureQueriesContext(connection) as ctx:
            report = retention.retention_run(actor=staff, on=TODAY)
        assert report.rules[-1].done == count
        assert not Person.objects.filter(pk__in=[p.pk for p in people]).exists()
        return len(ctx.captured_queries)

    assert statements(2) == statements(20)


def test_people_that_rows_another_rule_keeps_protect_stay_and_the_others_go(staff):
    """One statement finds whom an invoice protects; the rest of the batch is erased with no retry per person."""
    from kolk.billing.models import Invoice
    from kolk.billing.services import InvoiceLineIn, invoice_create

    register_subscription_ended()
    owing, *_others = _due_people(4)
    invoice_create(
        person=owing,
        lines=[InvoiceLineIn(description="Abonnement", unit_amount_cents=4950, vat_percent=9)],
        source=Invoice.Source.SUBSCRIPTION,
        actor=None,
    )
    report = retention.retention_run(actor=staff, on=TODAY)
    assert report.rules[-1].done == 3
    assert report.rules[-1].due == 1  # blocked
    assert list(Person.objects.values_list("pk", flat=True)) == [owing.pk]
    assert not ErasureLog.objects.filter(erased_at__isnull=True).exists()  # they leave the queue, not kolk
    assert ErasureLog.objects.filter(erased_at__isnull=False).count() == 3


def test_a_kill_before_the_file_is_written_is_caught_up_by_the_next_sync(staff, settings):
    """The commit happened, the append did not (the process died): the next sync appends from the table."""
    people = _due_people(3, choices=0)
    erasure.subjects_erase([p.pk for p in people], reason="retention")  # in a test the after-commit append never runs
    assert erasure.erasure_log_file() == []
    assert ErasureLog.objects.filter(erased_at__isnull=False, filed=False).count() == 3
    assert erasure.erasure_log_sync() == 3
    assert sorted(erasure.erasure_log_file()) == sorted(p.pk for p in people)
    assert not ErasureLog.objects.filter(filed=False).exists()
    assert erasure.erasure_log_sync() == 0


def test_a_sync_with_nothing_missing_does_not_read_the_history(staff, monkeypatch, commits_at_once):
    register_subscription_ended()
    _due_people(3, choices=0)
    retention.retention_run(actor=staff, on=TODAY)
    assert len(erasure.erasure_log_file()) == 3

    def reads_the_file():
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(erasure, "erasure_log_file", reads_the_file)
    assert erasure.erasure_log_sync() == 0


def test_an_erasure_log_file_lost_or_cut_short_is_written_again(staff, settings, commits_at_once):
    from pathlib import Path

    register_subscription_ended()
    people = sorted(p.pk for p in _due_people(3, choices=0))
    retention.retention_run(actor=staff, on=TODAY)
    path = Path(settings.KOLK_ERASURE_LOG)
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:1]))  # replaced by an older copy
    assert erasure.erasure_log_sync() == 2
    assert sorted(erasure.erasure_log_file()) == people
    path.unlink()
    assert erasure.erasure_log_sync() == 3
    assert sorted(erasure.erasure_log_file()) == people


def test_a_household_goes_with_its_last_member_and_no_other(staff):
    from kolk.people.models import Household
    from kolk.people.services import household_create

    register_subscription_ended()
    alone, together, stays = _due_people(3, choices=0)
    household_create(name="Familie Alleen", members=[alone], actor=None)
    household_create(name="Familie Samen", members=[together, PersonFactory()], actor=None)
    Household.objects.create(name="Leeg, van niemand die nu gaat")
    ended(stays, TODAY)  # not due
    retention.retention_run(actor=staff, on=TODAY)
    assert set(Household.objects.values_list("name", flat=True)) == {"Familie Samen", "Leeg, van niemand die nu gaat"}
