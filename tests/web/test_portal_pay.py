"""Paying an open invoice or open fines by iDEAL from the portal, against Mollie's recorded answers:
Betalen sends the member to Mollie, the page they come back to waits for the bank and then says
'Betaald'; someone else's invoice is 404. On a 390 px phone: nothing sideways, axe clean."""

from __future__ import annotations

import json
import os
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kolk.billing.models import Invoice, OnlinePayment, Payment
from kolk.core.clock import today
from kolk.library.models import Fee
from kolk.library.services.fees import fee_add
from kolk.web.models import PortalEvent
from tests.billing.factories import make_invoice
from tests.billing.mollie import PAYMENT, answer_created, answer_status, replay
from tests.browser import axe_findings, scrolls_sideways
from tests.factories import PersonFactory
from tests.library.factories import ensure_role_groups
from tests.web.factories import PASSWORD, member

CHECKOUT = "https://www.mollie.com/checkout/select-issuer/ideal/7UhSN1zuXS"


@pytest.fixture
def lid(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = member()
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_each_open_invoice_has_a_pay_button_and_a_paid_one_not(client, lid):
    open_one = make_invoice(lid.person, cents=4950)
    paid = make_invoice(lid.person, cents=1000)
    from kolk.billing.services import payment_record

    payment_record(invoice=paid, amount_cents=1000, method="cash", reference="KAS-9", actor=None)
    page = client.get(reverse("web:portal_invoices")).content.decode()
    assert reverse("web:portal_invoice_pay", args=[open_one.pk]) in page
    assert reverse("web:portal_invoice_pay", args=[paid.pk]) not in page


@pytest.mark.django_db
def test_betalen_sends_the_member_to_mollie_and_back_to_the_invoice(client, lid, monkeypatch):
    mollie = replay(monkeypatch)
    invoice = make_invoice(lid.person, cents=4950)
    answer_created(mollie, 4950)
    response = client.post(reverse("web:portal_invoice_pay", args=[invoice.pk]))
    assert response.status_code == 302
    assert response["Location"] == CHECKOUT
    sent = json.loads(mollie.requests[-1].body)
    assert sent["redirectUrl"] == "http://testserver" + reverse("web:portal_invoice_paying", args=[invoice.pk])
    assert sent["webhookUrl"].endswith("/api/v1/billing/payments/mollie/webhook")
    assert PortalEvent.objects.filter(person=lid.person, action="payment_started").exists()

    mollie.answer(
        "GET", f"/v2/payments/{PAYMENT}", "payment_created.json", amount={"currency": "EUR", "value": "49.50"}
    )
    waiting = client.get(reverse("web:portal_invoice_paying", args=[invoice.pk])).content.decode()
    assert "We wachten op je bank" in waiting
    assert 'hx-trigger="every 2s"' in waiting
    answer_status(mollie, "payment_paid.json", 4950)
    paid = client.get(reverse("web:portal_invoice_paying", args=[invoice.pk]), HTTP_HX_REQUEST="true")
    text = paid.content.decode()
    assert "Betaald" in text
    assert "hx-trigger" not in text  # the page stops asking
    assert "<html" not in text  # only the part that refreshes
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    assert Payment.objects.get(invoice=invoice).reference == PAYMENT


@pytest.mark.django_db
def test_someone_elses_invoice_is_not_found_and_nothing_is_asked_of_mollie(client, lid, monkeypatch):
    mollie = replay(monkeypatch)
    theirs = make_invoice(PersonFactory(), cents=4950)
    assert client.post(reverse("web:portal_invoice_pay", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web:portal_invoice_paying", args=[theirs.pk])).status_code == 404
    assert mollie.requests == []
    assert PortalEvent.objects.filter(person=lid.person, action="denied").count() == 2


@pytest.mark.django_db
def test_mollie_unreachable_leaves_the_member_on_the_invoices_with_a_message(client, lid):
    invoice = make_invoice(lid.person, cents=4950)  # no recorded answer: as without network
    response = client.post(reverse("web:portal_invoice_pay", args=[invoice.pk]), follow=True)
    assert "De betaling kon niet worden gestart" in response.content.decode()
    assert not OnlinePayment.objects.exists()


@pytest.mark.django_db
def test_open_fines_are_invoiced_and_that_invoice_is_paid(client, lid, monkeypatch):
    mollie = replay(monkeypatch)
    fee_add(person_id=lid.person.pk, kind=Fee.Kind.FINE, amount_cents=150, on=today())
    fee_add(person_id=lid.person.pk, kind=Fee.Kind.FINE, amount_cents=75, on=today())
    page = client.get(reverse("web:portal_invoices")).content.decode()
    assert "€ 2,25 te-laat-geld openstaan" in page
    answer_created(mollie, 225)
    response = client.post(reverse("web:portal_fines_pay"))
    assert response["Location"] == CHECKOUT
    invoice = Invoice.objects.get(person=lid.person)
    assert (invoice.source, invoice.total_cents) == (Invoice.Source.FINE, 225)
    assert json.loads(mollie.requests[-1].body)["amount"]["value"] == "2.25"
    assert set(Fee.objects.values_list("status", flat=True)) == {Fee.Status.INVOICED}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_member_pays_an_invoice_by_ideal_and_sees_betaald(live_server, phone, monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    user = member(given_name="Fenna", surname="van der Veen-Hoogeveen")
    invoice = make_invoice(user.person, cents=4950)
    mollie = replay(monkeypatch)
    answer_created(mollie, 4950)
    mollie.answer(
        "GET", f"/v2/payments/{PAYMENT}", "payment_created.json", amount={"currency": "EUR", "value": "49.50"}
    )

    def checkout(route):
        # Mollie's checkout, where the member picks a bank and pays; then Mollie sends them back.
        back = json.loads(mollie.requests[0].body)["redirectUrl"]
        route.fulfill(status=303, headers={"Location": back})

    phone.route("https://www.mollie.com/**", checkout)
    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")
    phone.goto(live_server.url + reverse("web:portal_invoices"))
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    phone.get_by_role("button", name=re.compile(f"^Betalen met iDEAL: factuur {invoice.number}")).click()
    phone.wait_for_url(re.compile(r".*/mijn/facturen/\d+/betaling$"))
    # Back before the bank has answered: the page waits, and asks again by itself.
    expect(phone.get_by_role("heading", name="We wachten op je bank")).to_be_visible()
    assert axe_findings(phone) == []
    answer_status(mollie, "payment_paid.json", 4950)  # the bank says yes while the member waits
    expect(phone.get_by_role("heading", name="Betaald")).to_be_visible(timeout=10_000)
    expect(phone.locator("#payment-status")).to_contain_text("€ 49,50")
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    if shots := os.environ.get("KOLK_SCREENSHOTS"):
        phone.screenshot(path=f"{shots}/invoice_paid.png", full_page=True)
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    assert Payment.objects.get(invoice=invoice).reference == PAYMENT
