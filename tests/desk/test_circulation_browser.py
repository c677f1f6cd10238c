"""The desk as it works: keyboard only, a scanner's Enter, the answer beside the field with its sound.

UX.md's click budget: check out three items to a member is one card scan and
three item scans, no mouse.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.core.roles import Role
from kolk.library.models import Loan
from kolk.library.services.members import subscription_start
from tests.browser import wait_until
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
    expect(page.locator(".desk-menu").get_by_role("link", name="Bibliotheek")).to_be_visible()
    expect(page.locator(".cookie-notice")).to_have_count(0)
    expect(page.get_by_role("link", name="Mijn DNK")).to_have_count(0)
    # Lending from the menu by its shortcut.
    with page.expect_navigation():
        page.keyboard.press("Alt+b")
    assert page.title().startswith("Lid zoeken")

    actions = 0
    wait_until(page, "document.activeElement && document.activeElement.id === 'q'")
    page.keyboard.type(member.pass_number)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # one card scan opens the member
    actions += 1
    expect(page.locator("h1")).to_have_text("Noor Bakker")
    for c in copies:
        scan(page, c.barcode)
        actions += 1
        assert "Uitgeleend" in feedback(page)
        assert in_viewport(page, "#feedback li.ok")
        assert page.evaluate("window.scrollY") == 0  # the focus did not scroll the page
    assert actions == 4
    assert Loan.objects.filter(person=member, returned_at__isnull=True).count() == 3
    expect(page.locator("#visit-out tr")).to_have_count(3)

    # A refused scan: red, beside the field, in view, and the cursor is back in the field.
    scan(page, copies[0].barcode)
    expect(page.locator("#feedback li.error")).to_contain_text("al uitgeleend")
    assert in_viewport(page, "#feedback li.error")
    assert page.evaluate("document.activeElement.id") == "barcode"
    for kind in ("ok", "warn", "error"):
        expect(page.locator(f"audio#sound-{kind}")).to_have_count(1)
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
    expect(page.locator("#print-receipt")).to_be_visible()
    page.goto(member_url)
    page.screenshot(path=str(SHOTS / "desk-member.png"), full_page=True)

    # A SEPA mandate signed on paper, recorded at the desk.
    page.fill("#mandate-iban", "NL91 ABNA 0417 1643 00")
    page.check("#mandate-signed")
    with page.expect_navigation():
        page.locator("#mandate-iban").press("Enter")
    assert "Machtiging" in feedback(page)
    expect(page.locator("#mandate")).to_be_visible()

    # Mute is kept across pages.
    page.locator("#desk-mute").press("Enter")
    page.reload()
    assert page.locator("#desk-mute").get_attribute("aria-pressed") == "true"

    # The shortcuts' help opens with ?, and Escape returns to the scan field.
    page.keyboard.press("?")
    expect(page.locator("#desk-help")).to_be_visible()
    page.keyboard.press("Escape")
    wait_until(page, "document.activeElement && document.activeElement.id === 'barcode'")

    # Check-in from the menu: one scan per item, the borrower in the running list.
    with page.expect_navigation():
        page.keyboard.press("Alt+i")
    for c in copies:
        scan(page, c.barcode)
        assert "Ingenomen" in feedback(page)
    expect(page.locator("#checked-in tbody tr")).to_have_count(3)
    expect(page.locator("#checked-in")).to_contain_text("Noor Bakker")
    page.screenshot(path=str(SHOTS / "desk-checkin.png"))


def test_register_a_family_with_a_card_and_catalogue_a_title_then_collect(live_server, page, tmp_path):
    """The rest of the issue's day: a family with a card scan and consent answers, a title with two copies."""
    import datetime as dt

    from django.core.management import call_command

    from kolk.billing.models import CollectionItem
    from kolk.billing.services import bank_account_set, mandate_sign
    from kolk.core.clock import today
    from kolk.library.models import Title
    from kolk.people.models import Person
    from kolk.people.services import new_pass_number

    ensure_role_groups()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True, fee_adult_cents=8900)
    BranchFactory(code="assen", name="DNK Assen")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/balie/")
    page.keyboard.type("bieb")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    with page.expect_navigation():
        page.keyboard.press("Alt+n")
    assert page.title().startswith("Inschrijven")
    card = new_pass_number()
    for selector, value in {
        "#id_adult1_given": "Sara",
        "#id_surname": "de Boer",
        "#id_adult1_born": "1988-03-14",
        "#id_adult1_email": "sara@example.nl",
        "#id_adult1_phone": "0592 654321",
        "#id_adult1_pass": card,
        "#id_street": "Brink",
        "#id_house_number": "3",
        "#id_postcode": "9401 HS",
        "#id_town": "Assen",
        "#id_child1_given": "Tim",
        "#id_child1_born": "2017-08-09",
    }.items():
        page.fill(selector, value)
    page.select_option("#id_type", "gezin")
    page.check("#id_id_seen")
    page.check("#id_reading_advice")
    with page.expect_navigation():
        page.locator("#id_town").press("Enter")
    expect(page.locator("h1")).to_have_text("Sara de Boer")
    sara = Person.objects.get(pass_number=card)

    with page.expect_navigation():
        page.keyboard.press("Alt+t")
    page.fill("#id_title", "Het Achterhuis")
    page.fill("#id_authors", "Anne Frank")
    page.select_option("#id_branch", "assen")
    page.fill("#id_barcodes", "3200000001\n3200000002")
    with page.expect_navigation():
        page.locator("#id_title").press("Enter")
    expect(page.locator("#copies tbody tr")).to_have_count(2)
    assert Title.objects.get(title="Het Achterhuis").copies.count() == 2

    # The family fee is collected by direct debit under a mandate taken at the desk.
    bank_account_set(person=sara, iban="NL91ABNA0417164300", holder_name="S. de Boer", actor=None)
    mandate_sign(person=sara, actor=None, method="paper")
    from kolk.library.services.invoicing import fees_invoice

    fees_invoice(person=sara, actor=None)
    out = tmp_path / "incasso.xml"
    call_command("billing", "collect", "--date", (today() + dt.timedelta(days=5)).isoformat(), "--out", str(out))
    assert CollectionItem.objects.filter(invoice__person=sara).exists()
