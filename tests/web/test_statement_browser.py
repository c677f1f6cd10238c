"""The generated statement in a real browser: Dutch first, English by the switch."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kolk.privacy.register import get_register
from tests.privacy.test_register import statement_ids

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_statement_in_dutch_then_english(live_server, page):
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/privacy")
    expect(page.locator("h1")).to_have_text("Privacyverklaring DNK")
    rows = page.locator("[data-row]").evaluate_all("els => els.map(e => e.dataset.row)")
    # Every row of the 2018 statement, and the rows the register has added since (kiosks, L18;
    # the member price's pass check, B04 and T06): the statement grows with what kolk does.
    register_ids = get_register().ids()
    assert statement_ids() <= set(rows)
    assert set(rows) == register_ids
    expect(page.locator("#L13 td").nth(2)).to_have_text("Toestemming")
    page.get_by_role("button", name="English", exact=True).click()
    page.wait_for_url(f"{live_server.url}/en/privacy")
    expect(page.locator("h1")).to_have_text("Privacy statement DNK")
    expect(page.locator("#L13 td").nth(2)).to_have_text("Consent")
    assert page.locator("html").get_attribute("lang") == "en"
    assert outside == []
