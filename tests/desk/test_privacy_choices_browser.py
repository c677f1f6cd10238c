"""At the desk in a real browser, keyboard only: a member phones to object to profiling; the desk
records it on the member's page and the member is gone from the next Mosaic file."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.marketing import mosaic_export
from kolk.core.clock import today
from kolk.core.roles import Role
from kolk.privacy.models import DisclosureItem, PrivacyChoice
from tests.boxoffice import factories as f
from tests.boxoffice.test_privacy import buy
from tests.browser import axe_findings
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import ensure_role_groups

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def in_next_mosaic(person) -> bool:
    disclosure, _data = mosaic_export(actor=None, since=today() - dt.timedelta(days=1))
    return DisclosureItem.objects.filter(disclosure=disclosure, subject=person).exists()


def tab_to(page, element_id: str, limit: int = 200) -> None:
    """Press Tab until the element has the focus, as someone without a mouse does."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached #{element_id}")


def in_viewport(page, selector: str) -> bool:
    return page.locator(selector).first.evaluate(
        "e => { const r = e.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; }"
    )


def test_object_to_profiling_at_the_desk_by_keyboard_and_see_the_member_gone_from_the_mosaic_file(live_server, page):
    ensure_role_groups()
    UserFactory(username="sanne", roles=[Role.DESK])
    member = PersonFactory(given_name="Anna", surname="Jansen", with_pass=True)
    buy(f.show(), member)
    assert in_next_mosaic(member)

    page.goto(f"{live_server.url}/balie/personen/{member.pk}/")
    page.fill("#id_username", "sanne")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Anna Jansen")
    row = page.locator("#bezwaar-direct_marketing")
    assert "Profilering" in row.inner_text()
    assert "geen bezwaar" in row.locator(".state").inner_text()
    assert axe_findings(page) == []

    # The member said it on the phone: choose how, then record it, with the keyboard alone.
    tab_to(page, "id_objection-direct_marketing-method")
    page.keyboard.type("t")  # telefonisch
    assert page.locator("#id_objection-direct_marketing-method").input_value() == "phone"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").startswith("Bezwaar vastleggen")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    message = page.locator("#privacy-status")
    assert "Bezwaar vastgelegd: Profilering." in message.inner_text()
    assert in_viewport(page, "#privacy-status")
    row = page.locator("#bezwaar-direct_marketing")
    assert "bezwaar gemaakt" in row.locator(".state").inner_text()
    assert in_viewport(page, "#bezwaar-direct_marketing")
    expect(page.locator("#keuzes")).to_contain_text("telefonisch")
    expect(page.locator("#keuzes")).to_contain_text("vastgelegd door sanne")
    assert axe_findings(page) == []
    choice = PrivacyChoice.objects.get(subject=member)
    assert (choice.purpose, choice.method, choice.recorded_by.username) == ("direct_marketing", "phone", "sanne")
    assert not in_next_mosaic(member)
