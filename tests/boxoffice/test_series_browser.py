"""A theaterabonnement on a phone (390 px): a buyer chooses four shows of a series and two seats, pays by
iDEAL and sees the same seats in each show on the order page and the tickets. Every page fits the phone
and passes axe; during the presale a guest is told until when."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.models import Order, Series
from kolk.boxoffice.services import payments
from kolk.core.clock import now
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.browser import axe_findings, phone, scrolls_sideways  # noqa: F401  (the phone fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand
TOTAL = {"value": "80.00", "currency": "EUR"}  # 4 shows x 2 seats x € 10,00 (€ 12,50 less 20 %)
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


def fits(page, shot: str) -> None:
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / shot), full_page=True)


def season(shows: int = 5) -> Series:
    hall = f.hall(seat_map="3x10")
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=4, discount_percent=20)
    series.shows.set([f.show(hall=hall, theatre=True, in_days=7 + i) for i in range(shows)])
    return series


def test_a_buyer_on_a_phone_buys_a_theaterabonnement_of_four_shows_with_the_same_seats_in_each(
    live_server,
    phone,  # noqa: F811
    monkeypatch,
):
    page = phone
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=TOTAL)
    replay.answer("GET", MOLLIE, "payment_paid.json", amount=TOTAL)
    page.route(
        "https://www.mollie.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Mollie test checkout</h1>"),
    )
    series = season(5)
    page.goto(f"{live_server.url}/kaarten/theaterabonnement/{series.pk}/")
    page.get_by_role("button", name="Weigeren").click()  # the cookie notice, answered once
    expect(page.locator("main")).to_contain_text("Kies minstens 4 voorstellingen")
    fits(page, "series-phone-1-choose.png")
    boxes = page.get_by_role("group", name="Voorstellingen").get_by_role("checkbox")
    assert boxes.count() == 5
    for i in range(4):
        boxes.nth(i).check()
    page.get_by_label("Aantal stoelen").fill("2")
    page.get_by_role("button", name="Dezelfde stoelen vasthouden").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    order_url = page.url
    same = page.locator("#same-seats")
    expect(same).to_contain_text("Dezelfde stoelen in elke voorstelling")
    expect(same).to_be_in_viewport()
    expect(page.locator("#series-shows li")).to_have_count(4)
    expect(page.locator("main")).not_to_contain_text("12,50")  # each ticket at the series price
    fits(page, "series-phone-2-held.png")
    page.get_by_label("Naam").fill("Anna Abonnee")
    page.get_by_label("E-mailadres").fill("anna@example.nl")
    page.get_by_role("button", name="Verder naar betalen").click()
    expect(page.locator("main")).to_contain_text("80,00")
    page.get_by_role("button", name="Betalen met iDEAL").click()
    page.wait_for_url(re.compile(r"https://www\.mollie\.com/checkout/.*"))
    page.goto(order_url + "betaling/")
    page.wait_for_url(order_url, timeout=15000)
    expect(page.get_by_role("heading", name="Je kaartjes")).to_be_visible()
    order = Order.objects.get(series=series)
    assert order.status == Order.Status.PAID
    seats = {(t.seat.row, t.seat.number) for t in order.tickets.select_related("seat")}
    assert len(seats) == 2  # the same two seats in each of the four shows
    words = "; ".join(f"rij {r}, stoel {n}" for r, n in sorted(seats))
    expect(page.locator("#same-seats")).to_contain_text(words)
    expect(page.locator(".tickets figure")).to_have_count(8)
    expect(page.locator(".tickets figure").first).to_contain_text("Hamlet")
    fits(page, "series-phone-3-tickets.png")


def test_during_the_presale_a_guest_on_a_phone_reads_until_when(live_server, phone):  # noqa: F811
    page = phone
    series = season(4)
    series.public_from = now() + dt.timedelta(days=10)
    series.save()
    page.goto(f"{live_server.url}/kaarten/theaterabonnement/{series.pk}/")
    page.get_by_role("button", name="Weigeren").click()
    for box in page.get_by_role("group", name="Voorstellingen").get_by_role("checkbox").all():
        box.check()
    page.get_by_label("Aantal stoelen").fill("1")
    page.get_by_role("button", name="Dezelfde stoelen vasthouden").click()
    refused = page.get_by_role("alert")
    expect(refused).to_contain_text(re.compile(r"Voorverkoop voor leden tot \d{1,2} [a-z]+ \d{4}"))
    expect(refused).to_be_in_viewport()
    assert not Order.objects.exists()
    fits(page, "series-phone-4-presale.png")
