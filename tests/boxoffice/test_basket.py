"""The basket: seats of several shows in one held order, changed show by show, checked out and paid once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from kolk.boxoffice.models import Order, Series, Show, ShowSeat, ShowStats
from kolk.boxoffice.pdf import tickets_html
from kolk.boxoffice.selectors import order_tickets
from kolk.boxoffice.services.basket import basket_add, basket_remove
from kolk.boxoffice.services.selling import (
    HOLD_MINUTES,
    MAX_TICKETS,
    SoldOut,
    order_cancel,
    order_checkout,
    order_pay,
    orders_expire,
    seats_hold,
)
from kolk.boxoffice.services.series import series_hold
from kolk.boxoffice.wallet import pass_json
from kolk.comms.models import OutboxMessage
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def seats(show: Show, *places: tuple[int, int]) -> list[int]:
    by_place = {(s.row, s.number): s.pk for s in show.hall.seats.all()}
    return [by_place[p] for p in places]


def held_seats(show: Show) -> set[tuple[int, int]]:
    return {
        (s.seat.row, s.seat.number) for s in ShowSeat.objects.filter(show=show, status="held").select_related("seat")
    }


def two_shows() -> tuple[Show, Show, Order]:
    """Hamlet in a week, a film in two, and a basket holding two Hamlet seats."""
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    film = f.show(seat_map="3x6", in_days=14)
    order = seats_hold(show=play, seat_ids=seats(play, (2, 3), (2, 4)), actor=None)
    return play, film, order


def test_a_second_show_goes_into_the_same_held_order_with_one_total():
    play, film, order = two_shows()
    order = basket_add(order=order, show=film, seat_ids=seats(film, (1, 1), (1, 2), (1, 3)), actor=None)
    order.refresh_from_db()
    assert Order.objects.count() == 1
    assert (order.status, order.show_id, order.total_cents) == ("held", play.pk, 5 * 1250)
    assert held_seats(play) == {(2, 3), (2, 4)}
    assert held_seats(film) == {(1, 1), (1, 2), (1, 3)}
    assert sorted(order.tickets.values_list("show_id", flat=True)) == [play.pk] * 2 + [film.pk] * 3
    assert AuditEntry.objects.filter(action="order.basket_added").count() == 1


def test_adding_renews_the_hold_to_a_full_hold_and_never_shortens_it():
    _play, film, order = two_shows()
    order.expires_at = now() + dt.timedelta(minutes=2)  # the buyer took a while on the programme
    order.save(update_fields=["expires_at"])
    order = basket_add(order=order, show=film, quantity=1, actor=None)
    left = order.expires_at - now()
    assert dt.timedelta(minutes=HOLD_MINUTES - 1) < left <= dt.timedelta(minutes=HOLD_MINUTES)
    order.expires_at = now() + dt.timedelta(minutes=HOLD_MINUTES + 5)
    order.save(update_fields=["expires_at"])
    later = basket_add(order=order, show=film, quantity=1, actor=None).expires_at
    assert later == order.expires_at


def test_an_earlier_show_becomes_the_order_s_show_and_removing_it_moves_it_on():
    play, _film, order = two_shows()
    soon = f.show(seat_map="2x4", theatre=True, in_days=2)
    order = basket_add(order=order, show=soon, quantity=2, actor=None)
    assert Order.objects.get().show_id == soon.pk
    basket_remove(order=order, show=soon, actor=None)
    assert Order.objects.get().show_id == play.pk
    assert not ShowSeat.objects.filter(show=soon, status="held").exists()


def test_choosing_other_seats_for_a_show_in_the_basket_gives_the_earlier_ones_back():
    play, _film, order = two_shows()
    order = basket_add(order=order, show=play, seat_ids=seats(play, (2, 4), (3, 1), (3, 2)), actor=None)
    assert held_seats(play) == {(2, 4), (3, 1), (3, 2)}
    assert ShowSeat.objects.get(show=play, seat_id=seats(play, (2, 3))[0]).order_id is None
    assert Order.objects.get().total_cents == 3 * 1250
    assert order.tickets.filter(show=play).count() == 3
    # by number: the best seats anew, the earlier ones among them to choose from
    order = basket_add(order=order, show=play, quantity=2, actor=None)
    assert len(held_seats(play)) == 2
    assert order.tickets.count() == 2


def test_removing_a_show_frees_its_seats_at_once_and_the_last_one_empties_the_basket():
    play, film, order = two_shows()
    order = basket_add(order=order, show=film, quantity=2, actor=None)
    order = basket_remove(order=order, show=film, actor=None)
    assert not ShowSeat.objects.filter(show=film).exclude(status="available").exists()
    assert (order.status, order.total_cents) == ("held", 2 * 1250)
    with pytest.raises(KolkError, match="staat niet in je winkelmand"):
        basket_remove(order=order, show=film, actor=None)
    order = basket_remove(order=order, show=play, actor=None)
    assert (order.status, order.total_cents, order.expires_at) == ("cancelled", 0, None)
    assert not ShowSeat.objects.exclude(status="available").exists()
    assert AuditEntry.objects.filter(action="order.basket_removed").count() == 2


def _nothing_changed(order: Order, film: Show) -> None:
    order.refresh_from_db()
    assert order.total_cents == 2 * 1250
    assert not order.tickets.filter(show=film).exists()
    assert not ShowSeat.objects.filter(show=film, order=order).exists()


def test_a_show_not_on_sale_in_presale_or_sold_out_is_refused_in_dutch_and_nothing_is_written():
    _play, film, order = two_shows()
    Show.objects.filter(pk=film.pk).update(on_sale=False)
    film.refresh_from_db()
    with pytest.raises(KolkError, match="geen kaartjes \\(meer\\) te koop"):
        basket_add(order=order, show=film, quantity=1, actor=None)
    Show.objects.filter(pk=film.pk).update(on_sale=True, public_from=now() + dt.timedelta(days=3))
    film.refresh_from_db()
    with pytest.raises(KolkError, match="Voorverkoop voor leden tot"):
        basket_add(order=order, show=film, quantity=1, actor=None)
    basket_add(order=order, show=film, quantity=1, member=True, actor=None)  # a member with a current pass may
    basket_remove(order=order, show=film, actor=None)
    Show.objects.filter(pk=film.pk).update(public_from=None)
    film.refresh_from_db()
    other = seats_hold(show=film, seat_ids=seats(film, (1, 1)), actor=None)
    with pytest.raises(SoldOut, match="niet meer vrij"):
        basket_add(order=order, show=film, seat_ids=seats(film, (1, 1), (1, 2)), actor=None)
    assert ShowSeat.objects.get(show=film, seat_id=seats(film, (1, 1))[0]).order_id == other.pk
    with pytest.raises(SoldOut, match="niet genoeg plaatsen"):
        basket_add(order=order, show=f.show(seat_map="1x2", theatre=True), quantity=3, actor=None)
    with pytest.raises(ValidationError, match="per voorstelling"):
        basket_add(order=order, show=film, quantity=MAX_TICKETS + 1, actor=None)
    _nothing_changed(order, film)


def test_free_seating_an_expired_basket_a_checked_out_order_and_a_theaterabonnement_are_no_basket():
    play, film, order = two_shows()
    studio = f.show(capacity=60)
    with pytest.raises(KolkError, match="vrije zitplaatsen bestel je apart"):
        basket_add(order=order, show=studio, quantity=2, actor=None)
    assert Show.objects.get(pk=studio.pk).free_taken == 0
    checked = order_checkout(order=order, buyer_name="Gea Gast", buyer_email="gea@example.nl", actor=None)
    with pytest.raises(KolkError, match="al afgerekend"):
        basket_add(order=checked, show=film, quantity=1, actor=None)
    late = seats_hold(show=film, quantity=1, actor=None)
    Order.objects.filter(pk=late.pk).update(expires_at=now() - dt.timedelta(seconds=1))
    with pytest.raises(KolkError, match="verlopen"):
        basket_add(order=late, show=play, quantity=1, actor=None)
    hall = f.hall(seat_map="2x4")
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=2, discount_percent=20)
    series.shows.set([f.show(hall=hall, theatre=True, in_days=20 + i) for i in range(2)])
    subscription = series_hold(
        series=series, show_ids=list(series.shows.values_list("pk", flat=True)), quantity=1, actor=None
    )
    with pytest.raises(KolkError, match="theaterabonnement"):
        basket_add(order=subscription, show=film, quantity=1, actor=None)
    assert not ShowSeat.objects.filter(show=film, order__in=[order, subscription]).exists()


def test_adding_and_removing_take_a_bounded_number_of_queries(django_assert_max_num_queries):
    from kolk.boxoffice.selectors import show_get

    _play, film, order = two_shows()
    film = show_get(film.pk)  # as the shop reads it: with its hall and prices
    # lock the order, the show's earlier tickets, lock the seats, hold them, tickets, order, audit
    with django_assert_max_num_queries(10):
        order = basket_add(order=order, show=film, seat_ids=seats(film, (1, 1), (1, 2)), actor=None)
    many = show_get(f.show(seat_map="4x10", theatre=True).pk)
    with django_assert_max_num_queries(10):  # ten seats cost what two do
        order = basket_add(order=order, show=many, seat_ids=seats(many, *[(2, n) for n in range(1, 11)]), actor=None)
    with django_assert_max_num_queries(12):  # a change: the earlier tickets out, the earlier seats back
        order = basket_add(order=order, show=film, seat_ids=seats(film, (1, 2), (1, 3)), actor=None)
    with django_assert_max_num_queries(13):  # by number: the earlier seats back, blocks side by side, the best
        order = basket_add(order=order, show=film, quantity=3, actor=None)
    with django_assert_max_num_queries(9):  # lock the order, its tickets of the show, lock, free, delete, order, audit
        basket_remove(order=order, show=many, actor=None)
    first = Order.objects.select_related("show__hall").get().show
    with django_assert_max_num_queries(10):  # the order's show itself: which show is first now
        basket_remove(order=order, show=first, actor=None)


def test_checkout_prices_each_ticket_at_its_own_show_s_price_and_one_payment_sells_all():
    play, _film, order = two_shows()
    f_prices = {"regular": 900, "youth": 600, "senior": 800, "member": 700}
    cinema = f.show(seat_map="3x6", in_days=14, prices=f_prices)
    order = basket_add(order=order, show=cinema, seat_ids=seats(cinema, (1, 1), (1, 2)), actor=None)
    tickets = {(t.show_id, t.seat.number): t for t in order.tickets.select_related("seat")}
    order = order_checkout(
        order=order,
        buyer_name="Gea Gast",
        buyer_email="gea@example.nl",
        prices={tickets[cinema.pk, 1].pk: "youth", tickets[play.pk, 3].pk: "senior"},
        actor=None,
    )
    assert order.total_cents == 1050 + 1250 + 600 + 900
    youth = order.tickets.get(pk=tickets[cinema.pk, 1].pk)
    assert (youth.price.show_id, youth.amount_cents) == (cinema.pk, 600)
    order = order_pay(order=order, method="ideal", actor=None)
    assert not ShowSeat.objects.exclude(status__in=["available", "sold"]).exists()
    assert ShowSeat.objects.filter(status="sold").count() == 4
    stats = dict(ShowStats.objects.filter(show=cinema).values_list("kind", "sold"))
    assert stats == {"youth": 1, "regular": 1}
    assert dict(ShowStats.objects.filter(show=play).values_list("kind", "sold")) == {"senior": 1, "regular": 1}
    # one mail, every show's tickets in it and in its PDF, each with its own date
    f.worker_turn()
    mail = OutboxMessage.objects.get(to_address="gea@example.nl")
    assert mail.subject == "Je kaartjes voor Hamlet en meer"
    assert "Hamlet, " in mail.text_body
    assert "De Aanslag, " in mail.text_body
    assert mail.attachments.filter(filename="kaartjes.pdf").count() == 1
    html = tickets_html(order, list(order_tickets(order)))
    for show in (play, cinema):
        assert date_format(timezone.localtime(show.starts_at), "l j F Y") in html
    # the wallet pass of a ticket names its own show
    ticket = next(t for t in order_tickets(order) if t.show_id == cinema.pk)
    assert "De Aanslag" in str(pass_json(order, ticket))


def test_cancelling_refunding_or_expiring_a_basket_frees_the_seats_in_every_show():
    play, film, order = two_shows()
    order = basket_add(order=order, show=film, quantity=2, actor=None)
    orders_expire(at=now() + dt.timedelta(minutes=HOLD_MINUTES + 1))
    assert Order.objects.get().status == "expired"
    assert not ShowSeat.objects.exclude(status="available").exists()
    again = seats_hold(show=play, quantity=1, actor=None)
    again = basket_add(order=again, show=film, quantity=1, actor=None)
    again = order_checkout(order=again, buyer_name="Gea Gast", buyer_email="gea@example.nl", actor=None)
    again = order_pay(order=again, method="ideal", actor=None)
    order_cancel(order=again, refund=True, actor=None)
    assert not ShowSeat.objects.exclude(status="available").exists()
    assert set(ShowStats.objects.values_list("sold", flat=True)) == {0}


def test_an_invoice_has_a_line_per_ticket_s_own_show_and_is_refused_with_afilm_in_the_basket():
    from kolk.billing.models import InvoiceLine
    from kolk.boxoffice.services.payments import payment_start
    from tests.factories import PersonFactory

    person = PersonFactory(with_pass=True)
    play, film, order = two_shows()
    other = f.show(seat_map="2x4", theatre=True, in_days=21)
    order = basket_add(order=order, show=other, quantity=1, actor=None)
    order = order_checkout(order=order, buyer_name="Lid", buyer_email="lid@example.nl", person=person, actor=None)
    payment_start(order=order, method="invoice", actor=None)
    lines = list(InvoiceLine.objects.order_by("pk").values_list("description", flat=True))
    when = f"{other.starts_at:%d-%m-%Y}"
    assert [d for d in lines if when in d] == [f"Hamlet {when} (normaal)"]
    assert len([d for d in lines if f"{play.starts_at:%d-%m-%Y}" in d]) == 2
    film_basket = seats_hold(show=play, quantity=1, actor=None)
    film_basket = basket_add(order=film_basket, show=film, quantity=1, actor=None)
    film_basket = order_checkout(
        order=film_basket, buyer_name="Lid", buyer_email="lid@example.nl", person=person, actor=None
    )
    with pytest.raises(KolkError, match="alleen voor theater"):
        payment_start(order=film_basket, method="invoice", actor=None)


def test_each_ticket_of_a_basket_gets_in_at_its_own_show_s_door():
    from kolk.boxoffice.services.checkin import ticket_check_in

    play, film, order = two_shows()
    order = basket_add(order=order, show=film, quantity=1, actor=None)
    order = order_checkout(order=order, buyer_name="Gea Gast", buyer_email="gea@example.nl", actor=None)
    order_pay(order=order, method="ideal", actor=None)
    ticket = order.tickets.get(show=film)
    assert ticket_check_in(code=ticket.code, show=play, actor=None).result == "other_show"
    assert ticket_check_in(code=ticket.code, show=film, actor=None).result == "ok"
