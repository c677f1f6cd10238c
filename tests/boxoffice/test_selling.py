"""Selling: hold, check out, pay, cancel with refund, release what expired; bounded queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kolk.boxoffice.models import Order, Payment, ShowSeat, ShowStats
from kolk.boxoffice.selectors import show_for_sale
from kolk.boxoffice.services.programme import show_on_sale_set
from kolk.boxoffice.services.selling import (
    SoldOut,
    order_cancel,
    order_checkout,
    order_pay,
    orders_expire,
    seats_hold,
)
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.audit import pseudonym
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def seat_ids(show, *places):
    seats = {(s.row, s.number): s.pk for s in show.hall.seats.all()}
    return [seats[p] for p in places]


def test_holding_chosen_seats_takes_them_for_this_order_only():
    show = f.show(seat_map="3x10")
    order = seats_hold(show=show, seat_ids=seat_ids(show, (2, 4), (2, 5)), actor=None)
    assert order.status == Order.Status.HELD
    assert order.expires_at > now()
    assert sorted(order.tickets.values_list("seat__number", flat=True)) == [4, 5]
    assert ShowSeat.objects.filter(show=show, order=order, status=ShowSeat.Status.HELD).count() == 2
    with pytest.raises(SoldOut):
        seats_hold(show=show, seat_ids=seat_ids(show, (2, 5), (2, 6)), actor=None)
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.HELD).count() == 2


def test_best_available_skips_held_back_and_wheelchair_places():
    show = f.show(seat_map="1x4; wheelchair 1:1; held 1:4")
    order = seats_hold(show=show, quantity=2, actor=None)
    assert sorted(order.tickets.values_list("seat__number", flat=True)) == [2, 3]
    with pytest.raises(SoldOut):
        seats_hold(show=show, quantity=1, actor=None)
    # a wheelchair place is sold when chosen
    assert seats_hold(show=show, seat_ids=seat_ids(show, (1, 1)), actor=None).tickets.count() == 1
    with pytest.raises(SoldOut):  # held back is never sold online
        seats_hold(show=show, seat_ids=seat_ids(show, (1, 4)), actor=None)


def test_free_seating_counts_against_the_capacity():
    show = f.show(capacity=5)
    seats_hold(show=show, quantity=3, actor=None)
    with pytest.raises(SoldOut):
        seats_hold(show=show, quantity=3, actor=None)
    seats_hold(show=show, quantity=2, actor=None)
    show.refresh_from_db()
    assert show.free_taken == 5


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"quantity": 0}, "quantity"), ({"quantity": 11}, "quantity"), ({"seat_ids": [1, 1]}, "seat_ids")],
)
def test_bad_holds_are_refused_and_nothing_is_written(kwargs, field):
    show = f.show()
    with pytest.raises(ValidationError) as exc:
        seats_hold(show=show, actor=None, **kwargs)
    assert field in exc.value.message_dict
    assert not Order.objects.exists()


def test_a_seat_of_another_hall_is_refused():
    show, other = f.show(), f.show()
    with pytest.raises(ValidationError):
        seats_hold(show=show, seat_ids=seat_ids(other, (1, 1)), actor=None)


def test_nothing_is_sold_for_a_show_off_sale():
    show = f.show()
    show_on_sale_set(show=show, on_sale=False, actor=None)
    with pytest.raises(KolkError):
        seats_hold(show=show, quantity=1, actor=None)


def test_checkout_asks_name_email_phone_and_prices_per_ticket():
    show = f.show()
    order = f.held(show, quantity=2)
    first, _second = order.tickets.order_by("pk")
    order = order_checkout(
        order=order,
        buyer_name="  Gea   Gast ",
        buyer_email="gea@example.nl",
        buyer_phone="06 12345678",
        prices={first.pk: "youth"},
        actor=None,
    )
    assert order.status == Order.Status.PENDING_PAYMENT
    assert (order.buyer_name, order.buyer_phone) == ("Gea Gast", "+31612345678")
    assert order.total_cents == 850 + 1250
    entry = AuditEntry.objects.get(action="order.checked_out")
    assert entry.subject_ref == pseudonym(order)
    assert "gea" not in str(entry.details).lower()


def test_checkout_refuses_bad_buyer_data_and_member_price_for_guests():
    order = f.held(f.show(), quantity=1)
    with pytest.raises(ValidationError) as exc:
        order_checkout(order=order, buyer_name="", buyer_email="geen-adres", buyer_phone="12", actor=None)
    assert set(exc.value.message_dict) == {"buyer_name", "buyer_email", "buyer_phone"}
    ticket = order.tickets.get()
    with pytest.raises(ValidationError):
        order_checkout(
            order=order, buyer_name="A", buyer_email="a@example.nl", prices={ticket.pk: "member"}, actor=None
        )
    member = PersonFactory(with_pass=True)
    order = order_checkout(
        order=order, buyer_name="A", buyer_email="a@example.nl", prices={ticket.pk: "member"}, person=member, actor=None
    )
    assert order.total_cents == 1000
    assert order.person == member


def test_paying_sells_the_seats_and_counts_per_price_and_is_idempotent():
    show = f.show()
    order = f.checked_out(show, quantity=2)
    order_pay(order=order, method="ideal", provider_ref="tr_1", actor=None)
    order_pay(order=order, method="ideal", provider_ref="tr_1", actor=None)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert ShowSeat.objects.filter(order=order, status=ShowSeat.Status.SOLD).count() == 2
    stats = ShowStats.objects.get(show=show, kind="regular")
    assert (stats.sold, stats.revenue_cents) == (2, 2500)
    assert AuditEntry.objects.filter(action="order.paid").count() == 1


def test_holds_and_unpaid_orders_are_released_after_their_time():
    show = f.show(seat_map="1x4")
    held = f.held(show, quantity=2)
    pending = f.checked_out(show, quantity=2)
    with pytest.raises(SoldOut):
        seats_hold(show=show, quantity=1, actor=None)
    assert orders_expire(at=now() + dt.timedelta(minutes=5)) == 0
    assert orders_expire(at=now() + dt.timedelta(minutes=11)) == 1
    assert orders_expire(at=now() + dt.timedelta(minutes=16)) == 1
    held.refresh_from_db()
    pending.refresh_from_db()
    assert (held.status, pending.status) == (Order.Status.EXPIRED, Order.Status.EXPIRED)
    assert seats_hold(show=show, quantity=4, actor=None).tickets.count() == 4


def test_free_seating_places_come_back_on_expiry():
    show = f.show(capacity=3)
    f.held(show, quantity=3)
    orders_expire(at=now() + dt.timedelta(minutes=11))
    show.refresh_from_db()
    assert show.free_taken == 0


def test_a_late_payment_takes_the_places_again_if_still_free():
    show = f.show(seat_map="1x4")
    order = f.checked_out(show, quantity=2)
    orders_expire(at=now() + dt.timedelta(minutes=16))
    order_pay(order=order, method="ideal", actor=None)
    assert ShowSeat.objects.filter(order=order, status=ShowSeat.Status.SOLD).count() == 2


def test_a_late_payment_for_places_sold_meanwhile_raises_sold_out():
    show = f.show(seat_map="1x2")
    order = f.checked_out(show, quantity=2)
    orders_expire(at=now() + dt.timedelta(minutes=16))
    f.held(show, quantity=2)
    with pytest.raises(SoldOut):
        order_pay(order=order, method="ideal", actor=None)
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED


def test_cancel_frees_the_seats_and_a_paid_order_needs_a_refund(staff):
    show = f.show(seat_map="1x4")
    order = order_pay(order=f.checked_out(show, quantity=2), method="card", actor=staff)
    with pytest.raises(KolkError):
        order_cancel(order=order, actor=staff)
    order_cancel(order=order, refund=True, actor=staff)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert not ShowSeat.objects.filter(order=order).exists()
    assert ShowStats.objects.get(show=show, kind="regular").sold == 0
    assert Payment.objects.get(order=order).status == Payment.Status.REFUNDED
    entry = AuditEntry.objects.get(action="order.refunded")
    assert entry.actor == f"user:{staff.pk}"
    assert entry.details == {"order": order.pk, "amount_cents": 2500}


def test_the_hot_path_has_a_fixed_number_of_queries(django_assert_num_queries):
    show = f.show(seat_map="20x30")
    for _ in range(5):  # history that must not make the next sale slower
        order_pay(order=f.checked_out(show, quantity=3), method="card", actor=None)
    show = show_for_sale(show.pk)  # as the API reads it: hall and prices with the show
    chosen = seat_ids(show, (10, 10), (10, 11))
    # counts include the two SAVEPOINT statements of the service's atomic block inside the test's transaction
    with django_assert_num_queries(7):  # lock the seats, order, seats, tickets, audit
        order = seats_hold(show=show, seat_ids=chosen, actor=None)
    with django_assert_num_queries(8):  # a group: one more read to find blocks side by side
        order = seats_hold(show=show, quantity=4, actor=None)
    with django_assert_num_queries(6):  # lock the order, its tickets, order, audit
        order = order_checkout(order=order, buyer_name="A B", buyer_email="a@example.nl", actor=None)
    with django_assert_num_queries(9):  # lock, seats sold, order, the mail's task, audit, counts (read, update)
        order_pay(order=order, method="ideal", actor=None)


def test_checking_out_with_other_prices_writes_them_in_two_more_queries(django_assert_max_num_queries):
    show = show_for_sale(f.show(seat_map="2x5").pk)
    order = seats_hold(show=show, quantity=2, actor=None)
    youth = order.tickets.order_by("pk").first()
    with django_assert_max_num_queries(8):  # the show's prices, and one update of the tickets
        order = order_checkout(
            order=order, buyer_name="A B", buyer_email="a@example.nl", prices={youth.pk: "youth"}, actor=None
        )
    assert order.total_cents == 850 + 1250
    assert sorted(order.tickets.values_list("price__kind", flat=True)) == ["regular", "youth"]


def test_the_first_sale_at_a_price_starts_its_count():
    show = f.show(seat_map="2x5")
    order_pay(order=f.checked_out(show, quantity=2), method="card", actor=None)
    order = f.held(show, quantity=1)
    order = order_checkout(
        order=order,
        buyer_name="A B",
        buyer_email="a@example.nl",
        prices={order.tickets.get().pk: "senior"},
        actor=None,
    )
    order_pay(order=order, method="card", actor=None)
    counts = {s.kind: (s.sold, s.revenue_cents) for s in ShowStats.objects.filter(show=show)}
    assert counts == {"regular": (2, 2500), "senior": (1, 1050)}


def test_best_available_seats_a_group_side_by_side_when_it_can():
    show = f.show(seat_map="3x6")
    seats_hold(show=show, seat_ids=seat_ids(show, (2, 3)), actor=None)  # breaks up the best row
    order = seats_hold(show=show, quantity=3, actor=None)
    places = sorted(order.tickets.values_list("seat__row", "seat__number"))
    assert len({row for row, _n in places}) == 1
    numbers = [n for _row, n in places]
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_a_group_is_split_only_when_no_row_has_room():
    show = f.show(seat_map="2x3")
    seats_hold(show=show, seat_ids=seat_ids(show, (1, 2), (2, 2)), actor=None)
    order = seats_hold(show=show, quantity=3, actor=None)
    assert order.tickets.count() == 3
