"""The desk as it works: keyboard only, a scanner's Enter, the answer beside the field with its sound.

UX.md's click budget: check out three items to a member is one card scan and
three item scans, no mouse.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from kolk.core.roles import Role
from kolk.library.models import Loan
from kolk.library.services.members import subscription_start
from tests.desk.test_library_browser import feedback, scan
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import (
    BranchFactory,
    CopyFactory,
    LoanRuleFactory,
    SubscriptionTypeFactory,
    ensure_role_groups,
)

SHOTS = Path(tempfile.gettempdir())  # looked at by hand
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def in_viewport(page, selector: str) -> bool:
    return page.evaluate(
        """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
        return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        selector,
    )


def test_three_items_out_with_four_scans_and_no_mouse(live_server, page):
    ensure_role_groups()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    LoanRuleFactory()
    BranchFactory(code="assen", name="DNK Assen")
    member = PersonFactory(with_pass=True, given_name="Noor", surname="Bakker")
    subscription_start(person=member, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    copies = [CopyFactory(barcode=f"300000001{i}") for i in range(3)]
    page.set_viewport_size({"width": 1280, "height": 720})

    page.goto(f"{live_server.url}/balie/")
    page.keyboard.type("bieb")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The staff workplace: its own menu, no public menu, no cookie banner.
    assert page.locator(".desk-menu").get_by_role("link", name="Bibliotheek").is_visible()
    assert page.locator(".cookie-notice").count() == 0
    assert page.get_by_role("link", name="Mijn DNK").count() == 0
    # Lending from the menu by its shortcut.
    with page.expect_navigation():
        page.keyboard.press("Alt+b")
    assert page.title().startswith("Lid zoeken")

    actions = 0
    page.wait_for_function("document.activeElement && document.activeElement.id === 'q'")
    page.keyboard.type(member.pass_number)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # one card scan opens the member
    actions += 1
    assert page.locator("h1").inner_text() == "Noor Bakker"
    for c in copies:
        scan(page, c.barcode)
        actions += 1
        assert "Uitgeleend" in feedback(page)
        assert in_viewport(page, "#feedback li.ok")
        assert page.evaluate("window.scrollY") == 0  # the focus did not scroll the page
    assert actions == 4
    assert Loan.objects.filter(person=member, returned_at__isnull=True).count() == 3
    assert page.locator("#visit-out tr").count() == 3

    # A refused scan: red, beside the field, in view, and the cursor is back in the field.
    scan(page, copies[0].barcode)
    assert "al uitgeleend" in page.locator("#feedback li.error").inner_text()
    assert in_viewport(page, "#feedback li.error")
    assert page.evaluate("document.activeElement.id") == "barcode"
    for kind in ("ok", "warn", "error"):
        assert page.locator(f"audio#sound-{kind}").count() == 1
    assert page.request.get(live_server.url + page.locator("audio#sound-error").get_attribute("src")).headers[
        "content-type"
    ] in (
        "audio/wav",
        "audio/x-wav",
    )
    page.screenshot(path=str(SHOTS / "desk-circulation.png"))

    # The open amount (the € 49,50 subscription fee) in cash, with a receipt to print.
    member_url = page.url
    page.focus("#pay-amount")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Betaald: € 49,50" in feedback(page)
    assert in_viewport(page, "#feedback li.ok")
    assert page.locator("#print-receipt").is_visible()
    page.goto(member_url)
    page.screenshot(path=str(SHOTS / "desk-member.png"), full_page=True)

    # Mute is kept across pages.
    page.locator("#desk-mute").press("Enter")
    page.reload()
    assert page.locator("#desk-mute").get_attribute("aria-pressed") == "true"

    # The shortcuts' help opens with ?, and Escape returns to the scan field.
    page.keyboard.press("?")
    assert page.locator("#desk-help").is_visible()
    page.keyboard.press("Escape")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'barcode'")

    # Check-in from the menu: one scan per item, the borrower in the running list.
    with page.expect_navigation():
        page.keyboard.press("Alt+i")
    for c in copies:
        scan(page, c.barcode)
        assert "Ingenomen" in feedback(page)
    assert page.locator("#checked-in tbody tr").count() == 3
    assert "Noor Bakker" in page.locator("#checked-in").inner_text()
    page.screenshot(path=str(SHOTS / "desk-checkin.png"))
