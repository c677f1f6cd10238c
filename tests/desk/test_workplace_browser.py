"""The desk in a real browser, keyboard only: the workstation chosen at sign-in, a damaged copy refused,
check-in that sends a copy on, and the loan slip mailed."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.comms.models import OutboxMessage
from kolk.core.otp import current_code, totp_demo_device
from kolk.core.roles import Role
from kolk.library.models import Copy
from kolk.library.services.catalogue import copy_status_set
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.people.models import User
from tests.browser import axe_findings, wait_until
from tests.desk.test_circulation_browser import in_viewport
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


def sign_in(page, url: str, username: str) -> None:
    page.goto(url)
    wait_until(page, "document.activeElement && document.activeElement.id === 'id_username'")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_a_day_at_the_desk_keyboard_only(live_server, page):
    ensure_role_groups()
    LoanRuleFactory()
    assen, emmen = BranchFactory(code="assen", name="DNK Assen"), BranchFactory(code="emmen", name="DNK Emmen")
    user = UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    User.objects.filter(pk=user.pk).update(home_branch="emmen")
    member = PersonFactory(with_pass=True, given_name="Noor", surname="Bakker", emails=["noor@example.nl"])
    subscription_start(person=member, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    lent = CopyFactory(branch=assen, barcode="3000000021")
    loan_checkout(copy_barcode=lent.barcode, person=member, actor=None)
    broken = CopyFactory(branch=emmen, barcode="3000000022")
    copy_status_set(copy=broken, status="damaged", actor=None)
    fine = CopyFactory(branch=emmen, barcode="3000000023")
    page.set_viewport_size({"width": 1280, "height": 720})

    # Signing in on a new device: where do you work? The own branch is first and has the focus.
    sign_in(page, f"{live_server.url}/balie/bieb/innemen/", "bieb")
    assert page.title().startswith("Waar werk je?")
    assert page.evaluate("document.activeElement.value") == "emmen"
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "desk-workstation-pick.png"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Innemen · DNK Emmen")
    assert page.locator("#desk-branch").input_value() == "emmen"

    # A copy of Assen taken in at Emmen goes home, and the desk is told so beside the field.
    scan(page, lent.barcode)
    expect(page.locator("#feedback li.warn")).to_contain_text("Terug naar vestiging DNK Assen.")
    assert in_viewport(page, "#feedback li.warn")
    assert Copy.objects.get(pk=lent.pk).status == "in_transit"
    expect(page.locator("#checked-in tbody tr").first).to_contain_text("DNK Assen")

    # At the member: the damaged copy is refused next to the field, the next one goes out.
    page.goto(f"{live_server.url}/balie/bieb/")
    wait_until(page, "document.activeElement && document.activeElement.id === 'q'")
    page.keyboard.type(member.pass_number)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    scan(page, broken.barcode)
    refused = page.locator("#feedback li.error").inner_text()
    assert "beschadigd" in refused
    assert "ander exemplaar" in refused
    assert in_viewport(page, "#feedback li.error")
    assert page.evaluate("document.activeElement.id") == "barcode"
    scan(page, fine.barcode)
    assert "Uitgeleend" in feedback(page)

    # Mail the slip: Tab to the button, Enter; twice, as a hurried desk does. One mail.
    page.focus("#slip-mail")
    page.evaluate("document.querySelector('#feedback').dataset.old = '1'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback:not([data-old])", state="attached")
    expect(page.locator("#feedback li.ok")).to_contain_text("Uitleenbon gemaild")
    assert in_viewport(page, "#feedback li.ok")
    page.focus("#slip-mail")
    page.evaluate("document.querySelector('#feedback').dataset.old = '1'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback:not([data-old])", state="attached")
    assert OutboxMessage.objects.filter(template="library_loan_slip", to_address="noor@example.nl").count() == 1
    page.screenshot(path=str(SHOTS / "desk-slip-mailed.png"))

    # Signed out and in again on this device: no question, straight to the page, at Emmen.
    with page.expect_navigation():
        page.get_by_role("button", name="Uitloggen").press("Enter")
    sign_in(page, f"{live_server.url}/balie/bieb/klaarleggen/", "bieb")
    expect(page.locator("h1")).to_have_text("Klaarleggen · DNK Emmen")


def test_an_administrator_gives_a_staff_member_their_branch_and_it_is_asked_after_the_second_factor(live_server, page):
    ensure_role_groups()
    BranchFactory(code="assen", name="DNK Assen")
    BranchFactory(code="emmen", name="DNK Emmen")
    admin = UserFactory(username="beheer", roles=[Role.ADMINISTRATOR])
    device = totp_demo_device(admin)
    staff = UserFactory(username="sanne", roles=[Role.DESK, Role.PRIVACY_OFFICER])
    officer_device = totp_demo_device(staff)
    page.set_viewport_size({"width": 1280, "height": 720})

    sign_in(page, f"{live_server.url}/balie/medewerkers/", "beheer")
    wait_until(page, "document.activeElement && document.activeElement.id === 'id_code'")
    page.keyboard.type(current_code(device))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Medewerkers")
    assert axe_findings(page) == []
    page.focus(f"#home-{staff.pk}")
    page.keyboard.press("ArrowDown")  # geen -> DNK Assen
    page.keyboard.press("ArrowDown")  # -> DNK Emmen
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("sanne werkt in DNK Emmen.")
    page.screenshot(path=str(SHOTS / "desk-staff-branches.png"))
    staff.refresh_from_db()
    assert staff.home_branch == "emmen"

    # Sanne signs in on this device (a new session): the second factor, then the workstation, Emmen first.
    page.context.clear_cookies()
    sign_in(page, f"{live_server.url}/balie/bieb/klaarleggen/", "sanne")
    wait_until(page, "document.activeElement && document.activeElement.id === 'id_code'")
    page.keyboard.type(current_code(officer_device))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.title().startswith("Waar werk je?")
    assert page.evaluate("document.activeElement.value") == "emmen"
    page.keyboard.press("Tab")  # the next branch: Assen
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Klaarleggen · DNK Assen")
