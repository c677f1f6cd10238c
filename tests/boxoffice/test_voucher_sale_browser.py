"""Buying a gift voucher on a phone (390 px): choose € 25, pay by iDEAL (Mollie's checkout replayed), wait
on the page until the bank says yes, see the code and the value, find the mail in the outbox; then spend
the code on an order in the shop. Nothing wider than the screen, no serious axe finding."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import GiftVoucher, Order, VoucherSale
from kolk.boxoffice.services import payments
from kolk.comms.models import OutboxMessage
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.browser import axe_findings, phone, scrolls_sideways  # noqa: F401  (the phone fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand
AMOUNT = {"value": "25.00", "currency": "EUR"}
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


def fits(page, shot: str) -> None:
    assert scrolls_sideways(page) == 0
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / shot), full_page=True)


@pytest.fixture
def mollie(monkeypatch, phone):  # noqa: F811
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=AMOUNT)
    replay.answer("GET", MOLLIE, "payment_created.json", amount=AMOUNT)  # open: the buyer is at the bank

    def checkout(route):
        # Mollie's checkout, where the buyer picks a bank and pays; then Mollie sends them back.
        back = json.loads(replay.requests[0].body)["redirectUrl"]
        route.fulfill(status=303, headers={"Location": back})

    phone.route("https://www.mollie.com/**", checkout)
    return replay


def test_on_a_phone_a_buyer_pays_a_voucher_by_ideal_sees_its_code_and_spends_it(live_server, phone, mollie):  # noqa: F811
    page = phone
    page.goto(f"{live_server.url}/kaarten/")
    page.get_by_role("button", name="Weigeren").click()  # the cookie notice, answered once
    page.get_by_role("link", name="Geef een cadeaubon").click()
    expect(page.get_by_role("heading", name="Cadeaubon", exact=True)).to_be_visible()
    page.get_by_label("€ 25,00").check()
    page.get_by_label("Je naam").fill("Gea Gast")
    page.get_by_label("Je e-mailadres").fill("gea@example.nl")
    page.get_by_label("Voor wie is de bon? (niet verplicht)").fill("Opa Jan")
    page.get_by_label("Boodschap op de bon (niet verplicht)").fill("Veel plezier in de schouwburg!")
    fits(page, "voucher-phone-1-form.png")
    # A typo first: the message is at the field, and nothing is written.
    page.get_by_label("Ander bedrag", exact=True).check()
    page.get_by_label("Ander bedrag in euro").fill("2,50")
    page.get_by_role("button", name="Betalen met iDEAL").click()
    expect(page.locator("#id_other_amount-error")).to_have_text("Kies een bedrag van € 5,00 tot € 1.000,00.")
    expect(page.get_by_label("Ander bedrag in euro")).to_have_attribute("aria-invalid", "true")
    assert not VoucherSale.objects.exists()
    fits(page, "voucher-phone-2-error.png")
    page.get_by_label("€ 25,00").check()
    page.get_by_role("button", name="Betalen met iDEAL").click()
    # Back from the bank before it answered: the page waits, and asks again by itself.
    page.wait_for_url(re.compile(r".*/kaarten/cadeaubon/[\w-]+/$"))
    expect(page.get_by_role("heading", name="We controleren je betaling")).to_be_in_viewport()
    fits(page, "voucher-phone-3-checking.png")
    assert not GiftVoucher.objects.exists()
    mollie.answer("GET", MOLLIE, "payment_paid.json", amount=AMOUNT)  # the bank says yes
    expect(page.get_by_role("heading", name="Je cadeaubon")).to_be_visible(timeout=15_000)
    voucher = GiftVoucher.objects.get()
    code = code_display(voucher.code)
    expect(page.locator("#voucher-code")).to_have_text(code)
    expect(page.locator(".voucher-card")).to_contain_text("€ 25,00")
    expect(page.locator(".voucher-card")).to_contain_text("voor Opa Jan")
    expect(page.get_by_role("status")).to_contain_text("gemaild naar gea@example.nl")
    fits(page, "voucher-phone-4-paid.png")
    f.worker_turn()
    mail = OutboxMessage.objects.get(to_address="gea@example.nl")
    assert code in mail.text_body
    assert [a.filename for a in mail.attachments.all()] == ["cadeaubon.pdf"]

    # The code pays an order in the shop.
    order = f.checked_out(f.show(seat_map="2x4"))  # two tickets of 12,50
    page.goto(f"{live_server.url}/kaarten/bestelling/{order.token}/")
    page.get_by_label("Cadeaubon of kortingscode").fill(code.lower().replace("-", " "))
    page.get_by_role("button", name="Code gebruiken").click()
    expect(page.get_by_role("heading", name="Je kaartjes")).to_be_visible()
    fits(page, "voucher-phone-5-spent.png")
    assert Order.objects.get(pk=order.pk).status == Order.Status.PAID
    voucher.refresh_from_db()
    assert voucher.balance_cents == 0
