"""Reservations: queue per title, hold on check-in, fulfilment at checkout, expiry, fee, blocks."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.core.errors import KolkError
from kolk.library.models import Fee, Reservation
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.members import block_set, subscription_start
from kolk.library.services.reservations import reservation_cancel, reservation_place, reservations_expire
from tests.factories import PersonFactory
from tests.library.factories import BranchFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db


def subscriber(**kwargs):
    person = PersonFactory(**kwargs)
    guardian = PersonFactory() if kwargs.get("date_of_birth") else None
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True, guardian=guardian)
    return person


def test_the_queue_is_served_in_order_at_check_in(member, copy, staff):
    branch = BranchFactory(code="rolde", name="Rolde")
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    first, second = subscriber(), subscriber()
    r1 = reservation_place(title=copy.title, person=first, pickup_branch=branch, actor=staff)
    r2 = reservation_place(title=copy.title, person=second, pickup_branch=branch, actor=staff)
    assert (r1.status, r2.status) == ("waiting", "waiting")
    result = loan_checkin(copy_barcode=copy.barcode, actor=staff)
    assert result.hold_for == r1
    assert result.hold_for.pickup_branch == branch
    copy.refresh_from_db()
    assert copy.status == "on_hold"
    with pytest.raises(KolkError, match="ander lid"):
        loan_checkout(copy_barcode=copy.barcode, person=second, actor=staff)
    loan_checkout(copy_barcode=copy.barcode, person=first, actor=staff)  # fulfils the reservation
    r1.refresh_from_db()
    assert r1.status == "fulfilled"


def test_a_copy_on_the_shelf_is_held_at_once_and_the_fee_is_charged(member, copy, staff):
    reservation = reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)
    assert reservation.status == "ready"
    assert reservation.copy == copy
    assert Fee.objects.get(kind="reservation").amount_cents == 100
    with pytest.raises(KolkError, match="al gereserveerd"):
        reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)


def test_youth_reserve_for_free(rules, copy, staff):
    child = subscriber(date_of_birth=dt.date.today() - dt.timedelta(days=365 * 9))
    reservation_place(title=copy.title, person=child, pickup_branch=copy.branch, actor=staff)
    assert not Fee.objects.filter(kind="reservation").exists()


def test_expiry_passes_the_copy_to_the_next_in_line(member, copy, staff):
    other = subscriber()
    first = reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)
    second = reservation_place(title=copy.title, person=other, pickup_branch=copy.branch, actor=staff)
    assert reservations_expire(on=first.expires_on + dt.timedelta(days=1), actor=None) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.copy_id) == ("expired", "ready", copy.pk)


def test_cancel_a_ready_reservation_frees_the_copy(member, copy, staff):
    reservation = reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)
    reservation_cancel(reservation=reservation, actor=staff)
    copy.refresh_from_db()
    assert copy.status == "available"
    assert Reservation.objects.get().status == "cancelled"


def test_a_block_stops_reservations(member, copy, staff):
    block_set(person=member, reason="overdue", actor=staff)
    with pytest.raises(KolkError, match="te laat"):
        reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)
