"""Mijn DNK's menu on a 390 px phone: today's overview comes first and the menu is one "Menu" button
(a <details>: it opens with a tap, Enter or Space, with or without script, and says whether it is open);
through it every portal page is reachable, each fits the phone and passes axe. On a wide screen the
menu is a side column, open without a click."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import axe_findings, scrolls_sideways
from tests.web.test_phone import _busy_member, _log_in

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _shot(page: Any, name: str) -> None:
    if shots := os.environ.get("KOLK_SCREENSHOTS"):  # a folder to look at the menu as a member sees it
        page.screenshot(path=f"{shots}/portal-menu-{name}.png")


def _menu_button(page: Any) -> Any:
    return page.locator("#portal-menu > summary")


def _menu_link(page: Any, name: str) -> Any:
    """A link of the menu found by its text, shown or not (a role locator only finds what is shown)."""
    return page.locator("#portal-menu nav a").filter(has_text=name)


def _expanded(page: Any) -> bool:
    """What the browser tells assistive technology about the Menu button: expanded or collapsed."""
    cdp = page.context.new_cdp_session(page)
    try:
        for node in cdp.send("Accessibility.getFullAXTree")["nodes"]:
            if node.get("ignored") or node.get("name", {}).get("value") != "Menu":
                continue
            states = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
            if "expanded" in states:
                return bool(states["expanded"])
    finally:
        cdp.detach()
    pytest.fail("no Menu button with an expanded state in the accessibility tree")


def _tab_to(page: Any, locator: Any, *, most: int) -> int:
    """Press Tab until `locator` has the focus; how many presses it took (at most `most`)."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return presses
    pytest.fail(f"not reached with {most} presses of Tab")


def test_on_a_phone_the_overview_comes_first_and_the_menu_is_one_closed_button(live_server, phone):
    _busy_member()
    _log_in(phone, live_server)
    expect(phone.get_by_role("heading", name="Hallo Fenna", level=1)).to_be_in_viewport(ratio=1)
    expect(phone.get_by_role("heading", name="Wat je hebt geleend", level=2)).to_be_in_viewport(ratio=1)
    expect(_menu_button(phone)).to_be_in_viewport(ratio=1)
    expect(_menu_button(phone)).to_have_text("Menu")
    expect(_menu_link(phone, "Mijn facturen")).to_be_hidden()
    assert _expanded(phone) is False
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    _shot(phone, "closed")


def test_the_menu_opens_and_closes_with_the_keyboard_and_its_links_follow_it(live_server, phone):
    _busy_member()
    _log_in(phone, live_server)
    button = _menu_button(phone)
    phone.locator("body").focus()
    _tab_to(phone, button, most=25)  # past the skip link, the cookie question and the header
    phone.keyboard.press("Enter")
    menu = phone.get_by_role("navigation", name="Mijn DNK")
    expect(menu.get_by_role("link", name="Mijn facturen")).to_be_visible()
    assert _expanded(phone) is True
    assert axe_findings(phone) == []
    _shot(phone, "open")

    phone.keyboard.press("Tab")  # into the menu: its first link, the overview, is this page
    expect(menu.get_by_role("link", name="Overzicht")).to_be_focused()
    expect(menu.get_by_role("link", name="Overzicht")).to_have_attribute("aria-current", "page")
    phone.keyboard.press("Escape")  # closes it, back on its button
    expect(_menu_link(phone, "Mijn facturen")).to_be_hidden()
    expect(button).to_be_focused()
    assert _expanded(phone) is False

    phone.keyboard.press("Space")
    invoices = menu.get_by_role("link", name="Mijn facturen")
    expect(invoices).to_be_visible()
    _tab_to(phone, invoices, most=20)
    phone.keyboard.press("Enter")
    expect(phone.get_by_role("heading", name="Mijn facturen", level=1)).to_be_in_viewport()
    expect(
        _menu_link(phone, "Mijn facturen")
    ).to_be_hidden()  # a new page starts with the menu closed, the content first
    expect(_menu_button(phone)).to_be_in_viewport()


def test_every_portal_page_is_reachable_through_the_menu_and_fits_the_phone(live_server, phone):
    _busy_member()
    _log_in(phone, live_server)
    links = [  # read while the menu is closed: its links are in the page, out of sight
        (a.text_content().strip(), a.get_attribute("href"))
        for a in phone.locator("#portal-menu nav a").all()
        if "download" not in a.get_attribute("href")
    ]
    assert len(links) >= 15, links
    problems = []
    for name, href in links:
        _menu_button(phone).click()
        phone.get_by_role("navigation", name="Mijn DNK").get_by_role("link", name=name, exact=True).click()
        expect(phone).to_have_url(live_server.url + href)
        expect(phone.locator("h1")).to_be_in_viewport()
        link = phone.locator(f'#portal-menu nav a[href="{href}"]')
        expect(link).to_be_hidden()
        expect(link).to_have_attribute("aria-current", "page")
        if (wide := scrolls_sideways(phone)) > 0:
            problems.append(f"{href}: scrolls {wide} px sideways")
        problems += [f"{href}: {finding}" for finding in axe_findings(phone)]
    assert problems == [], "\n".join(problems)


def test_without_script_the_menu_still_opens_with_the_keyboard(live_server, browser):
    _busy_member()
    context = browser.new_context(
        locale="nl-NL", viewport={"width": 390, "height": 844}, is_mobile=True, java_script_enabled=False
    )
    phone = context.new_page()
    try:
        _log_in(phone, live_server)
        expect(phone.get_by_role("heading", name="Hallo Fenna", level=1)).to_be_in_viewport()
        _menu_button(phone).focus()
        phone.keyboard.press("Enter")
        link = phone.get_by_role("navigation", name="Mijn DNK").get_by_role("link", name="Wat je hebt geleend")
        expect(link).to_be_visible()
        link.click()
        expect(phone.get_by_role("heading", name="Wat je hebt geleend", level=1)).to_be_visible()
    finally:
        context.close()


def test_on_a_wide_screen_the_menu_is_an_open_side_column(live_server, page):
    _busy_member()
    _log_in(page, live_server)
    page.goto(live_server.url + reverse("web:portal_loans"))
    menu = page.get_by_role("navigation", name="Mijn DNK")
    expect(menu.get_by_role("link", name="Mijn facturen")).to_be_visible()
    expect(_menu_button(page)).to_be_hidden()
    nav, heading = menu.bounding_box(), page.locator("h1").bounding_box()
    assert nav
    assert heading
    assert nav["x"] + nav["width"] <= heading["x"], "the menu is a column beside the page"
    assert nav["y"] < heading["y"] + heading["height"], "and starts beside its heading, not under the page"
    assert axe_findings(page) == []
