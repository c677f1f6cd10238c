"""The basket in the shop's pages: add a show from its page, the order page show by show with one total,
remove or change a show; the till's order page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, Show, ShowSeat
from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page as the buyer reads it: amounts with a plain space (the page keeps `€` and the amount together)."""
    return response.content.decode().replace("\xa0", " ")


def seats(show: Show, *places: tuple[int, int]) -> list[int]:
    by_place = {(s.row, s.number): s.pk for s in show.hall.seats.all()}
    return [by_place[p] for p in places]


def basket_of_two(client) -> tuple[Show, Show, Order]:
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    film = f.show(seat_map="3x6", in_days=14)
    client.post(reverse("web:shop:show", args=[play.pk]), {"seat": seats(play, (2, 3), (2, 4))})
    order = Order.objects.get()
    page = text(client.get(reverse("web:shop:show", args=[film.pk])))
    add = reverse("web:shop:basket_add", args=[order.token, film.pk])
    assert f'action="{add}"' in page
    assert "In winkelmand" in page
    assert "In je winkelmand: 2 kaartjes, € 25,00." in page
    response = client.post(add, {"seat": seats(film, (1, 1))})
    assert response["Location"] == reverse("web:shop:order", args=[order.token])
    return play, film, order


def test_a_buyer_adds_a_second_show_and_the_order_page_lists_both_with_one_total(client):
    _play, _film, order = basket_of_two(client)
    assert Order.objects.count() == 1
    page = text(client.get(reverse("web:shop:order", args=[order.token])))
    assert "Je winkelmand" in page
    assert page.count('class="card basket-show"') == 2
    basket = page[page.index('id="basket"') :]
    assert basket.index("Hamlet") < basket.index("De Aanslag")  # in time order
    assert "Rij 2, stoel 3" in page
    assert "Rij 1, stoel 1" in page
    assert 'id="basket-total">Totaal: <strong>€ 37,50</strong>' in page
    assert "Nog een voorstelling toevoegen" in page
    # the message of the step just taken: once, under the heading
    assert page.count("De Aanslag staat in je winkelmand. Totaal: € 37,50.") == 1
    assert page.count('class="messages"') == 1
    assert page.index('class="messages"') > page.index("<h1>")
    # the programme knows the basket too
    assert "ga naar je winkelmand" in text(client.get(reverse("web:shop:programme")))


def test_changing_a_show_s_seats_starts_from_the_seats_in_the_basket(client):
    play, _film, order = basket_of_two(client)
    page = text(client.get(reverse("web:shop:show", args=[play.pk])))
    assert page.count(" checked") == 2  # the basket's two Hamlet seats, ticked and free to the buyer
    assert page.count(" disabled") == 0
    client.post(reverse("web:shop:basket_add", args=[order.token, play.pk]), {"seat": seats(play, (3, 1))})
    assert {s.seat.number for s in ShowSeat.objects.filter(show=play, status="held").select_related("seat")} == {1}
    assert Order.objects.get().total_cents == 2 * 1250


def test_removing_a_show_frees_its_seats_and_the_last_one_leads_back_to_the_programme(client):
    play, film, order = basket_of_two(client)
    gone = client.post(reverse("web:shop:basket_remove", args=[order.token, film.pk]))
    assert gone["Location"] == reverse("web:shop:order", args=[order.token])
    assert not ShowSeat.objects.filter(show=film).exclude(status="available").exists()
    page = text(client.get(gone["Location"]))
    assert page.count("De Aanslag is uit je winkelmand; de stoelen zijn weer vrij.") == 1
    assert "€ 25,00" in page
    last = client.post(reverse("web:shop:basket_remove", args=[order.token, play.pk]))
    assert last["Location"] == reverse("web:shop:programme")
    assert Order.objects.get().status == Order.Status.CANCELLED
    # nothing left to change: a clear message, not an error page
    again = client.post(reverse("web:shop:basket_remove", args=[order.token, play.pk]), follow=True)
    assert "Je winkelmand is verlopen" in text(again)


