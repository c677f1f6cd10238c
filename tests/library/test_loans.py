"""Lending: checkout, check-in and renew; refusals that say why; fines; counts; bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from kolk.core.errors import KolkError
from kolk.library.models import Fee, Loan, LoanCount, MemberProfile
from kolk.library.services.loans import loan_checkin, loan_checkout, loan_renew
from kolk.library.services.members import block_lift, block_set, subscription_start
from tests.factories import PersonFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, SubscriptionTypeFactory, TitleFactory

pytestmark = pytest.mark.django_db


def test_checkout_and_checkin(member, copy, staff):
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    copy.refresh_from_db()
    assert copy.status == "on_loan"
    assert loan.due_on == dt.date.today() + dt.timedelta(days=21)
    with pytest.raises(KolkError, match="al uitgeleend"):
        loan_checkout(copy_barcode=copy.barcode, person=PersonFactory(), actor=staff)
    result = loan_checkin(copy_barcode=copy.barcode, actor=staff)
    assert result.loan.returned_at is not None
    assert (result.fine_cents, result.hold_for) == (0, None)
    copy.refresh_from_db()
    assert copy.status == "available"
    assert MemberProfile.objects.get(person=member).last_activity_on == dt.date.today()
    with pytest.raises(KolkError, match="niet uitgeleend"):
        loan_checkin(copy_barcode=copy.barcode, actor=staff)


def test_unknown_barcode_and_no_subscription_are_refused(member, copy, staff):
    with pytest.raises(KolkError, match="Onbekende barcode"):
        loan_checkout(copy_barcode="999", person=member, actor=staff)
    with pytest.raises(KolkError, match="Geen lopend abonnement"):
        loan_checkout(copy_barcode=copy.barcode, person=PersonFactory(), actor=staff)
    assert Loan.objects.count() == 0


def test_a_block_stops_checkout_and_says_why(member, copy, staff):
    block = block_set(person=member, reason="unpaid", actor=staff)
    with pytest.raises(KolkError, match="openstaande betaling") as exc:
        loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    assert exc.value.code == "blocked"
    block_lift(block=block, actor=staff)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)


def test_max_loans_per_media_type_and_per_subscription(member, staff):
    dvds = [CopyFactory(title=TitleFactory(media_type="dvd")) for _ in range(3)]
    for c in dvds[:2]:
        loan_checkout(copy_barcode=c.barcode, person=member, actor=staff)
    with pytest.raises(KolkError, match="van deze soort"):
        loan_checkout(copy_barcode=dvds[2].barcode, person=member, actor=staff)
    small = SubscriptionTypeFactory(code="klein", name="Klein", max_loans=1)
    other = PersonFactory()
    subscription_start(person=other, type=small, actor=staff, id_seen=True)
    loan_checkout(copy_barcode=CopyFactory().barcode, person=other, actor=staff)
    with pytest.raises(KolkError, match="tegelijk met dit abonnement"):
        loan_checkout(copy_barcode=CopyFactory().barcode, person=other, actor=staff)


def test_a_rule_for_the_subscription_type_wins_over_the_general_rule(member, staff):
    LoanRuleFactory(media_type="book", subscription_type=SubscriptionTypeFactory(), loan_days=42)
    loan = loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    assert loan.due_on == dt.date.today() + dt.timedelta(days=42)


def test_late_return_fines_adults_not_youth(member, staff, rules):
    child = PersonFactory(date_of_birth=dt.date.today() - dt.timedelta(days=365 * 10))
    subscription_start(person=child, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, guardian=member)
    a, b = CopyFactory(), CopyFactory()
    for c, who in ((a, member), (b, child)):
        loan = loan_checkout(copy_barcode=c.barcode, person=who, actor=staff)
        Loan.objects.filter(pk=loan.pk).update(due_on=dt.date.today() - dt.timedelta(days=4))
    assert loan_checkin(copy_barcode=a.barcode, actor=staff).fine_cents == 100
    assert loan_checkin(copy_barcode=b.barcode, actor=staff).fine_cents == 0
    fee = Fee.objects.get(kind="fine")
    assert (fee.person_id, fee.amount_cents, fee.status) == (member.pk, 100, "open")


def test_renew_within_the_rule(member, copy, staff):
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    loan_renew(loan=loan, actor=staff)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    loan = loan_renew(loan=loan, actor=staff)
    assert loan.renewals == 2
    with pytest.raises(KolkError, match="niet vaker"):
        loan_renew(loan=loan, actor=staff)


def test_loan_counts_per_month_survive_anonymising_the_loans(member, staff):
    for _ in range(3):
        c = CopyFactory()
        loan_checkout(copy_barcode=c.barcode, person=member, actor=staff)
        loan_checkin(copy_barcode=c.barcode, actor=staff)
    Loan.objects.filter(person=member).update(person=None)
    count = LoanCount.objects.get(person=member)
    assert (count.month, count.count) == (dt.date.today().replace(day=1), 3)


@pytest.fixture
def long_history(member):
    """Hundreds of past loans, so a query that grows with history would show."""
    title = TitleFactory()
    copies = [CopyFactory(title=title) for _ in range(300)]
    now = dt.datetime.now(dt.UTC)
    Loan.objects.bulk_create(
        [Loan(copy=c, person=member, checked_out_at=now, due_on=dt.date.today(), returned_at=now) for c in copies]
    )
    return member


def test_checkout_checkin_renew_take_a_fixed_number_of_queries(
    long_history, staff, django_assert_num_queries, django_assert_max_num_queries
):
    """Whatever the history: checkout 5 reads, 5 writes; check-in 3 reads, 4 writes; each in its transaction (2)."""
    member = long_history
    copies = [CopyFactory() for _ in range(3)]
    loan_checkout(copy_barcode=copies[0].barcode, person=member, actor=staff)  # warm caches (content types)
    with django_assert_num_queries(12):
        loan = loan_checkout(copy_barcode=copies[1].barcode, person=member, actor=staff)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    with django_assert_max_num_queries(9):
        loan_renew(loan=loan, actor=staff)
    with django_assert_num_queries(9):
        loan_checkin(copy_barcode=copies[1].barcode, actor=staff)


def test_check_in_with_a_fine_and_a_hold_is_bounded_too(long_history, staff, django_assert_max_num_queries):
    from kolk.library.services.reservations import reservation_place

    waiting = PersonFactory(emails=["wacht@example.nl"])
    subscription_start(person=waiting, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=long_history, actor=staff)
    Loan.objects.filter(pk=loan.pk).update(due_on=dt.date.today() - dt.timedelta(days=3))
    reservation_place(title=copy.title, person=waiting, pickup_branch=copy.branch, actor=staff)
    # One more than a bare mail: the hold notice reads the member's channel (email, SMS, post) in one query.
    with django_assert_max_num_queries(23) as checkin:
        result = loan_checkin(copy_barcode=copy.barcode, actor=staff)
    assert (result.fine_cents, result.hold_for.person) == (75, waiting)
    print(f"queries: check-in with fine, hold and notice {len(checkin)}")
