"""The reading history (H01): off by default; a returned loan keeps its link to the member only
while their consent stands; clearing and switching off unlink at once; the retention engine
unlinks the rest a year after the return (rule `loans_returned`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kolk.core.clock import today
from kolk.library.models import Loan
from kolk.library.partners import loan_history_for_marketing, loans_export_biblionet
from kolk.library.reading import READING_HISTORY, reading_history, reading_history_clear, reading_history_on
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.members import subscription_start
from kolk.privacy import retention
from kolk.privacy.access import access_package
from kolk.privacy.ledger import consent_record
from kolk.privacy.models import AuditEntry
from kolk.privacy.register import get_register
from kolk.privacy.statement import statement_context
from tests.factories import PersonFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, SubscriptionTypeFactory, TitleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def borrower():
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10)
    person = PersonFactory(with_pass=True)
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return person


def _borrow(person, title: str, *, returned_days_ago: int | None = None) -> Loan:
    copy = CopyFactory(title=TitleFactory(title=title))
    loan = loan_checkout(copy_barcode=copy.barcode, person=person, actor=None)
    if returned_days_ago is not None:
        loan_checkin(copy_barcode=copy.barcode, actor=None)
        back = timezone.now() - dt.timedelta(days=returned_days_ago)
        Loan.objects.filter(pk=loan.pk).update(returned_at=back, checked_out_at=back - dt.timedelta(days=10))
    return Loan.objects.get(pk=loan.pk)


def _switch(person, on: bool) -> None:
    consent_record(subject=person, purpose=READING_HISTORY, given=on, method="web", actor=None)


def test_the_register_states_the_choice_its_text_and_its_rule():
    register = get_register()
    assert READING_HISTORY in register.consent_purposes()
    assert register.rows["H01"].basis == "consent"
    rule = register.retention["loans_returned"]
    assert (rule.event, rule.duration.iso) == ("loan_returned", "P1Y")
    section = next(s for s in statement_context("nl")["sections"] if s["key"] == "reading_history")
    assert "Zet je het uit, dan doen we dat meteen" in section["text"]
    assert section["retention"] == "1 jaar na het inleveren, als je leesgeschiedenis uit staat"


def test_off_by_default_and_the_engine_unlinks_returned_loans_after_a_year(borrower):
    old = _borrow(borrower, "Oorlogswinter", returned_days_ago=400)
    recent = _borrow(borrower, "Het Achterhuis", returned_days_ago=30)
    out = _borrow(borrower, "Kruistocht in spijkerbroek")
    out_long = _borrow(borrower, "De avonden")
    Loan.objects.filter(pk=out_long.pk).update(checked_out_at=timezone.now() - dt.timedelta(days=500))
    assert not reading_history_on(borrower)

    report = retention.retention_run(actor=None, on=today())

    line = next(r for r in report.rules if r.name == "library.Loan" and r.rule == "loans_returned")
    assert line.done == 1
    linked = set(Loan.objects.filter(person=borrower).values_list("pk", flat=True))
    assert linked == {recent.pk, out.pk, out_long.pk}  # a loan still out is never unlinked
    gone = Loan.objects.get(pk=old.pk)
    assert (gone.person_id, gone.subscription_id) == (None, None)
    assert gone.copy_id == old.copy_id  # the copy keeps its own history, without a borrower


def test_with_the_consent_the_engine_keeps_them_and_the_member_sees_them(borrower):
    _switch(borrower, True)
    old = _borrow(borrower, "Oorlogswinter", returned_days_ago=800)
    retention.retention_run(actor=None, on=today())
    assert list(reading_history(borrower)) == [Loan.objects.get(pk=old.pk)]
    assert (
        retention.due_rows(
            next(i for i in retention.registrations.retained if i.rule == "loans_returned"), today()
        ).count()
        == 0
    )


def test_switching_off_unlinks_at_once_what_it_kept_and_only_returned_loans(borrower):
    _switch(borrower, True)
    kept = [_borrow(borrower, t, returned_days_ago=d) for t, d in (("Oorlogswinter", 800), ("Het Achterhuis", 3))]
    out = _borrow(borrower, "Kruistocht in spijkerbroek")

    _switch(borrower, False)

    assert not Loan.objects.filter(pk__in=[k.pk for k in kept], person__isnull=False).exists()
    assert Loan.objects.get(pk=out.pk).person_id == borrower.pk
    entry = AuditEntry.objects.filter(action="consent.withdrawn").latest("pk")
    assert entry.details["released"] == 2
    # The access package follows: no returned loan of theirs any more, the open one still there.
    sources = {s["source"]: s["rows"] for s in access_package(subject=borrower, actor=None)["sources"]}
    assert sources["library.Loan"] == 1


def test_clearing_keeps_the_switch_on_and_what_is_returned_later_is_kept(borrower):
    _switch(borrower, True)
    _borrow(borrower, "Oorlogswinter", returned_days_ago=10)
    assert reading_history_clear(person=borrower, actor=None) == 1
    assert list(reading_history(borrower)) == []
    assert reading_history_on(borrower)
    later = _borrow(borrower, "Het Achterhuis", returned_days_ago=0)
    assert list(reading_history(borrower)) == [later]
    assert AuditEntry.objects.filter(action="consent.rows_cleared").latest("pk").details == {
        "purpose": READING_HISTORY,
        "cleared": 1,
    }


def test_clearing_touches_nobody_else(borrower):
    other = PersonFactory(with_pass=True)
    subscription_start(person=other, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    theirs = _borrow(other, "De avonden", returned_days_ago=5)
    _switch(borrower, True)
    _borrow(borrower, "Oorlogswinter", returned_days_ago=5)
    reading_history_clear(person=borrower, actor=None)
    assert Loan.objects.get(pk=theirs.pk).person_id == other.pk


def test_what_only_the_reading_history_keeps_goes_to_no_export_or_selection(borrower, staff):
    _switch(borrower, True)
    old = _borrow(borrower, "Oorlogswinter", returned_days_ago=800)
    recent = _borrow(borrower, "Het Achterhuis", returned_days_ago=60)
    period = {"start": today() - dt.timedelta(days=6 * 365), "end": today() + dt.timedelta(days=1)}
    _disclosure, rows = loans_export_biblionet(**period, actor=staff)
    assert [row["copy__barcode"] for row in rows] == [recent.copy.barcode]
    marketing = loan_history_for_marketing(actor=staff, since=period["start"])
    assert [row["checked_out_at"] for row in marketing] == [recent.checked_out_at]
    assert old.copy.barcode not in {row["copy__barcode"] for row in rows}
    # Without the consent the engine unlinks the old one; until it runs, the exports read it as before.
    _switch(borrower, False)
    assert Loan.objects.get(pk=old.pk).person_id is None


def test_the_engine_reads_due_loans_once_and_a_consent_given_since_keeps_them(borrower):
    """Batches come from one read of the due rows; a batch's rows are checked again when they change."""
    loans = [_borrow(borrower, f"Titel {i}", returned_days_ago=400 + i) for i in range(5)]
    item = next(i for i in retention.registrations.retained if i.rule == "loans_returned")
    due = retention.due_rows(item, today())
    batches = list(retention._streamed(due, 2))
    assert sorted(pk for batch in batches for pk in batch) == sorted(loan.pk for loan in loans)
    assert [len(batch) for batch in batches] == [2, 2, 1]
    _switch(borrower, True)  # read as due, but the member switched the history on since
    assert not retention._still_due(item, due, batches[0]).exists()

    report = retention.retention_run(actor=None, on=today(), batch_size=2)

    line = next(r for r in report.rules if r.name == "library.Loan" and r.rule == "loans_returned")
    assert line.done == 0
    assert Loan.objects.filter(person=borrower).count() == 5
