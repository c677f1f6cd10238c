"""Free seating in the shop: its tickets are an order of their own, so a buyer with a basket is told it is
paid apart (and where the basket is), no "other seats" or "add a show" is offered that would start yet
another order, and each ticket's price is asked as "kaartje 1, 2", never with a ticket's internal number."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, Show
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode().replace("\u00a0", " ")


def seats(show: Show, *places: tuple[int, int]) -> list[int]:
    by_place = {(s.row, s.number): s.pk for s in show.hall.seats.all()}
    return [by_place[p] for p in places]


def test_a_buyer_with_a_basket_is_told_free_seating_is_a_separate_order(client):
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    free = f.show(capacity=80, in_days=9)
    client.post(reverse("web:shop:show", args=[play.pk]), {"seat": seats(play, (2, 3))})
    basket = Order.objects.get()
    page = text(client.get(reverse("web:shop:show", args=[free.pk])))
    assert 'id="apart-note"' in page
    assert "aparte bestelling, die je apart betaalt" in page
    assert reverse("web:shop:order", args=[basket.token]) in page

    held = client.post(reverse("web:shop:show", args=[free.pk]), {"quantity": "2", "best": "1"})
    order = Order.objects.exclude(pk=basket.pk).get()
    assert held["Location"] == reverse("web:shop:order", args=[order.token])
    page = text(client.get(held["Location"]))
    # Before: "Andere stoelen" and "Nog een voorstelling toevoegen ... je betaalt alles in één keer" on an order
    # that holds no seats and takes no other show, with the basket not mentioned at all.
    assert "Andere stoelen" not in page
    assert 'id="basket-more"' not in page
    assert "je betaalt alles in één keer" not in page
    assert 'id="other-basket"' in page
    assert f"Je winkelmand met {play.title} is een aparte bestelling" in page
    assert reverse("web:shop:order", args=[basket.token]) in page
    # Each free place is asked its price as kaartje 1, 2: before, the label was the ticket's id.
    assert "Tarief kaartje 1" in page
    assert "Tarief kaartje 2" in page
    last = max(order.tickets.values_list("pk", flat=True))
    assert last > 2  # the basket's ticket came first
    assert f"Tarief kaartje {last}" not in page


def test_a_seated_basket_still_offers_other_seats_and_another_show(client):
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    response = client.post(reverse("web:shop:show", args=[play.pk]), {"seat": seats(play, (1, 1))})
    page = text(client.get(response["Location"]))
    assert "Andere stoelen" in page
    assert 'id="basket-more"' in page
    assert 'id="other-basket"' not in page
    assert 'id="apart-note"' not in text(client.get(reverse("web:shop:show", args=[play.pk])))


def test_taking_out_free_seating_speaks_of_places_and_an_order_not_seats_in_a_basket(client):
    free = f.show(capacity=80, in_days=9)
    held = client.post(reverse("web:shop:show", args=[free.pk]), {"quantity": "2", "best": "1"})
    order = Order.objects.get()
    gone = client.post(reverse("web:shop:basket_remove", args=[order.token, free.pk]), follow=True)
    page = text(gone)
    assert held.status_code == 302
    assert "Je bestelling is geannuleerd; de plaatsen zijn weer vrij." in page
    assert "de stoelen zijn weer vrij" not in page  # before: "Je winkelmand is leeg; de stoelen ..."
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
