"""At the desk in a real browser: register a family, scan copies out and in, reserve, block, invoice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kolk.core.roles import Role
from kolk.library.models import Loan
from tests.browser import wait_until
from tests.factories import UserFactory
from tests.library.factories import (
    BranchFactory,
    CopyFactory,
    LoanRuleFactory,
    SubscriptionTypeFactory,
    TitleFactory,
    ensure_role_groups,
)


def submit(page, action) -> None:
    """Do something that loads a new page, and wait for that page."""
    with page.expect_navigation():
        action()


def scan(page, barcode: str) -> None:
    """A keyboard-wedge scanner: it types into the focused field and presses Enter.

    Like a person who waits for the cursor, it waits until the page has put focus
    in the scan field, so no keystroke of the barcode is lost; then it waits for
    the answer to replace the feedback beside the field (htmx, no new page).
    """
    wait_until(page, "document.activeElement && document.activeElement.hasAttribute('data-scan')")
    page.evaluate("document.querySelector('#feedback').dataset.old = '1'")
    page.keyboard.type(barcode)
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback:not([data-old])", state="attached")
    wait_until(page, "document.activeElement && document.activeElement.hasAttribute('data-scan')")


def feedback(page) -> str:
    return page.locator("#feedback").inner_text()


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_desk_day(live_server, page):
    ensure_role_groups()
    UserFactory(username="sanne", roles=[Role.DESK])
    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True, fee_adult_cents=8900)
    LoanRuleFactory()
    BranchFactory(code="assen", name="DNK Assen")
    title = TitleFactory(title="Oorlogswinter", authors="Jan Terlouw", search_text="Oorlogswinter Jan Terlouw")
    first, second = CopyFactory(title=title, barcode="3000000001"), CopyFactory(barcode="3000000002")

    page.goto(f"{live_server.url}/balie/bieb/inschrijven/")
    page.fill("#id_username", "sanne")
    page.fill("#id_password", "correct horse battery")
    submit(page, lambda: page.keyboard.press("Enter"))
    assert page.url == f"{live_server.url}/balie/bieb/inschrijven/"

    form = {
        "#id_surname": "Jansen",
        "#id_street": "Kerkstraat",
        "#id_house_number": "12",
        "#id_postcode": "9401AB",
        "#id_town": "Assen",
        "#id_adult1_given": "Anna",
        "#id_adult1_born": "1985-04-02",
        "#id_adult2_given": "Bert",
        "#id_adult2_born": "1983-09-20",
        "#id_child1_given": "Cas",
        "#id_child1_born": "2016-06-01",
    }
    for selector, value in form.items():
        page.fill(selector, value)
    # The new card is scanned into its field (a scanner types and presses Enter: Enter here sends the form).
    from kolk.people.services import new_pass_number

    card = new_pass_number()
    page.fill("#id_adult1_pass", card)
    page.select_option("#id_type", "gezin")
    page.check("#id_id_seen")
    page.check("#id_reading_advice")
    assert page.locator("#id_adult1_born").get_attribute("placeholder") == "dd-mm-jjjj"  # typed as on the ID card
    submit(page, page.get_by_role("button", name="Inschrijven").click)
    expect(page.locator("h1")).to_have_text("Anna Jansen")
    assert card in page.locator(".member-head").inner_text()
    expect(page.locator("#subscription")).to_contain_text("Gezin")

    # The scanner types the barcode into the focused field and presses Enter.
    for barcode in (first.barcode, second.barcode):
        scan(page, barcode)
        assert "Uitgeleend" in feedback(page)
    expect(page.locator("#loans tbody tr")).to_have_count(2)

    # Cas reserves the title that Anna has out.
    member_url = page.url
    page.goto(f"{live_server.url}/balie/bieb/")
    page.fill("#q", "Cas")
    submit(page, lambda: page.keyboard.press("Enter"))
    submit(page, page.get_by_role("link", name="Cas Jansen").click)
    page.fill("#zoek", "oorlogswinter")
    submit(page, lambda: page.keyboard.press("Enter"))
    submit(page, page.locator("#titles").get_by_role("button", name="Reserveren").click)
    assert "in de wachtrij" in feedback(page)
    cas_url = page.url

    submit(page, page.get_by_role("link", name="Innemen").click)
    scan(page, first.barcode)
    assert "Leg klaar voor Cas Jansen" in feedback(page)
    scan(page, second.barcode)
    assert "Terugzetten" in feedback(page)
    expect(page.locator("#checked-in tbody tr")).to_have_count(2)

    # Cas picks the reservation up.
    page.goto(cas_url)
    scan(page, first.barcode)
    assert "Uitgeleend" in feedback(page)
    page.reload()
    expect(page.locator("#reservations")).to_contain_text("Geen reserveringen")

    # Block Anna: the next checkout is refused and says why; unblock and it works.
    page.goto(member_url)
    page.select_option("#block-reason", "manual")
    submit(page, page.locator("#blocks").get_by_role("button", name="Blokkeren").click)
    expect(page.locator("#blocked")).to_contain_text("handmatig")
    scan(page, second.barcode)
    expect(page.locator("#feedback li.error")).to_contain_text("Geblokkeerd")
    submit(page, page.locator("#blocks").get_by_role("button", name="Opheffen").click)
    scan(page, second.barcode)
    assert "Uitgeleend" in feedback(page)
    assert Loan.objects.filter(returned_at__isnull=True).count() == 2

    # The family fee becomes an invoice the desk can see.
    submit(page, page.get_by_role("button", name="Factureren").click)
    assert "Gefactureerd" in feedback(page)
    expect(page.locator("#invoices")).to_contain_text("abonnement bibliotheek")
