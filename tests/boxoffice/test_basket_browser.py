"""The basket on a phone (390 px): a buyer adds two shows, takes one out, adds it back, pays once by
iDEAL and sees both shows' tickets; the totals in euros, nothing wider than the screen, no serious axe
finding, each message in view once."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.models import Order, ShowSeat
from kolk.boxoffice.services import payments
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.browser import axe_findings, phone, scrolls_sideways  # noqa: F401  (the phone fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand
PAID = {"value": "37.50", "currency": "EUR"}  # two Hamlet seats and one film seat of 12,50
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


def fits(page, shot: str) -> None:
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / shot), full_page=True)


@pytest.fixture
def mollie(monkeypatch, phone):  # noqa: F811
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=PAID)
    replay.answer("GET", MOLLIE, "payment_created.json", amount=PAID)
    phone.route(
        "https://www.mollie.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Mollie test checkout</h1>"),
    )
    return replay


def add_the_film(page, film) -> None:
    """From the basket back to the programme, the film's page, one seat into the basket."""
    page.get_by_role("link", name="Nog een voorstelling toevoegen").click()
    expect(page.get_by_text("Je hebt plaatsen in je winkelmand.")).to_be_in_viewport()
    fits(page, "basket-phone-2-programme.png")
    page.get_by_role("link", name=f"Kaartjes voor {film.title}").click()
    expect(page.locator("#basket-note")).to_contain_text("In je winkelmand: 2 kaartjes, € 25,00.")
    page.get_by_label("Rij 1, stoel 3", exact=True).check()
    fits(page, "basket-phone-3-film.png")
    page.get_by_role("button", name="In winkelmand", exact=True).click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))


def test_a_buyer_on_a_phone_fills_a_basket_of_two_shows_and_pays_once(live_server, phone, mollie):  # noqa: F811
    page = phone
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    film = f.show(seat_map="3x6", in_days=14)
    page.goto(f"{live_server.url}/kaarten/show/{play.pk}/")
    page.get_by_role("button", name="Weigeren").click()  # the cookie notice, answered once
    page.get_by_label("Rij 2, stoel 3", exact=True).check()
    page.get_by_label("Rij 2, stoel 4", exact=True).check()
    page.get_by_role("button", name="Deze stoelen vasthouden").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    order_url = page.url
    fits(page, "basket-phone-1-one-show.png")

    add_the_film(page, film)
    assert page.url == order_url  # the same order
    expect(page.get_by_role("heading", name="Je winkelmand", level=1)).to_be_in_viewport()
    message = page.locator(".messages")
    expect(message).to_have_count(1)
    expect(message).to_contain_text("De Aanslag staat in je winkelmand. Totaal: € 37,50.")
    expect(message).to_be_in_viewport()
    basket = page.locator("#basket > li")
    expect(basket).to_have_count(2)
    expect(basket.nth(0)).to_contain_text("Hamlet")
    expect(basket.nth(0)).to_contain_text("Rij 2, stoel 3")
    expect(basket.nth(1)).to_contain_text("De Aanslag")
    expect(basket.nth(1)).to_contain_text("Rij 1, stoel 3")
    expect(page.locator("#basket-total")).to_have_text("Totaal: € 37,50")
    fits(page, "basket-phone-4-two-shows.png")

    # the film out again: its seat is free at once, the total follows
    page.get_by_role("button", name="De Aanslag uit je winkelmand halen").click()
    expect(page.locator(".messages")).to_contain_text("De Aanslag is uit je winkelmand; de stoelen zijn weer vrij.")
    expect(page.locator(".messages")).to_be_in_viewport()
    expect(page.locator("#basket > li")).to_have_count(1)
    expect(page.locator("#basket-total")).to_have_text("Totaal: € 25,00")
    assert not ShowSeat.objects.filter(show=film).exclude(status="available").exists()
    fits(page, "basket-phone-5-one-removed.png")

    add_the_film(page, film)  # and back in
    expect(page.locator("#basket > li")).to_have_count(2)
    expect(page.locator("#basket-total")).to_have_text("Totaal: € 37,50")

    page.get_by_label("Naam").fill("Gea Gast")
    page.get_by_label("E-mailadres").fill("gea@example.nl")
    page.get_by_role("button", name="Verder naar betalen").click()
    expect(page.locator("main")).to_contain_text("Totaal: € 37,50")
    fits(page, "basket-phone-6-pay.png")
    page.get_by_role("button", name="Betalen met iDEAL").click()
    page.wait_for_url(re.compile(r"https://www\.mollie\.com/checkout/.*"))
    assert [r.method for r in mollie.requests].count("POST") == 1  # one payment for the whole basket

    mollie.answer("GET", MOLLIE, "payment_paid.json", amount=PAID)  # the bank says yes
    page.goto(order_url + "betaling/")
    page.wait_for_url(order_url, timeout=15000)
    expect(page.get_by_role("heading", name="Je kaartjes")).to_be_in_viewport()
    tickets = page.locator(".tickets figure")
    expect(tickets).to_have_count(3)
    expect(tickets.filter(has_text="Hamlet")).to_have_count(2)
    expect(tickets.filter(has_text="De Aanslag")).to_have_count(1)
    fits(page, "basket-phone-7-tickets.png")
    order = Order.objects.get()
    assert (order.status, order.total_cents) == (Order.Status.PAID, 3750)
    assert ShowSeat.objects.filter(status="sold").count() == 3
