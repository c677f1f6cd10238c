"""The shop on a phone (390 px): the steps in view on every page, nothing wider than the screen,
no serious axe finding; back from iDEAL the payment page checks by itself until the payment is in,
then shows the tickets. A payment that fails offers other seats, which gives the held ones back."""

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
PAID = {"value": "25.00", "currency": "EUR"}  # two regular tickets of 12,50
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


def looks_right(page, step: str, shot: str) -> None:
    """The step indicator shows where the buyer is; the page fits the phone and passes axe."""
    steps = page.get_by_role("navigation", name="Stappen van je bestelling")
    expect(steps).to_be_in_viewport()
    expect(steps.locator('[aria-current="step"]')).to_contain_text(step)
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / shot), full_page=True)


@pytest.fixture
def mollie(monkeypatch, phone):  # noqa: F811
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=PAID)
    replay.answer("GET", MOLLIE, "payment_created.json", amount=PAID)  # open: the buyer is at the bank
    phone.route(
        "https://www.mollie.com/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Mollie test checkout</h1>"),
    )
    return replay


def _to_the_bank(page, live_server, show) -> str:
    page.goto(f"{live_server.url}/kaarten/show/{show.pk}/")
    page.get_by_role("button", name="Weigeren").click()  # the cookie notice, answered once
    looks_right(page, "Stoelen", "shop-phone-1-seats.png")
    page.get_by_label("Rij 2, stoel 3", exact=True).check()
    page.get_by_label("Rij 2, stoel 4", exact=True).check()
    page.get_by_role("button", name="Deze stoelen vasthouden").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    order_url = page.url
    looks_right(page, "Gegevens", "shop-phone-2-details.png")
    page.get_by_label("Naam").fill("Gea Gast")
    page.get_by_label("E-mailadres").fill("gea@example.nl")
    page.get_by_role("button", name="Verder naar betalen").click()
    expect(page.locator("main")).to_contain_text("€ 25,00")
    looks_right(page, "Betalen", "shop-phone-3-pay.png")
    page.get_by_role("button", name="Betalen met iDEAL").click()
    page.wait_for_url(re.compile(r"https://www\.mollie\.com/checkout/.*"))
    return order_url


def test_a_guest_on_a_phone_pays_and_waits_on_the_payment_page_until_it_is_paid(live_server, phone, mollie):  # noqa: F811
    page = phone
    show = f.show(seat_map="3x6", theatre=True)
    order_url = _to_the_bank(page, live_server, show)
    # Mollie sends the buyer back before its webhook came: the page says it checks, and keeps asking.
    page.goto(order_url + "betaling/")
    expect(page.get_by_role("heading", name="We controleren je betaling")).to_be_in_viewport()
    expect(page.get_by_role("status")).to_contain_text("Deze pagina kijkt vanzelf opnieuw")
    looks_right(page, "Betalen", "shop-phone-4-checking.png")
    mollie.answer("GET", MOLLIE, "payment_paid.json", amount=PAID)  # the bank says yes
    page.wait_for_url(order_url, timeout=15000)
    expect(page.get_by_role("heading", name="Je kaartjes")).to_be_in_viewport()
    expect(page.locator(".tickets svg")).to_have_count(2)
    looks_right(page, "Klaar", "shop-phone-5-done.png")
    assert Order.objects.get().status == Order.Status.PAID


def test_a_failed_payment_on_a_phone_gives_the_seats_back_to_choose_others(live_server, phone, mollie):  # noqa: F811
    page = phone
    show = f.show(seat_map="3x6", theatre=True)
    order_url = _to_the_bank(page, live_server, show)
    mollie.answer("GET", MOLLIE, "payment_expired.json", amount=PAID)
    mollie.routes[("GET", MOLLIE)][1]["status"] = "canceled"  # the buyer cancelled at the bank
    page.goto(order_url + "betaling/")
    expect(page.get_by_role("heading", name="Je betaling is niet gelukt")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Opnieuw betalen")).to_be_in_viewport()
    looks_right(page, "Betalen", "shop-phone-6-failed.png")
    page.get_by_role("button", name="Andere stoelen kiezen").click()
    page.wait_for_url(re.compile(rf".*/kaarten/show/{show.pk}/$"))
    expect(page.locator("main")).to_contain_text("Je plaatsen zijn vrijgegeven")
    expect(page.get_by_label("Rij 2, stoel 3", exact=True)).to_be_enabled()
    assert ShowSeat.objects.filter(show=show, status="available").count() == 18
