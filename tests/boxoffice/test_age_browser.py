"""The Kijkwijzer age check in a real browser, keyboard only: at the till of a 16+ film the cursor
waits in the pass field, a scan answers "16+: ja" or "nee" beside it; at the door a member's ticket
says the same under "Welkom!". Never a birth date, always in view."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from kolk.core.clock import today
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.browser import axe_findings, phone, scrolls_sideways, wait_until  # noqa: F401  (the phone fixture)
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import ensure_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def _sign_in(page, url: str) -> None:
    page.goto(url)
    page.fill("#id_username", "kassa16")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_the_till_scans_a_members_pass_and_answers_yes_or_no_keyboard_only(live_server, page):
    ensure_role_groups()
    UserFactory(username="kassa16", roles=[Role.BOX_OFFICE])
    show = f.show(seat_map="4x6", age_rating="16")
    adult = PersonFactory(date_of_birth=dt.date(1988, 2, 3), with_pass=True)
    child = PersonFactory(date_of_birth=today().replace(year=today().year - 14, day=1), with_pass=True)
    _sign_in(page, f"{live_server.url}/balie/kassa/show/{show.pk}/")
    # Scan first: the cursor waits in the pass field, the scanner types and presses Enter.
    assert page.evaluate("document.activeElement.id") == "till-pass"
    page.keyboard.type(adult.pass_number)
    page.keyboard.press("Enter")
    badge = page.locator("#age-badge")
    expect(badge).to_have_text("16+: ja")
    expect(badge).to_be_in_viewport()
    assert page.evaluate("document.activeElement.id") == "till-pass"  # back in the scan field
    page.screenshot(path=str(SHOTS / "till-age-yes.png"))
    page.keyboard.type(child.pass_number)
    page.keyboard.press("Enter")
    expect(badge).to_contain_text("16+: nee")
    expect(badge).to_contain_text("Jonger dan 16: geen toegang.")
    expect(badge).to_be_in_viewport()
    page.keyboard.type("999")
    page.keyboard.press("Enter")
    expect(page.locator("#age-result")).to_contain_text("Onbekende pas: vraag een legitimatiebewijs.")
    expect(page.locator("#till-pass")).to_have_value("")  # empty for the next scan
    body = page.locator("body").inner_text()
    assert "1988" not in body
    assert axe_findings(page) == []
    # Then on to the seats: Tab, Tab reaches the seat map.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "seat"
    page.screenshot(path=str(SHOTS / "till-age.png"), full_page=True)


def test_the_door_shows_the_buyers_answer_under_welcome_on_a_phone(live_server, phone):  # noqa: F811
    page = phone
    ensure_role_groups()
    UserFactory(username="kassa16", roles=[Role.BOX_OFFICE])
    show = f.show(seat_map="3x4", age_rating="16")
    type(show).objects.filter(pk=show.pk).update(starts_at=timezone.now() + dt.timedelta(minutes=30))
    young = PersonFactory(date_of_birth=today().replace(year=today().year - 15, day=1))
    order = seats_hold(show=show, quantity=1, person=young, actor=None)
    order = order_checkout(order=order, buyer_name="Jong", buyer_email="jong@example.nl", person=young, actor=None)
    ticket = order_pay(order=order, method="card", actor=None).tickets.get()
    walk_in, later = order_pay(order=f.checked_out(show, quantity=2), method="card", actor=None).tickets.order_by("pk")
    _sign_in(page, f"{live_server.url}/balie/kassa/show/{show.pk}/scannen/")
    field = page.locator("#code")
    field.focus()
    page.keyboard.type(ticket.code)
    page.keyboard.press("Enter")
    expect(page.locator("#checkin-result")).to_contain_text("Welkom!")
    badge = page.locator("#age-badge")
    expect(badge).to_contain_text("16+: nee")
    expect(badge).to_have_class("age-badge error")
    expect(badge).to_be_in_viewport()
    page.screenshot(path=str(SHOTS / "door-age-no.png"))
    page.keyboard.type(walk_in.code)
    page.keyboard.press("Enter")
    expect(badge).to_contain_text("16+: onbekend")
    expect(badge).to_contain_text("Leeftijd controleren")
    expect(badge).to_be_in_viewport()
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "door-age-check.png"))
    # Without network the door knows no answer: a 16+ film asks to check the age.
    wait_until(page, f"window.localStorage.getItem('kolk.door.list.{show.pk}') !== null")
    page.context.set_offline(True)
    page.keyboard.type(later.code)
    page.keyboard.press("Enter")
    expect(page.locator("#checkin-result")).to_contain_text("Welkom! (offline)")
    expect(badge).to_contain_text("Leeftijd controleren")
    expect(badge).to_be_in_viewport()
    page.context.set_offline(False)
    expect(page.locator("#door-net")).to_contain_text("1 offline scan(s) verstuurd")
