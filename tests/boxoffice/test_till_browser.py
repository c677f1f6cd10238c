"""The till in a real browser, keyboard only (UX.md's click budget): two chosen seats at two prices,
cash with the change due, in at most six actions; then the receipt and the tickets."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.models import Order
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.browser import axe_findings
from tests.factories import UserFactory
from tests.library.factories import ensure_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand
PRICES = {"regular": 2750, "youth": 1500, "senior": 2450, "member": 2350, "cjp": 2000, "stadspas": 1400}


def test_sell_two_chosen_seats_at_two_prices_for_cash_in_six_actions(live_server, page):
    ensure_role_groups()
    UserFactory(username="kees", roles=[Role.BOX_OFFICE])
    show = f.show(seat_map="4x6", theatre=True, prices=PRICES)
    page.goto(f"{live_server.url}/balie/kassa/show/{show.pk}/")
    page.fill("#id_username", "kees")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/kassa/show/{show.pk}/")
    assert page.locator(".till-seat.taken, .till-seat input:disabled").count() == 0  # all 24 free, none struck
    assert axe_findings(page) == []

    # The cursor is on the seat map (one tab stop); arrow keys walk it. Navigation is no action.
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Rij 1, stoel 1"
    for key in ["ArrowDown", "ArrowDown", "ArrowRight", "ArrowRight"]:
        page.keyboard.press(key)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Rij 3, stoel 3"
    actions = 0
    page.keyboard.press("Space")  # 1: seat 3-3
    actions += 1
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Space")  # 2: seat 3-4
    actions += 1
    expect(page.locator("#till-tickets li")).to_have_count(2)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id").startswith("till-price-")
    page.keyboard.type("6")  # 3: 65+ for the first ticket
    actions += 1
    page.keyboard.press("Tab")
    page.keyboard.type("j")  # 4: jeugd for the second
    actions += 1
    assert page.locator("#till-total").inner_text().replace("\u00a0", " ") == "€ 39,50"
    page.keyboard.press("Tab")  # to "contant", chosen already
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "till-given"
    page.keyboard.type("50")  # 5: what the buyer hands over
    actions += 1
    assert page.locator("#till-change").inner_text().replace("\u00a0", " ") == "€ 10,50"
    page.screenshot(path=str(SHOTS / "till.png"), full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # 6: sold
    actions += 1
    assert actions <= 6

    order = Order.objects.get()
    assert (order.status, order.method, order.total_cents) == ("paid", "cash", 3950)
    assert sorted(order.tickets.values_list("seat__row", "seat__number", "price__kind")) == [
        (3, 3, "senior"),
        (3, 4, "youth"),
    ]
    status = page.get_by_role("status").first
    assert "Wisselgeld: € 10,50" in status.inner_text().replace("\u00a0", " ")
    expect(status).to_be_visible()
    receipt = page.locator("table.receipt").inner_text()
    assert "rij 3 stoel 3" in receipt
    assert "65+" in receipt
    assert "jeugd" in receipt
    expect(page.locator(".order-tickets li")).to_have_count(2)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "till-order.png"), full_page=True)
