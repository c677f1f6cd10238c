"""Freed seats go to the waiting list first: while people wait, a refunded, cancelled or expired
seat is kept for the list's offers, never sold in the shop or at the till before it; with
nobody waiting (any more) it goes back on sale. The shop's map and 'uitverkocht' agree."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, Seat, Series, Show, ShowSeat, WaitlistEntry
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.basket import basket_add, basket_remove
from kolk.boxoffice.services.selling import SoldOut, order_cancel, order_checkout, order_pay, orders_expire, seats_hold
from kolk.boxoffice.services.series import series_hold
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sold_out(seat_map: str = "1x4", **kwargs) -> tuple[Show, list[Order]]:
    show = f.show(seat_map=seat_map, theatre=True, **kwargs)
    orders = []
    while selectors.seats_available(show):
        orders.append(order_pay(order=f.checked_out(show, quantity=2), method=Order.Method.CASH, actor=None))
    return show, orders


def join(show: Show, n: int, quantity: int = 1) -> WaitlistEntry:
    return waitlist.waitlist_join(
        show=show, name=f"Wachtende {n}", email=f"wacht{n}@example.nl", quantity=quantity, actor=None
    )


def statuses(show: Show) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in ShowSeat.objects.filter(show=show).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def test_a_refunded_seat_is_kept_for_the_first_in_line_not_sold_in_the_shop():
    show, orders = sold_out()
    first = join(show, 1, quantity=2)
    order_cancel(order=orders[0], actor=None, refund=True)
    freed = sorted(Order.objects.get(pk=orders[0].pk).tickets.values_list("seat_id", flat=True))
    assert statuses(show) == {"waitlist": 2, "sold": 2}
    # The shop, the till and a chosen seat all find the show sold out; the map shows the seats taken.
    assert waitlist.sold_out(show)
    assert selectors.seats_available(show) == 0
    assert not any(s.available for _row, seats in selectors.seat_map(show) for s in seats)
    with pytest.raises(SoldOut):
        seats_hold(show=show, quantity=1, actor=None)
    with pytest.raises(SoldOut):
        seats_hold(show=show, seat_ids=freed[:1], actor=None)
    # More people may join the list meanwhile: for them, too, the show is sold out.
    join(show, 2)
    assert waitlist.waitlist_offers_make() == 1
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.OFFERED
    assert sorted(first.order.tickets.values_list("seat_id", flat=True)) == freed
    assert statuses(show) == {"held": 2, "sold": 2}
    # The offer is bought as it was made: exactly the offered seats.
    paid = order_pay(
        order=order_checkout(order=first.order, buyer_name="Wachtende 1", buyer_email="wacht1@example.nl", actor=None),
        method=Order.Method.CASH,
        actor=None,
    )
    assert sorted(paid.tickets.values_list("seat_id", flat=True)) == freed
    assert statuses(show) == {"sold": 4}


def test_with_nobody_waiting_a_freed_seat_is_on_sale_at_once():
    show, orders = sold_out()
    order_cancel(order=orders[0], actor=None, refund=True)
    assert statuses(show) == {"available": 2, "sold": 2}
    assert not waitlist.sold_out(show)


def test_a_hold_that_runs_out_while_people_wait_is_kept_for_the_list_too():
    show = f.show(seat_map="1x4", theatre=True)
    held = f.held(show, quantity=2)
    order_pay(order=f.checked_out(show, quantity=2), method=Order.Method.CASH, actor=None)
    join(show, 1)
    assert orders_expire(at=now() + dt.timedelta(hours=1)) == 1
    held.refresh_from_db()
    assert held.status == Order.Status.EXPIRED
    assert statuses(show) == {"waitlist": 2, "sold": 2}
    with pytest.raises(SoldOut):
        seats_hold(show=show, quantity=1, actor=None)


def test_a_theaterabonnement_does_not_take_a_kept_seat():
    show, orders = sold_out("1x4", in_days=10)
    other = f.show(hall=show.hall, theatre=True, in_days=11)
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=2)
    series.shows.set([show, other])
    join(show, 1)
    order_cancel(order=orders[0], actor=None, refund=True)
    kept = list(ShowSeat.objects.filter(show=show, status=ShowSeat.Status.KEPT).values_list("seat_id", flat=True))
    with pytest.raises(SoldOut):
        series_hold(series=series, show_ids=[show.pk, other.pk], quantity=1, actor=None)
    with pytest.raises(SoldOut):
        series_hold(series=series, show_ids=[show.pk, other.pk], seat_ids=kept[:1], actor=None)


def test_kept_seats_go_back_on_sale_when_nobody_waits_any_more():
    show, orders = sold_out()
    first = join(show, 1)
    order_cancel(order=orders[0], actor=None, refund=True)  # two seats kept, one wanted
    assert statuses(show)["waitlist"] == 2
    assert waitlist.waitlist_offers_make() == 1
    # The other seat is nobody's on the list now: on sale again in the same run.
    assert statuses(show) == {"held": 1, "available": 1, "sold": 2}
    # The offer lapses with nobody waiting: its seat goes back on sale as well.
    first.refresh_from_db()
    Order.objects.filter(pk=first.order_id).update(expires_at=now() - dt.timedelta(seconds=1))
    assert waitlist.waitlist_offers_make() == 0
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.EXPIRED
    assert statuses(show) == {"available": 2, "sold": 2}


def test_a_lapsed_offer_goes_to_the_next_in_line_not_back_on_sale():
    show, orders = sold_out()
    first, second = join(show, 1, quantity=2), join(show, 2, quantity=2)
    order_cancel(order=orders[0], actor=None, refund=True)
    assert waitlist.waitlist_offers_make() == 1
    first.refresh_from_db()
    seats = set(first.order.tickets.values_list("seat_id", flat=True))
    Order.objects.filter(pk=first.order_id).update(expires_at=now() - dt.timedelta(seconds=1))
    orders_expire()
    assert statuses(show) == {"waitlist": 2, "sold": 2}  # kept for the second, not on sale
    with pytest.raises(SoldOut):
        seats_hold(show=show, quantity=1, actor=None)
    assert waitlist.waitlist_offers_make() == 1
    second.refresh_from_db()
    assert second.status == WaitlistEntry.Status.OFFERED
    assert set(second.order.tickets.values_list("seat_id", flat=True)) == seats


def test_a_larger_group_keeps_its_place_and_the_seats_wait_for_it():
    show, orders = sold_out("1x6")
    group = join(show, 1, quantity=3)
    order_cancel(order=orders[0], actor=None, refund=True)
    assert waitlist.waitlist_offers_make() == 0  # two kept, three wanted: kept, not sold
    assert statuses(show) == {"waitlist": 2, "sold": 4}
    order_cancel(order=orders[1], actor=None, refund=True)
    assert waitlist.waitlist_offers_make() == 1
    group.refresh_from_db()
    assert group.order.tickets.count() == 3
    assert statuses(show) == {"held": 3, "available": 1, "sold": 2}  # the fourth: nobody waits for it


def test_a_wheelchair_place_goes_back_on_sale_not_to_the_list():
    show = f.show(seat_map="1x4", theatre=True)
    wheelchair = Seat.objects.filter(hall=show.hall).order_by("number").first()
    Seat.objects.filter(pk=wheelchair.pk).update(kind=Seat.Kind.WHEELCHAIR)
    chosen = order_pay(
        order=order_checkout(
            order=seats_hold(show=show, seat_ids=[wheelchair.pk], actor=None),
            buyer_name="Rolf Rolstoel",
            buyer_email="rolf@example.nl",
            actor=None,
        ),
        method=Order.Method.CASH,
        actor=None,
    )
    order_pay(order=f.checked_out(show, quantity=3), method=Order.Method.CASH, actor=None)
    join(show, 1)
    order_cancel(order=chosen, actor=None, refund=True)
    assert ShowSeat.objects.get(show=show, seat=wheelchair).status == ShowSeat.Status.AVAILABLE


def test_free_seating_places_are_kept_for_the_list_in_the_shows_count():
    show = f.show(capacity=4, theatre=True)
    orders = [order_pay(order=f.checked_out(show, quantity=2), method=Order.Method.CASH, actor=None) for _i in range(2)]
    show.refresh_from_db()
    first, second = join(show, 1, quantity=1), join(show, 2, quantity=2)
    order_cancel(order=orders[0], actor=None, refund=True)
    show.refresh_from_db()
    assert (show.free_taken, show.waitlist_kept) == (4, 2)
    assert waitlist.sold_out(show)
    assert selectors.seats_available(show) == 0
    with pytest.raises(SoldOut):
        seats_hold(show=show, quantity=1, actor=None)
    assert waitlist.waitlist_offers_make() == 1  # the first: one; the second's two do not fit the one left
    show.refresh_from_db()
    assert (show.free_taken, show.waitlist_kept) == (4, 1)
    first.refresh_from_db()
    assert first.order.tickets.count() == 1
    # The second leaves the list unserved: nobody waits, the kept place goes back on sale.
    WaitlistEntry.objects.filter(pk=second.pk).update(status=WaitlistEntry.Status.LEFT)
    waitlist.waitlist_offers_make()
    show.refresh_from_db()
    assert (show.free_taken, show.waitlist_kept) == (3, 0)
    assert seats_hold(show=show, quantity=1, actor=None).status == Order.Status.HELD


def test_a_show_taken_out_of_a_basket_while_people_wait_is_kept_for_the_list():
    show = f.show(seat_map="1x4", theatre=True, in_days=9)
    other = f.show(seat_map="1x4", theatre=True)
    basket = basket_add(order=f.held(other, quantity=1), show=show, quantity=2, actor=None)
    order_pay(order=f.checked_out(show, quantity=2), method=Order.Method.CASH, actor=None)
    join(show, 1)
    basket_remove(order=basket, show=show, actor=None)
    assert statuses(show) == {"waitlist": 2, "sold": 2}
    basket_remove(order=basket, show=other, actor=None)  # nobody waits for the other show
    assert statuses(other) == {"available": 4}


def test_an_offer_is_bought_as_offered_not_changed_in_a_basket():
    show, orders = sold_out()
    entry = join(show, 1)
    order_cancel(order=orders[0], actor=None, refund=True)
    waitlist.waitlist_offers_make()
    entry.refresh_from_db()
    other = f.show(seat_map="1x4", theatre=True)
    for change in (
        lambda: basket_add(order=entry.order, show=other, quantity=1, actor=None),
        lambda: basket_remove(order=entry.order, show=show, actor=None),
    ):
        with pytest.raises(KolkError) as refused:
            change()
        assert refused.value.code == "waitlist_offer"
    assert entry.order.tickets.count() == 1
    assert statuses(other) == {"available": 4}


def test_the_offer_and_its_order_page_sell_exactly_the_offered_seats(client):
    show, orders = sold_out()
    entry = join(show, 1, quantity=2)
    order_cancel(order=orders[0], actor=None, refund=True)
    waitlist.waitlist_offers_make()
    entry.refresh_from_db()
    offer = client.get(reverse("web:shop:waitlist_offer", args=[waitlist.offer_token(entry)])).content.decode()
    assert "We houden deze 2 plaatsen voor je vast tot" in offer
    assert "25,00</strong>" in offer
    page = client.get(reverse("web:shop:order", args=[entry.order.token])).content.decode()
    assert 'id="offer-note"' in page
    assert "Je 2 plaatsen van de wachtlijst houden we voor je vast tot" in page
    assert 'value="Wachtende 1"' in page  # name and address known from the list
    assert 'value="wacht1@example.nl"' in page
    for choose_again in ("Andere stoelen", "Verwijderen", "Nog een voorstelling toevoegen"):
        assert choose_again not in page
    # Checked out, the offer keeps its day to pay, not the shop's minutes.
    order = order_checkout(order=entry.order, buyer_name="Wachtende 1", buyer_email="wacht1@example.nl", actor=None)
    assert order.expires_at - now() > dt.timedelta(hours=23)
    page = client.get(reverse("web:shop:order", args=[order.token])).content.decode()
    assert "Andere stoelen kiezen" not in page


def test_the_box_office_is_told_a_refund_goes_to_the_waiting_list_first(client):
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    show, orders = sold_out()
    url = reverse("desk:boxoffice_cancel", args=[orders[0].token])
    assert 'id="waiting"' not in client.post(url).content.decode()
    join(show, 1)
    join(show, 2)
    asked = client.post(url).content.decode()
    assert "Er wachten 2 mensen op de wachtlijst: de plaatsen gaan eerst naar de wachtlijst" in asked
    client.post(url, {"confirm": "1"})
    assert statuses(show) == {"waitlist": 2, "sold": 2}
