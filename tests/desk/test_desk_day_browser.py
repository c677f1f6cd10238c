"""A new staff member's desk day, keyboard only: what the walk through the demo found slow or hidden.

The open amount beside the scan field leads to the payment's amount; a part paid
in cash opens the receipt with its print button ready; a renew-all after lending
says its reason once; a write-off says what stays open.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.core.clock import today
from kolk.core.roles import Role
from kolk.library.models import Loan
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.members import subscription_start
from tests.browser import axe_findings, wait_until
from tests.desk.test_circulation_browser import in_viewport
from tests.desk.test_library_browser import feedback, scan
from tests.desk.test_workplace_browser import sign_in
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


def focused(page, expression: str) -> None:
    wait_until(page, f"document.activeElement && document.activeElement.matches({expression!r})")


def test_the_open_amount_beside_the_field_leads_to_the_payment_and_the_receipt(live_server, page):
    ensure_role_groups()
    LoanRuleFactory()
    BranchFactory(code="assen", name="DNK Assen")
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    member = PersonFactory(with_pass=True, given_name="Noor", surname="Bakker")
    subscription_start(person=member, type=SubscriptionTypeFactory(), actor=None, id_seen=True)  # € 49,50 open
    copies = [CopyFactory(barcode=f"300000009{i}") for i in range(3)]
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, f"{live_server.url}/balie/", "bieb")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the workstation: the first branch
    with page.expect_navigation():
        page.keyboard.press("Alt+b")
    focused(page, "#q")
    page.keyboard.type(member.pass_number)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    for c in copies:
        scan(page, c.barcode)
        assert "Uitgeleend" in feedback(page)

    # Renew all, two keys from the scan field: three items just lent are one line, not three.
    page.keyboard.press("Tab")  # Uitlenen
    page.keyboard.press("Tab")  # the flag: Openstaand bedrag
    page.keyboard.press("Tab")
    focused(page, "#renew-all")
    page.evaluate("document.querySelector('#feedback').dataset.old = '1'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#feedback:not([data-old])", state="attached")
    expect(page.locator("#feedback li.warn")).to_have_count(1)
    expect(page.locator("#feedback li.warn")).to_contain_text("3 uitleningen")
    assert in_viewport(page, "#feedback li.warn")
    focused(page, "[data-scan]")

    # The open amount beside the field: Tab, Tab, Enter puts the cursor in the amount, selected.
    flag = page.locator("#flags a", has_text="Openstaand bedrag")
    expect(flag).to_have_text("Openstaand bedrag € 49,50")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused(page, "#flags a")
    page.keyboard.press("Enter")
    focused(page, "#pay-amount")
    assert page.evaluate("document.activeElement.selectionEnd - document.activeElement.selectionStart") == 5
    assert in_viewport(page, "#pay-amount")
    page.screenshot(path=str(SHOTS / "desk-day-pay.png"))
    page.keyboard.type("10")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # cash, a part
    expect(page.locator("#feedback li.ok")).to_have_text("Betaald: € 10,00. Nog open: € 39,50.")
    assert in_viewport(page, "#feedback li.ok")
    focused(page, "#print-receipt")  # Enter prints the receipt
    assert axe_findings(page) == []

    # A write-off keeps the part-paid invoice, and says so.
    fined_copy = CopyFactory()
    loan = loan_checkout(copy_barcode=fined_copy.barcode, person=member, actor=None)
    Loan.objects.filter(pk=loan.pk).update(due_on=today() - dt.timedelta(days=4))
    loan_checkin(copy_barcode=fined_copy.barcode, actor=None)  # € 1,00 te-laat-geld, open beside the part-paid bill
    page.goto(f"{live_server.url}/balie/bieb/leden/{member.pk}/")
    page.locator("#write-off-reason").focus()
    page.keyboard.type("coulance")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#feedback li.ok")).to_have_text("Kwijtgescholden: € 1,00.")
    warn = page.locator("#feedback li.warn")
    expect(warn).to_contain_text("Nog open: € 39,50")
    assert in_viewport(page, "#feedback li.warn")
    page.screenshot(path=str(SHOTS / "desk-day-write-off.png"))


def test_register_by_keyboard_with_the_date_as_on_the_id_card_and_the_duplicate_check(live_server, page):
    """The cursor starts in the first field, a birth date is typed day-month-year, an error puts the
    cursor at its field, and someone already known is offered first (Enter opens them)."""
    from kolk.people.models import Person

    ensure_role_groups()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    SubscriptionTypeFactory(code="basis", name="Basis")
    BranchFactory(code="assen", name="DNK Assen")
    known = PersonFactory(with_pass=True, given_name="Nynke", surname="Doesburg", date_of_birth=dt.date(1984, 4, 25))
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, f"{live_server.url}/balie/", "bieb")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the workstation
    with page.expect_navigation():
        page.keyboard.press("Alt+n")
    focused(page, "#id_adult1_given")

    def field(value: str) -> None:
        page.keyboard.type(value)
        page.keyboard.press("Tab")

    for value in ("Nynke", "", "Doesburg", "2504198", "", "", "", "Brink", "1", "", "9401 AB"):
        field(value)
    page.keyboard.type("Assen")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The first field in error has the cursor; its message is beside it, in view, and linked to it.
    focused(page, "#id_adult1_born")
    error = page.locator("#id_adult1_born_error")
    expect(error).to_have_text("Schrijf de datum als dag-maand-jaar, zoals 25-04-1984.")
    assert in_viewport(page, "#id_adult1_born_error")
    assert "id_adult1_born_error" in page.locator("#id_adult1_born").get_attribute("aria-describedby")
    page.keyboard.press("Control+a")
    page.keyboard.type("25041984")
    page.locator("#id_type").focus()
    page.keyboard.press("ArrowDown")
    page.locator("#id_town").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#duplicates")).to_contain_text("Is dit iemand die we al kennen?")
    focused(page, "#duplicates a")
    assert in_viewport(page, "#duplicates a")
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "desk-day-register-duplicate.png"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Nynke Doesburg")
    assert Person.objects.filter(given_name="Nynke").count() == 1
    assert known.pass_number in page.locator(".member-head").inner_text()


def test_find_a_member_by_name_with_the_arrow_keys_and_print_the_pull_list(live_server, page):
    from kolk.library.services.reservations import reservation_place

    ensure_role_groups()
    LoanRuleFactory()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    assen = BranchFactory(code="assen", name="DNK Assen")
    kind = SubscriptionTypeFactory()
    people = [PersonFactory(with_pass=True, given_name=name, surname="Doesburg") for name in ("Alyssa", "Jesse")]
    for person in people:
        subscription_start(person=person, type=kind, actor=None, id_seen=True)
    on_shelf = CopyFactory(barcode="3000000095")
    reservation_place(person=people[1], title=on_shelf.title, pickup_branch=assen, actor=None)
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, f"{live_server.url}/balie/", "bieb")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the workstation
    with page.expect_navigation():
        page.keyboard.press("Alt+b")
    focused(page, "#q")
    page.keyboard.type("doesburg")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    results = page.locator("#results li")
    expect(results).to_have_count(2)
    expect(results.nth(1)).to_contain_text(f"pas {people[1].pass_number}")
    focused(page, "#q")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    focused(page, "#results li:nth-child(2) a")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Jesse Doesburg")

    # The pull list of this branch, its print button ready.
    with page.expect_navigation():
        page.keyboard.press("Alt+l")
    expect(page.locator("#pulls tbody tr")).to_have_count(1)
    expect(page.locator("#pulls")).to_contain_text("Jesse Doesburg")
    focused(page, "#pulls-print")
    assert axe_findings(page) == []
    page.emulate_media(media="print")
    expect(page.locator("#pulls-title")).to_be_visible()
    page.emulate_media(media="screen")
    page.screenshot(path=str(SHOTS / "desk-day-pulls.png"))


def test_check_in_says_where_each_copy_goes_and_enter_in_the_empty_field_prints_its_slip(live_server, page):
    from kolk.library.services.reservations import reservation_place
    from kolk.people.models import User

    ensure_role_groups()
    LoanRuleFactory()
    user = UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    User.objects.filter(pk=user.pk).update(home_branch="assen")  # first at the workstation choice
    assen, rolde = BranchFactory(code="assen", name="DNK Assen"), BranchFactory(code="rolde", name="Bibliotheek Rolde")
    kind = SubscriptionTypeFactory()
    borrower = PersonFactory(with_pass=True, given_name="Dylan", surname="Barents")
    waiting = PersonFactory(with_pass=True, given_name="Bibi", surname="Broek")
    for person in (borrower, waiting):
        subscription_start(person=person, type=kind, actor=None, id_seen=True)
    wanted, elsewhere = CopyFactory(branch=assen, barcode="3000000096"), CopyFactory(branch=rolde, barcode="3000000097")
    for c in (wanted, elsewhere):
        loan_checkout(copy_barcode=c.barcode, person=borrower, actor=None)
    reservation_place(person=waiting, title=wanted.title, pickup_branch=assen, actor=None)
    page.add_init_script("window.printed = 0; window.print = () => { window.printed += 1; };")
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, f"{live_server.url}/balie/", "bieb")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the workstation: DNK Assen
    with page.expect_navigation():
        page.keyboard.press("Alt+i")
    scan(page, elsewhere.barcode)
    expect(page.locator("#feedback li.warn")).to_have_text("Terug naar vestiging Bibliotheek Rolde.")
    scan(page, wanted.barcode)
    expect(page.locator("#feedback li.warn")).to_have_text("Leg klaar voor Bibi Broek in de afhaalkast (DNK Assen).")
    assert in_viewport(page, "#feedback li.warn")
    expect(page.locator("#checked-in tbody tr")).to_have_count(2)
    expect(page.locator("#checked-in tbody tr").first).to_contain_text("Dylan Barents")
    # One key for the slip: Enter in the empty scan field; the cursor stays in the field.
    page.keyboard.press("Enter")
    wait_until(page, "window.printed === 1")
    focused(page, "#barcode")
    expect(page.locator("#checkin-slip")).to_contain_text("Bibi Broek")
    assert page.locator("#checkin-slip").get_attribute("class") == "slip"
    # The help (?) says so, beside the keys of the menu.
    page.keyboard.press("?")
    expect(page.locator("#desk-help")).to_contain_text(
        "In het lege scanveld: de bon van het laatste exemplaar afdrukken"
    )
    page.keyboard.press("Escape")
    focused(page, "#barcode")
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "desk-day-checkin.png"))


def test_a_refused_payment_or_mandate_puts_the_cursor_back_at_its_field_with_the_reason_beside_it(live_server, page):
    ensure_role_groups()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    BranchFactory(code="assen", name="DNK Assen")
    member = PersonFactory(with_pass=True, given_name="Noor", surname="Bakker")
    subscription_start(person=member, type=SubscriptionTypeFactory(), actor=None, id_seen=True)  # € 49,50 open
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, f"{live_server.url}/balie/bieb/leden/{member.pk}/", "bieb")
    if "kiezen" in page.url:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    focused(page, "#barcode")

    page.locator("#pay-amount").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("tien")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    focused(page, "#pay-amount")
    expect(page.locator("#pay-amount-error")).to_have_text("Vul een bedrag in euro's in, zoals 12,50.")
    assert in_viewport(page, "#pay-amount-error")
    assert page.locator("#pay-amount").get_attribute("aria-invalid") == "true"
    page.keyboard.type("60")  # the refused text is selected: typing replaces it
    with page.expect_navigation():
        page.keyboard.press("Enter")
    focused(page, "#pay-amount")
    expect(page.locator("#pay-amount-error")).to_contain_text("meer dan er openstaat (€ 49,50)")

    page.locator("#mandate-iban").focus()
    page.keyboard.type("NL91 ABNA 0417 1643 01")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # signed on paper
    with page.expect_navigation():
        page.keyboard.press("Enter")
    focused(page, "#mandate-iban")
    expect(page.locator("#mandate-iban-error")).to_have_text("Dit IBAN klopt niet: kijk het na en typ het opnieuw.")
    assert in_viewport(page, "#mandate-iban-error")
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "desk-day-mandate-refused.png"))
    # Once: the next visit to the page starts at the scan field again.
    page.reload()
    focused(page, "#barcode")
    expect(page.locator(".field-error")).to_have_count(0)


def test_scan_a_copy_to_mark_it_damaged_and_print_its_label(live_server, page):
    from kolk.library.models import Copy

    ensure_role_groups()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    BranchFactory(code="assen", name="DNK Assen")
    copies = [CopyFactory(barcode=f"320000000{i}") for i in range(1, 3)]
    CopyFactory(title=copies[0].title, barcode="3200000003")
    page.add_init_script("window.printed = 0; window.print = () => { window.printed += 1; };")
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, f"{live_server.url}/balie/bieb/catalogus/?opzoeken", "bieb")
    if "kiezen" in page.url:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    expect(page.locator(".desk-menu [aria-current=page]")).to_have_text("Catalogus")
    focused(page, "#barcode")
    page.keyboard.type("3299999999")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#feedback li.error")).to_contain_text("Onbekende barcode: 3299999999")
    focused(page, "#barcode")
    page.keyboard.type("3200000003")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The title opens with the scanned copy's status ready: down, Tab, Enter.
    focused(page, "tr.scanned select")
    expect(page.locator("tr.scanned td").first).to_have_text("3200000003")
    page.keyboard.press("ArrowDown")  # beschadigd
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#feedback li.ok")).to_have_text("3200000003: beschadigd.")
    assert Copy.objects.get(barcode="3200000003").status == "damaged"
    assert axe_findings(page) == []
    page.locator("a[aria-label='Etiket van 3200000003']").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    focused(page, "#print-label")
    page.keyboard.press("Enter")
    wait_until(page, "window.printed === 1")


def test_catalogue_a_title_with_two_copies_and_print_both_labels_by_keyboard(live_server, page):
    from kolk.library.models import Title

    ensure_role_groups()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    BranchFactory(code="assen", name="DNK Assen")
    page.add_init_script("window.printed = 0; window.print = () => { window.printed += 1; };")
    page.set_viewport_size({"width": 1280, "height": 720})
    sign_in(page, f"{live_server.url}/balie/", "bieb")
    if "kiezen" in page.url:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Alt+t")
    focused(page, "#id_title")
    for value in ("Het Achterhuis", "Anne Frank", None, "9789044625141", "1947", "oorlog, dagboek", None):
        if value:
            page.keyboard.type(value)
        page.keyboard.press("Tab")
    focused(page, "#id_barcodes")
    for code in ("3900000001", "3900000002"):  # the scanner's Enter starts a new line
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#feedback li.ok")).to_have_text("Gecatalogiseerd: Het Achterhuis, 2 exemplaren.")
    assert Title.objects.get(title="Het Achterhuis").copies.count() == 2
    expect(page.locator(".desk-menu [aria-current=page]")).to_have_text("Catalogus")
    for _ in range(3):  # the branch, Toevoegen, the labels
        page.keyboard.press("Tab")
    focused(page, "#labels-all")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#label .label-one")).to_have_count(2)
    focused(page, "#print-label")
    expect(page.locator("#print-label")).to_have_text("2 etiketten afdrukken")
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "desk-day-labels.png"))
    page.keyboard.press("Enter")
    wait_until(page, "window.printed === 1")
