"""The till's list of a show's orders: an order is listed under every show it holds tickets for (a basket
from the shop, a theaterabonnement), once, in a number of queries that does not grow with the orders."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, Series, Show
from kolk.boxoffice.services.basket import basket_add
from kolk.boxoffice.services.payments import till_sale
from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from kolk.boxoffice.services.series import series_hold
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def box_office(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


def seats(show: Show, *places: tuple[int, int]) -> list[int]:
    by_place = {(s.row, s.number): s.pk for s in show.hall.seats.all()}
    return [by_place[p] for p in places]


def basket(play: Show, film: Show, *, name: str = "Anna de Vries") -> Order:
    """A basket from the shop: two seats for the play, three for the film, paid."""
    order = seats_hold(show=play, seat_ids=seats(play, (2, 3), (2, 4)), actor=None)
    order = basket_add(order=order, show=film, seat_ids=seats(film, (1, 1), (1, 2), (1, 3)), actor=None)
    order = order_checkout(order=order, buyer_name=name, buyer_email="anna@example.nl", actor=None)
    return order_pay(order=order, method=Order.Method.INVOICE, actor=None)


def season() -> Series:
    hall = f.hall(seat_map="3x10")
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=3, discount_percent=20)
    series.shows.set([f.show(hall=hall, theatre=True, in_days=7 + i) for i in range(3)])
    return series


def till_rows(client, show: Show) -> list[str]:
    page = client.get(reverse("desk:boxoffice_show", args=[show.pk])).content.decode()
    table = re.search(r'<table class="receipt" id="till-orders">.*?</table>', page, re.S)
    assert table is not None, "no list of orders on the till"
    return re.findall(r"<tr><td[^>]*><a [^>]*>(\d+)</a>.*?</tr>", table[0], re.S)


def test_a_basket_is_listed_under_each_of_its_shows_once(client, box_office):
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    film = f.show(seat_map="3x6", in_days=14)
    order = basket(play, film)
    # Before: found by Order.show, the basket's first show, so the film's till did not list it.
    assert [o.pk for o in selectors.orders_for_show(film)] == [order.pk]
    assert [(o.pk, o.here, o.shows) for o in selectors.orders_for_show(play)] == [(order.pk, 2, 2)]
    assert till_rows(client, play) == [str(order.pk)]
    assert till_rows(client, film) == [str(order.pk)]
    page = client.get(reverse("desk:boxoffice_show", args=[film.pk])).content.decode().replace("\u00a0", " ")
    assert "Anna de Vries" in page
    assert "ook kaartjes voor 1 andere voorstelling" in page
    assert f"€ {order.total_cents // 100},{order.total_cents % 100:02d}" in page


def test_a_theaterabonnement_is_listed_under_every_show_of_it(client, box_office):
    series = season()
    shows = list(series.shows.order_by("starts_at"))
    order = series_hold(series=series, show_ids=[s.pk for s in shows], quantity=2, actor=None)
    for show in shows:
        assert till_rows(client, show) == [str(order.pk)]
        assert [(o.here, o.shows) for o in selectors.orders_for_show(show)] == [(2, 3)]
    assert (
        "theaterabonnement Drents Toneel"
        in client.get(reverse("desk:boxoffice_show", args=[shows[-1].pk])).content.decode()
    )


def test_an_expired_hold_is_not_listed_and_a_show_without_orders_says_so(client, box_office):
    play = f.show(seat_map="3x6", theatre=True)
    order = seats_hold(show=play, seat_ids=seats(play, (1, 1)), actor=None)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.EXPIRED)
    page = client.get(reverse("desk:boxoffice_show", args=[play.pk])).content.decode()
    assert "Nog geen bestellingen." in page
    assert 'id="till-orders"' not in page


def test_the_list_costs_the_same_queries_for_one_order_as_for_many(client, box_office):
    hall = f.hall(seat_map="4x10")
    play = f.show(hall=hall, theatre=True, in_days=7)
    film = f.show(hall=hall, theatre=True, in_days=14)
    basket(play, film)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("desk:boxoffice_show", args=[film.pk])).status_code == 200
        return len(ctx)

    one = queries()
    series = Series.objects.create(name="Reeks", season="2026-2027", min_shows=2, discount_percent=10)
    series.shows.set([play, film])
    series_hold(series=series, show_ids=[play.pk, film.pk], quantity=1, actor=None)
    for n in range(4):
        till_sale(show=film, seat_ids=seats(film, (3, n + 1)), method="card", actor=box_office)
    assert len(till_rows(client, film)) == 6
    assert queries() == one
    with CaptureQueriesContext(connection) as ctx:
        assert len(list(selectors.orders_for_show(film))) == 6
    assert len(ctx) == 1


def test_the_order_page_of_a_basket_or_theaterabonnement_names_it_not_its_first_show(client, box_office):
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    film = f.show(seat_map="3x6", in_days=14)
    order = basket(play, film, name="Anna de Vries")
    page = client.get(reverse("desk:boxoffice_order", args=[order.pk])).content.decode()
    what = re.search(r'<p class="till-meta" id="order-what">(.*?)</p>', page, re.S)[1]
    # Before: the first show's title, date and hall, as if the order held that show only.
    assert "2 voorstellingen, vanaf " in what
    assert play.title not in what
    series = season()
    shows = [s.pk for s in series.shows.order_by("starts_at")]
    held = series_hold(series=series, show_ids=shows, quantity=1, actor=None)
    page = client.get(reverse("desk:boxoffice_order", args=[held.pk])).content.decode()
    what = re.search(r'<p class="till-meta" id="order-what">(.*?)</p>', page, re.S)[1]
    assert what.startswith("theaterabonnement Drents Toneel · 3 voorstellingen, vanaf ")
    single = till_sale(show=play, quantity=1, method="card", actor=box_office).order
    page = client.get(reverse("desk:boxoffice_order", args=[single.pk])).content.decode()
    assert re.search(r'<p class="till-meta" id="order-what">(.*?)</p>', page, re.S)[1].startswith(play.title)


def test_the_cancel_question_of_a_basket_does_not_head_it_with_its_first_show(client, box_office):
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    film = f.show(seat_map="3x6", in_days=14)
    order = basket(play, film)
    page = client.post(reverse("desk:boxoffice_cancel", args=[order.token])).content.decode()
    confirm = page.split('<div class="confirm">')[1]
    assert not confirm.lstrip().startswith(f"<p>{play.title} · ")  # before: as if it held that show only
    assert confirm.count(f"{play.title}, ") == 2
    single = till_sale(show=play, quantity=1, method="card", actor=box_office).order
    page = client.post(reverse("desk:boxoffice_cancel", args=[single.token])).content.decode()
    assert page.split('<div class="confirm">')[1].lstrip().startswith(f"<p>{play.title} · ")
