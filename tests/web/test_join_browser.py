"""Lid worden on a 390 px phone, from the menu to 'Betaald' against Mollie's recorded answers (nothing
sideways, no serious axe finding, errors at their fields); then the desk confirms the new member on the
first visit, keyboard only, and lending may start."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kolk.billing.models import Invoice, Mandate, Payment
from kolk.core.clock import today
from kolk.core.roles import Role
from kolk.library.models import Block
from kolk.library.selectors import blocks_standing
from kolk.people.models import Person
from kolk.privacy.ledger import has_consent
from tests.billing.mollie import PAYMENT, answer_created, answer_status, replay
from tests.browser import axe_findings, scrolls_sideways, wait_until
from tests.factories import UserFactory
from tests.library.factories import SubscriptionTypeFactory, ensure_role_groups

SHOTS = Path(os.environ.get("KOLK_SCREENSHOTS") or tempfile.gettempdir())
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def looks_right(page) -> None:
    assert scrolls_sideways(page) == 0
    assert axe_findings(page) == []


def test_on_a_phone_someone_joins_online_and_pays_the_first_fee(live_server, phone, monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    SubscriptionTypeFactory(code="basis", name="Basis")
    SubscriptionTypeFactory(code="plus", name="Plus", fee_adult_cents=6950, fee_young_adult_cents=3500)
    mollie = replay(monkeypatch)
    answer_created(mollie, 4950)
    mollie.answer(
        "GET", f"/v2/payments/{PAYMENT}", "payment_created.json", amount={"currency": "EUR", "value": "49.50"}
    )

    def checkout(route):  # Mollie's checkout: the member picks a bank and pays; Mollie sends them back
        route.fulfill(status=303, headers={"Location": json.loads(mollie.requests[0].body)["redirectUrl"]})

    phone.route("https://www.mollie.com/**", checkout)
    phone.goto(live_server.url + reverse("web:home"))
    phone.get_by_role("link", name="Lid worden").click()
    expect(phone.get_by_role("heading", name="Kies je abonnement")).to_be_visible()
    expect(phone.locator('[aria-current="step"]')).to_contain_text("Kiezen")
    looks_right(phone)

    on = today()
    phone.get_by_label("Geboortedatum").fill(on.replace(year=on.year - 30).isoformat())
    phone.get_by_role("button", name="Toon de abonnementen").click()
    expect(phone.get_by_label(re.compile(r"^Basis: €\s49,50 per jaar"))).to_be_visible()
    expect(phone.get_by_label(re.compile(r"^Plus: €\s69,50 per jaar"))).to_be_visible()
    looks_right(phone)
    phone.screenshot(path=str(SHOTS / "join-choose.png"), full_page=True)
    phone.set_viewport_size({"width": 360, "height": 780})  # the narrowest phone UX.md names
    assert scrolls_sideways(phone) == 0
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.get_by_role("button", name="Verder").click()
    expect(phone.get_by_role("alert")).to_be_visible()  # no choice yet: said, and at the choice
    expect(phone.locator("#id_type_error")).to_have_text("Kies een abonnement.")
    phone.get_by_label(re.compile(r"^Basis")).check()
    phone.get_by_role("button", name="Verder").click()

    expect(phone.get_by_role("heading", name="Je gegevens")).to_be_visible()
    looks_right(phone)
    for label, value in [
        ("Voornaam", "Noor"),
        ("Achternaam", "Dijk"),
        ("Straat", "Weiersstraat"),
        ("Huisnummer", "1"),
        ("Postcode", "12"),
        ("Woonplaats", "Assen"),
        ("E-mailadres", "noor@example.nl"),
    ]:
        phone.get_by_label(label, exact=True).fill(value)
    phone.get_by_role("button", name="Verder").click()
    postcode = phone.get_by_label("Postcode", exact=True)
    expect(postcode).to_have_attribute("aria-invalid", "true")
    assert "id_postcode_error" in (postcode.get_attribute("aria-describedby") or "")
    looks_right(phone)
    postcode.fill("9401 ET")
    phone.get_by_role("button", name="Verder").click()

    expect(phone.get_by_role("heading", name="Wat je van ons wilt")).to_be_visible()
    expect(phone.get_by_role("heading", name="Je account voor Mijn DNK")).to_be_visible()
    phone.get_by_label("Ja, stuur mij herinneringen en leesadvies op basis van mijn leengedrag.").check()
    looks_right(phone)
    assert not Person.objects.exists()  # nothing written before the account
    phone.get_by_label("Wachtwoord", exact=True).fill("zeven-boeken-lezen")
    phone.get_by_label("Wachtwoord nog een keer").fill("zeven-boeken-lezen")
    phone.get_by_role("button", name="Account maken en naar betalen").click()

    expect(phone.get_by_role("heading", name="Eerste betaling")).to_be_visible()
    expect(phone.locator('[aria-current="step"]')).to_contain_text("Betalen")
    expect(phone.get_by_text("bevestigt aan de balie bij je eerste bezoek")).to_be_visible()
    looks_right(phone)
    phone.screenshot(path=str(SHOTS / "join-pay.png"), full_page=True)
    phone.get_by_label("IBAN").fill("NL91 ABNA 0417 1643 00")
    phone.get_by_label("Naam rekeninghouder").fill("N. Dijk")
    phone.get_by_label("Ja, ik geef deze machtiging").check()
    phone.get_by_role("button", name="Betalen met iDEAL").click()

    phone.wait_for_url(re.compile(r".*/mijn/facturen/\d+/betaling$"))
    expect(phone.get_by_role("heading", name="We wachten op je bank")).to_be_visible()
    answer_status(mollie, "payment_paid.json", 4950)  # the bank says yes while the member waits
    expect(phone.get_by_role("heading", name="Betaald")).to_be_visible(timeout=10_000)
    looks_right(phone)
    phone.screenshot(path=str(SHOTS / "join-paid.png"), full_page=True)
    person = Person.objects.get(given_name="Noor")
    invoice = Invoice.objects.get(person=person)
    assert invoice.status == Invoice.Status.PAID
    assert Payment.objects.get(invoice=invoice).reference == PAYMENT
    assert Mandate.objects.filter(bank_account__person=person, revoked_at__isnull=True).count() == 1
    assert blocks_standing(person) == [Block.Reason.CONFIRM]  # lending waits for the desk
    assert has_consent(person, "notices_advice")


def test_the_desk_confirms_an_online_member_keyboard_only(live_server, page, settings):
    from kolk.library.services.joining import JoinDetails, member_join

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    UserFactory(username="bieb", roles=[Role.LIBRARY_STAFF])
    on = today()
    joined = member_join(
        details=JoinDetails(
            "Noor", "", "Dijk", on.replace(year=on.year - 30), "noor@example.nl", "", "Weiersstraat", 1, "",
            "9401 ET", "Assen",
        ),
        type=SubscriptionTypeFactory(),
        password="zeven-boeken-lezen",
        newsletter=False,
        reading_advice=False,
    )  # fmt: skip
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/balie/")
    page.keyboard.type("bieb")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    with page.expect_navigation():
        page.keyboard.press("Alt+b")
    wait_until(page, "document.activeElement && document.activeElement.id === 'q'")
    page.keyboard.type(joined.person.pass_number)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#blocked")).to_contain_text("bevestigen aan de balie")
    presses = 0
    while page.evaluate("document.activeElement.id") != "join-confirm":
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 60, "the confirm button is not reachable by Tab"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_text("Inschrijving bevestigd: Noor kan nu lenen.")).to_be_visible()
    expect(page.locator("#blocked")).to_have_count(0)
    assert page.evaluate("document.activeElement.id") == "barcode"  # back in the scan field
    assert blocks_standing(joined.person) == []
