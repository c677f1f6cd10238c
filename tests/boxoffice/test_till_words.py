"""The till in the box office's words: prices sold named as the till names them (never `regular`), a
free-seating hall asked for a number of tickets (no empty seat map), an order of several shows said so
where it is found, and lists that keep their column names as cards on a narrow screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Series, ShowSeat
from kolk.boxoffice.services.payments import till_sale
from kolk.boxoffice.services.vouchers import voucher_issue
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.boxoffice.test_till_orders import basket
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PRICES = {"regular": 2750, "youth": 1500, "senior": 2450}


@pytest.fixture
def box_office(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


def text(response) -> str:
    return response.content.decode().replace("\u00a0", " ")


def test_the_till_says_what_was_sold_in_its_own_words(client, box_office):
    show = f.show(seat_map="2x5", theatre=True, prices=PRICES)
    seats = list(
        ShowSeat.objects.filter(show=show).order_by("seat__row", "seat__number").values_list("seat_id", flat=True)
    )
    till_sale(
        show=show, seat_ids=seats[:3], prices={seats[1]: "youth", seats[2]: "youth"}, method="card", actor=box_office
    )
    page = text(client.get(reverse("desk:boxoffice_show", args=[show.pk])))
    assert "verkocht: 1 normaal, 2 jeugd" in page
    assert "regular" not in page.split('id="till"')[0]  # before: "verkocht: 1 regular, 2 youth"


def test_a_free_seating_till_asks_for_a_number_of_tickets_not_seats(client, box_office):
    show = f.show(capacity=80)
    page = text(client.get(reverse("desk:boxoffice_show", args=[show.pk])))
    assert ">Stoelen</h2>" not in page  # before: a heading over an empty seat map
    assert "Deze zaal heeft geen stoelnummers" in page
    assert '<label for="till-quantity">Aantal kaartjes</label>' in page
    seated = text(client.get(reverse("desk:boxoffice_show", args=[f.show(seat_map="2x5").pk])))
    assert '<label for="till-quantity">Aantal beste plaatsen</label>' in seated


def test_a_found_basket_says_it_holds_tickets_for_another_show(client, box_office):
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    film = f.show(seat_map="3x6", in_days=14)
    order = basket(play, film, name="Anna de Vries")
    page = text(client.post(reverse("desk:boxoffice_orders"), {"q": "Anna"}))
    assert f">{order.pk}</a>" in page
    assert "ook kaartjes voor 1 andere voorstelling" in page


def test_the_lists_keep_their_column_names_as_cards(client, box_office):
    show = f.show(seat_map="2x5", theatre=True)
    till_sale(show=show, quantity=1, method="card", actor=box_office)
    home = text(client.get(reverse("desk:boxoffice")))
    assert 'data-label="In de verkoop">ja<' in home
    till = text(client.get(reverse("desk:boxoffice_show", args=[show.pk])))
    assert 'data-label="Kaartjes voor deze voorstelling">1<' in till


def test_the_season_vouchers_and_halls_lists_keep_their_column_names_as_cards(client, box_office):
    Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=4, discount_percent=20)
    voucher_issue(value_cents=2500, actor=None)
    f.show(seat_map="2x5")
    series = text(client.get(reverse("desk:boxoffice_series")))
    assert 'data-label="Korting">20%<' in series  # before: "20%" alone on the card
    assert 'data-label="Voorstellingen">0, minstens 4<' in series
    vouchers = text(client.get(reverse("desk:boxoffice_vouchers")))
    assert 'data-label="Waarde">€ 25,00<' in vouchers
    halls = text(client.get(reverse("desk:boxoffice_halls")))
    assert 'data-label="Plaatsen">10<' in halls
