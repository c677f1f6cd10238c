"""Notices through the outbox (ready, pre-due with consent only, overdue) and the daily job."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.comms.models import OutboxMessage
from kolk.library.models import Block, Loan
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.notices import notices_overdue, reminders_pre_due
from kolk.library.services.overdue import BLOCK_AFTER_DAYS, fines_accrue, overdue_blocks_refresh
from kolk.library.services.reservations import reservation_place
from kolk.library.tasks import library_daily
from kolk.people.models import FamilyRelation
from kolk.privacy.ledger import consent_record
from tests.factories import PersonFactory
from tests.library.factories import CopyFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()


def subscriber(age: int = 40, guardian=None):
    person = PersonFactory(
        emails=[f"lid{PersonFactory._meta.next_sequence()}@example.nl"],
        date_of_birth=TODAY - dt.timedelta(days=365 * age + 30),
    )
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True, guardian=guardian)
    return person


def test_a_ready_reservation_is_announced_through_the_outbox(rules, staff):
    copy = CopyFactory()
    member = subscriber()
    reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)
    message = OutboxMessage.objects.get(template="library_reservation_ready")
    assert message.person_id == member.pk
    assert copy.title.title in message.subject
    assert (message.kind, message.purpose) == ("service", "lending")


def test_check_in_announces_the_hold_to_the_next_in_line(rules, staff):
    copy = CopyFactory()
    borrower, waiting = subscriber(), subscriber()
    loan_checkout(copy_barcode=copy.barcode, person=borrower, actor=staff)
    reservation_place(title=copy.title, person=waiting, pickup_branch=copy.branch, actor=staff)
    assert not OutboxMessage.objects.exists()
    loan_checkin(copy_barcode=copy.barcode, actor=staff)
    assert OutboxMessage.objects.get().person_id == waiting.pk


def test_pre_due_reminders_only_with_consent_and_a_guardians_for_a_child(rules, staff):
    consenting, silent = subscriber(), subscriber()
    parent = subscriber()
    child_ok, child_not = subscriber(age=10, guardian=parent), subscriber(age=10, guardian=parent)
    consent_record(subject=consenting, purpose="notices_advice", given=True, method="desk", actor=staff)
    consent_record(subject=child_ok, purpose="notices_advice", given=True, method="desk", given_by=parent, actor=staff)
    for person in (consenting, silent, child_ok, child_not):
        loan = loan_checkout(copy_barcode=CopyFactory().barcode, person=person, actor=staff)
        Loan.objects.filter(pk=loan.pk).update(due_on=TODAY + dt.timedelta(days=3))
    assert reminders_pre_due(on=TODAY, actor=None) == 2
    assert set(OutboxMessage.objects.values_list("person_id", flat=True)) == {consenting.pk, child_ok.pk}
    assert set(OutboxMessage.objects.values_list("kind", "purpose")) == {("notice", "notices_advice")}
    assert reminders_pre_due(on=TODAY, actor=None) == 0  # each loan once
    assert FamilyRelation.objects.filter(person=child_not, relative=parent).exists()


def test_overdue_fines_blocks_and_notices(rules, staff):
    member = subscriber()
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY - dt.timedelta(days=1))
    assert notices_overdue(on=TODAY, actor=None) == 1
    Loan.objects.filter(pk=loan.pk).update(due_on=TODAY - dt.timedelta(days=BLOCK_AFTER_DAYS + 1))
    assert fines_accrue(on=TODAY) == 1
    loan.refresh_from_db()
    assert loan.fine_cents == (BLOCK_AFTER_DAYS + 1) * 25
    assert overdue_blocks_refresh(on=TODAY, actor=None) == {"blocked": 1, "lifted": 0}
    assert Block.objects.get(person=member, lifted_at__isnull=True).reason == "overdue"
    loan_checkin(copy_barcode=copy.barcode, actor=staff)
    assert overdue_blocks_refresh(on=TODAY, actor=None) == {"blocked": 0, "lifted": 1}


def test_the_daily_job_runs_everything(rules):
    result = library_daily.call()
    assert set(result) == {
        "subscriptions",
        "reservations_expired",
        "fines_updated",
        "blocks",
        "reminders",
        "overdue_notices",
        "invoices",
        "fees_settled",
        "unpaid_blocks",
        "joins_expired",
        "target_groups",
    }
