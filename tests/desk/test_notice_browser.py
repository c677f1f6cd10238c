"""At the desk in a real browser, keyboard only: a member asks for notices by post; the desk sets it on the
member's page, the next overdue notice lands on the print list, and library staff take it off after printing."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.comms.models import Letter, NoticeKind
from kolk.comms.notices import notice_choices_of
from kolk.core.roles import Role
from kolk.library.services.loans import loan_checkout
from kolk.library.services.notices import notices_overdue
from tests.browser import axe_findings
from tests.desk.test_privacy_choices_browser import in_viewport, tab_to
from tests.factories import UserFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, ensure_role_groups
from tests.library.test_notices_and_jobs import subscriber

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def test_the_desk_sets_notices_by_post_by_keyboard_and_prints_the_letter(live_server, page):
    ensure_role_groups()
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    UserFactory(username="sanne", roles=[Role.LIBRARY_STAFF])
    member = subscriber()
    page.goto(f"{live_server.url}/balie/personen/{member.pk}/")
    page.fill("#id_username", "sanne")
    page.fill("#id_password", "correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == member.full_name
    # Into the "Te laat" group: Tab lands on its checked radio, the arrow keys choose.
    tab_to(page, "id_overdue_0")
    page.keyboard.press("ArrowRight")  # e-mail -> sms is not offered here (no provider): post
    assert page.evaluate("document.activeElement.value") == "post"
    tab_to(page, "berichten-opslaan")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    status = page.locator("#berichten-status")
    assert "Opgeslagen" in status.inner_text()
    assert in_viewport(page, "#berichten-status")
    assert page.locator("#id_overdue_1").is_checked()
    assert axe_findings(page) == []
    assert notice_choices_of(member)[NoticeKind.OVERDUE] == "post"

    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    assert notices_overdue(on=loan.due_on + dt.timedelta(days=1), actor=None) == 1
    page.keyboard.press("Alt+r")  # the menu's access key for Brieven
    page.wait_for_url(f"{live_server.url}/balie/bieb/brieven/")
    expect(page.locator("#letters-count")).to_contain_text("1 brief om af te drukken.")
    assert member.full_name in page.locator("#letters").inner_text()
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "desk-letters.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(SHOTS / "desk-letters-print.png"), full_page=True)
    expect(page.locator(".letter").first).to_be_visible()
    page.emulate_media(media="screen")
    tab_to(page, "letters-printed")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#letters-count")).to_contain_text("Geen brieven om af te drukken.")
    assert Letter.objects.get().printed_at is not None
