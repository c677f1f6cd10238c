"""Selling a gift voucher at the box office in a real browser, keyboard only: the code is in view at once."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import GiftVoucher
from kolk.core.roles import Role
from tests.browser import axe_findings
from tests.factories import UserFactory
from tests.library.factories import ensure_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def test_the_box_office_sells_a_voucher_keyboard_only(live_server, page):
    ensure_role_groups()
    UserFactory(username="kees", roles=[Role.BOX_OFFICE])
    page.goto(f"{live_server.url}/balie/kassa/cadeaubonnen/")
    page.fill("#id_username", "kees")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/kassa/cadeaubonnen/")
    assert axe_findings(page) == []
    page.focus("#id_v-value")
    page.keyboard.press("Control+a")
    page.keyboard.type("10")  # paid in cash, chosen already
    with page.expect_navigation():
        page.keyboard.press("Enter")
    voucher = GiftVoucher.objects.get()
    assert voucher.value_cents == 1000
    message = page.get_by_role("status").filter(has_text=re.compile("Cadeaubon van"))
    expect(message).to_contain_text(code_display(voucher.code))
    expect(message).to_be_in_viewport()
    assert "€ 10,00" in page.locator("table").first.inner_text().replace("\u00a0", " ")
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "desk-vouchers.png"), full_page=True)
