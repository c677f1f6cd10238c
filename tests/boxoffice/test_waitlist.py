"""The waiting list of a sold-out show: joining, offers in order with a time limit, buying an offer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kolk.boxoffice.models import Order, ShowSeat, WaitlistEntry
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.selling import order_cancel, order_checkout, order_pay
from kolk.comms.models import OutboxMessage
from kolk.core.errors import KolkError, NotFound
from kolk.privacy.retention import retention_run
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def sold_out_show():
    """A theatre show of 4 seats, all sold in two paid orders."""
    show = f.show(seat_map="1x4", theatre=True)
    orders = []
    for _i in range(2):
        order = f.checked_out(show, quantity=2)
        orders.append(order_pay(order=order, method=Order.Method.CASH, actor=None))
    return show, orders


def join(show, n: int, quantity: int = 1):
    return waitlist.waitlist_join(
        show=show, name=f"Wachtende {n}", email=f"wacht{n}@example.nl", quantity=quantity, actor=None
    )


def test_only_a_sold_out_show_has_a_waiting_list_and_an_address_joins_once():
    show = f.show(seat_map="1x4", theatre=True)
    with pytest.raises(KolkError) as exc:
        join(show, 1)
    assert exc.value.code == "not_sold_out"
    show, _orders = sold_out_show()
    join(show, 1)
    with pytest.raises(KolkError) as exc:
        waitlist.waitlist_join(show=show, name="Ander", email="WACHT1@example.nl", quantity=1, actor=None)
    assert exc.value.code == "already_waiting"
    with pytest.raises(ValidationError) as bad:
        waitlist.waitlist_join(show=show, name="X\x00", email="geen-adres", quantity=9, actor=None)
    assert set(bad.value.message_dict) == {"name", "email", "quantity"}
    assert WaitlistEntry.objects.filter(show=show).count() == 1


def test_a_refund_frees_seats_and_the_job_offers_them_to_the_first_in_line_once():
    show, orders = sold_out_show()
    first, second = join(show, 1, quantity=2), join(show, 2, quantity=1)
    assert waitlist.waitlist_offers_make() == 0  # nothing freed yet
    order_cancel(order=orders[0], actor=None, refund=True)
    assert waitlist.waitlist_offers_make() == 1
    assert waitlist.waitlist_offers_make() == 0  # idempotent: the freed seats are held for the offer
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    assert second.status == WaitlistEntry.Status.WAITING
    offer = first.order
    assert offer.status == Order.Status.HELD
    assert offer.buyer_email == "wacht1@example.nl"
    assert offer.expires_at - first.offered_at == dt.timedelta(hours=24)
    assert ShowSeat.objects.filter(show=show, order=offer, status=ShowSeat.Status.HELD).count() == 2
    mail = OutboxMessage.objects.get(idempotency_key=f"boxoffice.waitlist.{first.pk}.{offer.pk}")
    assert "/kaarten/wachtlijst/" in mail.text_body
    # The link leads to the offer; the buyer checks it out and pays as any order.
    token = mail.text_body.split("/kaarten/wachtlijst/")[1].split("/")[0]
    assert waitlist.offer_by_token(token) == first
    paid = order_pay(
        order=order_checkout(order=offer, buyer_name="Wachtende 1", buyer_email="wacht1@example.nl", actor=None),
        method=Order.Method.CASH,
        actor=None,
    )
    assert paid.status == Order.Status.PAID
    waitlist.waitlist_offers_make()
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.BOUGHT
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.SOLD).count() == 4


def test_an_expired_offer_goes_to_the_next_in_line(settings):
    settings.KOLK_WAITLIST_OFFER_HOURS = 2
    show, orders = sold_out_show()
    first, _second = join(show, 1), join(show, 2)
    order_cancel(order=orders[0], actor=None, refund=True)  # frees two seats: one for each
    assert waitlist.waitlist_offers_make() == 2
    third = join(show, 3)
    first.refresh_from_db()
    assert first.order.expires_at - first.offered_at == dt.timedelta(hours=2)
    Order.objects.filter(pk=first.order_id).update(expires_at=first.offered_at - dt.timedelta(seconds=1))
    assert waitlist.waitlist_offers_make() == 1
    first.refresh_from_db()
    third.refresh_from_db()
    assert first.status == WaitlistEntry.Status.EXPIRED
    assert third.status == WaitlistEntry.Status.OFFERED
    with pytest.raises(NotFound):
        waitlist.offer_by_token(waitlist.offer_token(first)[:-2] + "xx")


def test_a_smaller_group_gets_seats_the_first_cannot_use_and_the_first_keeps_their_place():
    show, orders = sold_out_show()
    first = join(show, 1, quantity=3)
    second = join(show, 2, quantity=1)
    order_cancel(order=orders[0], actor=None, refund=True)  # two seats free, three wanted first
    assert waitlist.waitlist_offers_make() == 1
    second.refresh_from_db()
    assert second.order.tickets.count() == 1
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.WAITING
    order_cancel(order=orders[1], actor=None, refund=True)  # three free now
    assert waitlist.waitlist_offers_make() == 1
    first.refresh_from_db()
    assert first.order.tickets.count() == 3


def test_the_waiting_list_goes_the_day_after_the_show():
    show, _orders = sold_out_show()
    join(show, 1)
    type(show).objects.filter(pk=show.pk).update(starts_at=show.starts_at - dt.timedelta(days=30))
    retention_run(actor=None)
    assert not WaitlistEntry.objects.filter(show=show).exists()
