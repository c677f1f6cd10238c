"""Issue 17's "done when" as one walk on a 390 px phone: a member joins online and pays the first fee
(Mollie's recorded answers); the desk confirms them on their first visit (its own test walks the desk);
then, days later, the portal's first page shows an overdue loan and a reservation ready at their
branch, they renew all, pay their te-laat-geld by iDEAL, find an exact title at the top of the
catalogue and reserve it for their branch, and turn their reading history off. After every page:
nothing scrolls sideways and axe-core finds nothing serious."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from playwright.sync_api import expect

from kolk.billing.models import Invoice, Payment
from kolk.billing.mollie import mollie_amount
from kolk.core.clock import today
from kolk.core.roles import Role
from kolk.library.models import Copy, Fee, Loan, Reservation
from kolk.library.reading import READING_HISTORY, reading_history_on
from kolk.library.selectors import blocks_standing
from kolk.library.services.joining import member_join_confirm
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_place
from kolk.people.models import Person
from kolk.privacy.ledger import consent_record
from tests.billing.mollie import PAYMENT, answer_created, answer_status, replay
from tests.browser import axe_findings, scrolls_sideways
from tests.factories import UserFactory
from tests.library.factories import (
    BranchFactory,
    CopyFactory,
    LoanRuleFactory,
    SubscriptionTypeFactory,
    TitleFactory,
    ensure_role_groups,
)
from tests.web.factories import member

SHOTS = Path(os.environ.get("KOLK_SCREENSHOTS") or tempfile.gettempdir())
FINE_PAYMENT = "tr_WvQ8tE3Lq2"  # the second payment Mollie makes: its own id


def looks_right(page, name: str = "") -> None:
    page.wait_for_load_state()  # its style sheet applied too
    assert scrolls_sideways(page) == 0
    assert axe_findings(page) == []
    if name and os.environ.get("KOLK_SCREENSHOTS"):  # a folder to look at every page of the walk
        page.screenshot(path=str(SHOTS / f"member-day-{name}.png"), full_page=True)


def _join(phone, live_server, mollie) -> None:
    """Lid worden from the menu to 'Betaald' (the steps' own errors are tested in test_join_browser)."""
    answer_created(mollie, 4950)
    mollie.answer(
        "GET", f"/v2/payments/{PAYMENT}", "payment_created.json", amount={"currency": "EUR", "value": "49.50"}
    )
    phone.goto(live_server.url + reverse("web:home"))
    looks_right(phone)
    phone.get_by_role("button", name="Weigeren").click()  # the cookie question, answered as most do
    expect(phone.get_by_role("region", name="Cookies op deze site")).to_have_count(0)
    phone.get_by_role("link", name="Lid worden").click()
    expect(phone.get_by_role("heading", name="Kies je abonnement")).to_be_visible()
    looks_right(phone)
    on = today()
    phone.get_by_label("Geboortedatum").fill(on.replace(year=on.year - 30).isoformat())
    phone.get_by_role("button", name="Toon de abonnementen").click()
    expect(phone.get_by_label(re.compile(r"^Basis: €\s49,50 per jaar"))).to_be_visible()
    looks_right(phone)
    phone.get_by_label(re.compile(r"^Basis")).check()
    phone.get_by_role("button", name="Verder").click()
    expect(phone.get_by_role("heading", name="Je gegevens")).to_be_visible()
    looks_right(phone)
    for label, value in [
        ("Voornaam", "Noor"),
        ("Achternaam", "Dijk"),
        ("Straat", "Weiersstraat"),
        ("Huisnummer", "1"),
        ("Postcode", "9401 ET"),
        ("Woonplaats", "Assen"),
        ("E-mailadres", "noor@example.nl"),
    ]:
        phone.get_by_label(label, exact=True).fill(value)
    phone.get_by_role("button", name="Verder").click()
    expect(phone.get_by_role("heading", name="Je account voor Mijn DNK")).to_be_visible()
    looks_right(phone)
    phone.get_by_label("Wachtwoord", exact=True).fill("zeven-boeken-lezen")
    phone.get_by_label("Wachtwoord nog een keer").fill("zeven-boeken-lezen")
    phone.get_by_role("button", name="Account maken en naar betalen").click()
    expect(phone.get_by_role("heading", name="Eerste betaling")).to_be_visible()
    looks_right(phone)
    phone.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    phone.get_by_label("Naam rekeninghouder").fill("N. Dijk")
    phone.get_by_label("Ja, ik geef deze machtiging").check()
    phone.get_by_role("button", name="Betalen met iDEAL").click()
    expect(phone.get_by_role("heading", name="We wachten op je bank")).to_be_visible()
    looks_right(phone)
    answer_status(mollie, "payment_paid.json", 4950)  # the bank says yes while the member waits
    expect(phone.get_by_role("heading", name="Betaald")).to_be_visible(timeout=10_000)
    expect(phone.locator("#payment-status")).to_contain_text("€ 49,50")
    looks_right(phone, "join-paid")


def _days_later(person: Person) -> dict[str, object]:
    """What happened since (through the services; dates moved back where time had to pass)."""
    assen = BranchFactory()
    emmen = BranchFactory(code="emmen", name="DNK Emmen")  # the member's branch

    def borrowed(title: str, *, due_days_ago: int) -> Loan:
        copy = CopyFactory(title=TitleFactory(title=title), branch=emmen)
        loan = loan_checkout(copy_barcode=copy.barcode, person=person, actor=None)
        due = today() - dt.timedelta(days=due_days_ago)
        Loan.objects.filter(pk=loan.pk).update(
            due_on=due, checked_out_at=loan.checked_out_at - dt.timedelta(days=21 + due_days_ago)
        )
        return loan

    late = borrowed("Het Achterhuis", due_days_ago=7)
    loan_checkin(copy_barcode=late.copy.barcode, actor=None, at_branch=emmen)  # 7 days late: € 1,75
    overdue = borrowed("Oorlogswinter", due_days_ago=3)
    ready = reservation_place(
        title=CopyFactory(title=TitleFactory(title="Kruistocht in spijkerbroek"), branch=emmen).title,
        person=person,
        pickup_branch=emmen,
        actor=None,
    )
    exact = TitleFactory(title="Oorlog", authors="Guus Kuijer")
    for title in ("Aan het einde van de oorlog", "Oorlog en vrede", "Oorlog zonder vrienden"):
        CopyFactory(title=TitleFactory(title=title), branch=assen)
    for branch in (assen, emmen):  # every copy of the exact title is lent out: reserving makes sense
        CopyFactory(title=exact, branch=branch, status=Copy.Status.ON_LOAN)
    consent_record(subject=person, purpose=READING_HISTORY, given=True, method="web", actor=None, lang="nl")
    return {"emmen": emmen, "late": late, "overdue": overdue, "ready": ready, "exact": exact}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_members_day_on_a_phone(live_server, phone, monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    SubscriptionTypeFactory(code="basis", name="Basis")
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    mollie = replay(monkeypatch)

    def checkout(route):  # Mollie's checkout: the member picks a bank and pays; Mollie sends them back
        posted = [r for r in mollie.requests if r.method == "POST"]
        route.fulfill(status=303, headers={"Location": json.loads(posted[-1].body)["redirectUrl"]})

    phone.route("https://www.mollie.com/**", checkout)

    # 1. Joins online and pays the first fee.
    _join(phone, live_server, mollie)
    person = Person.objects.get(given_name="Noor", surname="Dijk")
    assert Invoice.objects.get(person=person).status == Invoice.Status.PAID

    # 2. The desk confirms on the first visit (walked keyboard only in test_join_browser); days pass.
    member_join_confirm(person=person, actor=UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF]))
    assert blocks_standing(person) == []
    day = _days_later(person)

    # 3. The portal's first page: the overdue loan and the reservation ready at their branch.
    phone.get_by_role("link", name="Mijn DNK").first.click()
    expect(phone.get_by_role("heading", name="Hallo Noor")).to_be_visible()
    loans = phone.locator("section[aria-labelledby=today-loans]")
    expect(loans).to_contain_text("1 uitlening is te laat")
    overdue_row = loans.locator("li", has_text="Oorlogswinter")
    expect(overdue_row.locator(".flag.overdue")).to_have_text("Te laat")
    ready = phone.locator("section[aria-labelledby=today-ready] li", has_text="Kruistocht in spijkerbroek")
    expect(ready).to_contain_text("Klaar")
    expect(ready).to_contain_text("ophalen in DNK Emmen")
    for seen in (overdue_row, ready):  # on the first screen, without scrolling
        expect(seen).to_be_in_viewport()
    expect(phone.locator("section[aria-labelledby=today-owed]")).to_contain_text("Je moet nog € 1,75 betalen.")
    looks_right(phone)
    phone.screenshot(path=str(SHOTS / "member-day-first-page.png"), full_page=True)

    # 4. Renews all: the overdue loan is no longer late.
    phone.get_by_role("button", name="Alles verlengen").click()
    expect(phone.get_by_text("1 uitlening verlengd.")).to_be_in_viewport()
    # It was 3 days late: the renewal charges those days (€ 0,75), as bringing it back would have.
    expect(phone.get_by_text("Wat te laat was, kost € 0,75 te-laat-geld.")).to_be_in_viewport()
    renewed_on = date_format(today() + dt.timedelta(days=21), "j F Y")  # in Dutch, as the page says it
    expect(loans.locator("li", has_text="Oorlogswinter")).to_contain_text(f"inleveren vóór {renewed_on}")
    expect(loans.locator(".flag.overdue")).to_have_count(0)
    expect(loans).not_to_contain_text("te laat")
    looks_right(phone, "renewed")
    assert Loan.objects.get(pk=day["overdue"].pk).due_on == today() + dt.timedelta(days=21)

    # 5. Pays the te-laat-geld by iDEAL (€ 1,75 + € 0,75) and sees 'Betaald' with the amount.
    answer_created(mollie, 250)
    created = mollie.routes[("POST", "/v2/payments")][1]
    created["id"] = FINE_PAYMENT
    mollie.answer("GET", f"/v2/payments/{FINE_PAYMENT}", "payment_created.json", amount=mollie_amount(250))
    phone.get_by_role("link", name="Bekijken en betalen").click()
    fines = phone.locator("section[aria-labelledby=fines]")
    expect(fines).to_contain_text("Je hebt € 2,50 te-laat-geld openstaan.")
    looks_right(phone, "invoices")
    fines.get_by_role("button", name=re.compile(r"^Betalen")).click()
    expect(phone.get_by_role("heading", name="We wachten op je bank")).to_be_visible()
    looks_right(phone)
    mollie.answer(
        "GET", f"/v2/payments/{FINE_PAYMENT}", "payment_paid.json", id=FINE_PAYMENT, amount=mollie_amount(250)
    )
    expect(phone.get_by_role("heading", name="Betaald")).to_be_visible(timeout=10_000)
    expect(phone.locator("#payment-status")).to_contain_text("We hebben € 2,50 ontvangen")
    expect(phone.get_by_role("heading", name="Betaald")).to_be_in_viewport()
    looks_right(phone, "fine-paid")
    fines_paid = Fee.objects.filter(person=person, kind=Fee.Kind.FINE).order_by("amount_cents")
    assert [(f.amount_cents, f.loan_id) for f in fines_paid] == [(75, day["overdue"].pk), (175, day["late"].pk)]
    invoice = fines_paid[0].invoice
    assert {f.invoice_id for f in fines_paid} == {invoice.pk}
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get(invoice=invoice).reference == FINE_PAYMENT

    # 6. Finds the exact title at the top of the catalogue and reserves it for their branch.
    phone.get_by_role("link", name="Catalogus").click()
    expect(phone.get_by_role("heading", name="Catalogus")).to_be_visible()
    looks_right(phone)
    phone.get_by_label("Zoek op titel, maker, onderwerp of ISBN").fill("oorlog")
    phone.get_by_role("button", name="Zoeken").click()
    expect(phone.get_by_role("status")).to_contain_text("5 titels gevonden")  # 'Oorlogswinter' too
    first = phone.locator("ol.results > li").first
    expect(first.get_by_role("heading", level=2)).to_have_text("Oorlog")
    expect(first).to_contain_text("Alle exemplaren zijn uitgeleend: reserveren kan.")
    looks_right(phone, "results")
    pickup = first.get_by_label("Ophalen in")
    expect(pickup.locator("option:checked")).to_have_text("DNK Emmen")  # their branch, chosen already
    first.get_by_role("button", name="Reserveren").click()
    expect(phone.get_by_text("Gereserveerd: Oorlog.")).to_be_in_viewport()
    looks_right(phone, "reserved")
    placed = Reservation.objects.get(person=person, title=day["exact"])
    assert (placed.status, placed.pickup_branch) == (Reservation.Status.WAITING, day["emmen"])

    # 7. Turns the reading history off (it asks once).
    phone.locator("#portal-menu > summary").click()  # on a phone Mijn DNK's menu is one button
    phone.get_by_role("link", name="Leesgeschiedenis").click()
    expect(phone.get_by_role("heading", name="Je leesgeschiedenis staat aan")).to_be_visible()
    expect(phone.locator(".reading-list")).to_contain_text("Het Achterhuis")
    looks_right(phone)
    phone.get_by_role("button", name="Leesgeschiedenis uitzetten").click()
    expect(phone.locator("#confirm")).to_contain_text("meteen weg")
    expect(phone.get_by_role("button", name="Ja, zet uit en wis mijn lijst")).to_be_in_viewport()
    looks_right(phone, "reading-confirm")
    phone.get_by_role("button", name="Ja, zet uit en wis mijn lijst").click()
    expect(phone.get_by_role("heading", name="Je leesgeschiedenis staat uit")).to_be_visible()
    expect(phone.get_by_text("Je leesgeschiedenis staat uit en je lijst is gewist.")).to_be_in_viewport()
    expect(phone.get_by_text("Het Achterhuis")).to_have_count(0)
    looks_right(phone, "reading-off")
    assert not reading_history_on(person)
    assert Loan.objects.get(pk=day["late"].pk).person_id is None  # the returned loan is no longer theirs
    assert Loan.objects.get(pk=day["overdue"].pk).person_id == person.pk  # what is out still is


@pytest.mark.django_db
def test_the_result_list_offers_the_members_own_branch_to_collect_from(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    LoanRuleFactory(media_type="book")
    assen, emmen = BranchFactory(), BranchFactory(code="emmen", name="DNK Emmen")
    user = member()
    subscription_start(person=user.person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    loan_checkout(copy_barcode=CopyFactory(branch=emmen).barcode, person=user.person, actor=None)  # borrows in Emmen
    title = TitleFactory(title="Oorlog")
    CopyFactory(title=title, branch=assen)
    client.force_login(user)
    page = client.get(reverse("web:catalogue"), {"q": "oorlog"}).content.decode()
    assert f'<option value="{emmen.pk}" selected>DNK Emmen</option>' in page
    assert f'<option value="{assen.pk}">DNK Assen</option>' in page