def test_a_refused_addition_says_why_on_the_show_page_and_writes_nothing(client):
    _play, _film, order = basket_of_two(client)
    other = f.show(seat_map="1x2", theatre=True, in_days=20)
    response = client.post(reverse("web:shop:basket_add", args=[order.token, other.pk]), {"quantity": "3"}, follow=True)
    assert "Er zijn niet genoeg plaatsen meer vrij." in text(response)
    assert not ShowSeat.objects.filter(show=other).exclude(status="available").exists()
    Show.objects.filter(pk=other.pk).update(on_sale=False)
    response = client.post(reverse("web:shop:basket_add", args=[order.token, other.pk]), {"quantity": "1"}, follow=True)
    assert "Voor deze voorstelling zijn geen kaartjes (meer) te koop." in text(response)
    assert Order.objects.get().total_cents == 3 * 1250


def test_someone_else_s_basket_cannot_be_added_to(client):
    play, _film, order = basket_of_two(client)
    client.cookies.clear()  # another browser, with the token but without the session
    response = client.post(reverse("web:shop:basket_add", args=[order.token, play.pk]), {"quantity": "1"})
    assert 400 <= response.status_code < 500
    assert Order.objects.get().tickets.count() == 3


def test_checkout_offers_each_ticket_its_own_show_s_prices_and_pays_once(client):
    _play, film, order = basket_of_two(client)
    page = text(client.get(reverse("web:shop:order", args=[order.token])))
    assert "De Aanslag: Tarief rij 1 stoel 1" in page
    tickets = {t.show_id: t for t in order.tickets.all()}
    response = client.post(
        reverse("web:shop:order", args=[order.token]),
        {
            "buyer_name": "Gea Gast",
            "buyer_email": "gea@example.nl",
            **{f"price_{t.pk}": "regular" for t in order.tickets.all()},
            f"price_{tickets[film.pk].pk}": "youth",
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.total_cents) == (Order.Status.PENDING_PAYMENT, 2 * 1250 + 850)
    page = text(client.get(reverse("web:shop:order", args=[order.token])))
    assert "€ 33,50" in page
    assert "Betalen op factuur" not in page  # a film in it: not on invoice


def test_the_till_s_order_page_names_each_ticket_s_show(client, django_user_model):
    from kolk.core.roles import Role
    from tests.factories import UserFactory

    _play, _film, order = basket_of_two(client)
    order = order_checkout(order=order, buyer_name="Gea Gast", buyer_email="gea@example.nl", actor=None)
    order_pay(order=order, method="ideal", actor=None)
    till = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(till)
    page = text(client.get(reverse("desk:boxoffice_order", args=[order.pk])))
    assert page.count("De Aanslag, ") >= 2  # the receipt and the tickets
    assert page.count("Hamlet, ") >= 4


def test_the_till_s_cancel_question_names_each_ticket_s_show(client):
    from kolk.core.roles import Role
    from tests.factories import UserFactory

    _play, _film, order = basket_of_two(client)
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    page = text(client.post(reverse("desk:boxoffice_cancel", args=[order.token])))
    assert "De Aanslag, " in page
    assert page.count("Hamlet, ") == 2


def test_a_basket_holding_a_show_s_last_seats_can_still_change_them(client):
    play, _film, order = basket_of_two(client)
    others = [s for s in play.hall.seats.all() if (s.row, s.number) not in {(2, 3), (2, 4)}]
    seats_hold(show=play, seat_ids=[s.pk for s in others[:10]], actor=None)
    seats_hold(show=play, seat_ids=[s.pk for s in others[10:]], actor=None)
    page = text(client.get(reverse("web:shop:show", args=[play.pk])))
    assert "Nog 2 plaatsen vrij." in page
    assert reverse("web:shop:basket_add", args=[order.token, play.pk]) in page
    assert page.count(" checked") == 2
