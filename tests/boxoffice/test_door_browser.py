"""The door on a phone (390 px): a scan through the fallback field, the result big and the counter up;
then the network drops: scans are checked against the offline list, queued, and sent when it is back."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kolk.boxoffice.models import Ticket
from kolk.boxoffice.services.selling import order_pay
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.browser import axe_findings, phone, scrolls_sideways, wait_until  # noqa: F401  (the phone fixture)
from tests.factories import UserFactory
from tests.library.factories import ensure_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def scan(page, code: str) -> None:
    """A scanner's keystrokes and Enter in the code field."""
    field = page.locator("#code")
    field.focus()
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_the_door_on_a_phone_scans_counts_and_keeps_scanning_offline(live_server, phone):  # noqa: F811
    page = phone
    ensure_role_groups()
    UserFactory(username="deur", roles=[Role.BOX_OFFICE])
    show = f.show(seat_map="3x4", theatre=True)
    first, second = order_pay(order=f.checked_out(show, quantity=2), method="card", actor=None).tickets.order_by("pk")
    type(show).objects.filter(pk=show.pk).update(starts_at=timezone.now() + dt.timedelta(minutes=30))  # tonight
    page.goto(f"{live_server.url}/balie/kassa/show/{show.pk}/scannen/")
    page.fill("#id_username", "deur")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#door-count")).to_contain_text("0 van 2 binnen")
    wait_until(page, f"window.localStorage.getItem('kolk.door.list.{show.pk}') !== null")

    scan(page, first.code)
    result = page.locator("#checkin-result")
    expect(result).to_contain_text("Welkom!")
    expect(result).to_have_class("door-result ok")
    expect(page.locator("#door-count")).to_contain_text("1 van 2 binnen")
    expect(result).to_be_visible()
    assert result.bounding_box()["height"] > 60  # big enough to read from two metres
    scan(page, first.code)
    expect(result).to_contain_text("Al gescand om")
    expect(result).to_contain_text(f"rij {first.seat.row} stoel {first.seat.number}")
    assert not scrolls_sideways(page)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "door-phone.png"), full_page=True)

    page.context.set_offline(True)
    scan(page, second.code)
    expect(result).to_contain_text("Welkom! (offline)")
    expect(page.locator("#door-net")).to_contain_text("1 scan(s) wachten")
    scan(page, second.code)
    expect(result).to_contain_text("Al gescand om")
    scan(page, "zomaareencode12")
    expect(result).to_contain_text("Onbekend kaartje (offline)")
    assert not Ticket.objects.filter(pk=second.pk, checked_in_at__isnull=False).exists()
    page.screenshot(path=str(SHOTS / "door-offline.png"), full_page=True)

    page.context.set_offline(False)
    expect(page.locator("#door-net")).to_contain_text("1 offline scan(s) verstuurd.", timeout=20000)
    assert Ticket.objects.filter(pk=second.pk, checked_in_at__isnull=False).exists()
    expect(page.locator("#door-count")).to_contain_text("2 van 2 binnen")
