"""Free seating next to a basket on a phone (390 px): the buyer is told before choosing that these tickets
are a separate order, and on that order where the basket is; both links lead there; nothing wider than the
screen, no serious axe finding."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.boxoffice import factories as f
from tests.browser import axe_findings, phone, scrolls_sideways  # noqa: F401  (the phone fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def fits(page, shot: str) -> None:
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / shot), full_page=True)


def test_a_buyer_with_a_basket_buys_free_seating_apart_and_finds_the_basket_again(live_server, phone):  # noqa: F811
    page = phone
    play = f.show(seat_map="3x6", theatre=True, in_days=7)
    free = f.show(capacity=60, in_days=9)
    page.goto(f"{live_server.url}/kaarten/show/{play.pk}/")
    page.get_by_role("button", name="Weigeren").click()  # the cookie notice, answered once
    page.get_by_label("Rij 2, stoel 3", exact=True).check()
    page.get_by_role("button", name="Deze stoelen vasthouden").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    basket_url = page.url

    page.goto(f"{live_server.url}/kaarten/show/{free.pk}/")
    note = page.locator("#apart-note")
    expect(note).to_contain_text("je kaartjes komen in een aparte bestelling, die je apart betaalt")
    expect(note).to_be_in_viewport()
    fits(page, "free-seating-phone-1-show.png")
    page.get_by_label("Aantal kaartjes").fill("2")
    page.get_by_role("button", name="Kaartjes vasthouden").click()
    page.wait_for_url(re.compile(r".*/kaarten/bestelling/[\w-]+/$"))
    assert page.url != basket_url
    other = page.locator("#other-basket")
    expect(other).to_contain_text(f"Je winkelmand met {play.title} is een aparte bestelling")
    expect(other).to_be_in_viewport()
    expect(page.get_by_role("link", name="Andere stoelen")).to_have_count(0)
    expect(page.get_by_role("link", name="Nog een voorstelling toevoegen")).to_have_count(0)
    expect(page.get_by_label("Tarief kaartje 1")).to_be_visible()
    expect(page.get_by_label("Tarief kaartje 2")).to_be_visible()
    fits(page, "free-seating-phone-2-order.png")
    other.get_by_role("link", name="Naar je winkelmand").click()
    page.wait_for_url(basket_url)
    expect(page.locator("#basket")).to_contain_text("Rij 2, stoel 3")
