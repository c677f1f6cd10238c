"""Invoices paid by iDEAL (Mollie) from the portal, against Mollie's recorded answers (no network):
the payment asks what is open, the webhook books it once against the invoice with Mollie's id,
an unknown id or another amount books nothing."""

from __future__ import annotations

import json

import pytest

from kolk.billing.models import Invoice, OnlinePayment, Payment
from kolk.billing.services import invoice_cancel, invoice_pay_online, online_payment_update, payment_record
from kolk.core.errors import KolkError
from kolk.privacy.models import AuditEntry
from tests.billing.factories import make_invoice
from tests.billing.mollie import PAYMENT, answer_created, answer_status, replay

pytestmark = pytest.mark.django_db

RETURN = "http://testserver/mijn/facturen/1/betaling"
HOOK = "http://127.0.0.1:8000/api/v1/billing/payments/mollie/webhook"


@pytest.fixture
def mollie(monkeypatch):
    return replay(monkeypatch)


def _started(mollie, invoice: Invoice, cents: int) -> OnlinePayment:
    answer_created(mollie, cents)
    return invoice_pay_online(invoice=invoice, return_url=RETURN, webhook_url=HOOK, actor=None)


def test_paying_asks_mollie_for_what_is_open_and_records_it(mollie):
    invoice = make_invoice(cents=4950)
    payment_record(invoice=invoice, amount_cents=950, method="cash", reference="KAS-1", actor=None)
    online = _started(mollie, invoice, 4000)
    sent = json.loads(mollie.requests[-1].body)
    assert sent["amount"] == {"currency": "EUR", "value": "40.00"}
    assert (sent["method"], sent["redirectUrl"], sent["webhookUrl"]) == ("ideal", RETURN, HOOK)
    assert sent["metadata"] == {"invoice": invoice.pk}
    assert sent["description"] == f"DNK factuur {invoice.number}"
    assert (online.provider_ref, online.amount_cents, online.status) == (PAYMENT, 4000, "open")
    assert online.checkout_url.startswith("https://www.mollie.com/checkout/")
    assert AuditEntry.objects.filter(action="payment.online_started").exists()


def test_the_webhook_books_the_payment_once_and_the_invoice_is_paid(mollie):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    answer_status(mollie, "payment_paid.json", 4950)
    assert online_payment_update(payment_id=PAYMENT) == "paid"
    asked = len(mollie.requests)
    assert online_payment_update(payment_id=PAYMENT) == "paid"  # Mollie calls again: nothing new
    assert len(mollie.requests) == asked  # and kolk did not even ask Mollie
    (payment,) = Payment.objects.filter(invoice=invoice)
    assert (payment.reference, payment.method, payment.amount_cents) == (PAYMENT, "ideal", 4950)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.settled_at is not None
    assert OnlinePayment.objects.get().status == "paid"


def test_another_amount_is_refused_and_books_nothing(mollie):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    answer_status(mollie, "payment_paid.json", 100)
    assert online_payment_update(payment_id=PAYMENT) == "mismatch"
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN
    assert OnlinePayment.objects.get().status == "open"
    assert AuditEntry.objects.filter(action="payment.mismatch").exists()


@pytest.mark.parametrize("payment_id", ["tr_Unknown123", "tr_\x00", "tr_ 1", "x" * 500, ""])
def test_an_id_kolk_did_not_start_is_refused_without_asking_mollie(mollie, payment_id):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    asked = len(mollie.requests)
    assert online_payment_update(payment_id=payment_id) == "unknown"
    assert len(mollie.requests) == asked
    assert not Payment.objects.exists()


def test_an_expired_payment_fails_and_the_invoice_stays_open_to_pay_again(mollie):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    answer_status(mollie, "payment_expired.json", 4950)
    assert online_payment_update(payment_id=PAYMENT) == "failed"
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.OPEN
    mollie.answer("POST", "/v2/payments", "payment_created.json", status=201, id="tr_Second1")
    again = invoice_pay_online(invoice=invoice, return_url=RETURN, webhook_url=HOOK, actor=None)
    assert again.provider_ref == "tr_Second1"
    assert mollie.requests[-1].headers["Idempotency-Key"] == f"kolk-invoice-{invoice.pk}-2"


def test_still_open_at_mollie_books_nothing_yet(mollie):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    mollie.answer(
        "GET", f"/v2/payments/{PAYMENT}", "payment_created.json", amount={"currency": "EUR", "value": "49.50"}
    )
    assert online_payment_update(payment_id=PAYMENT) == "open"
    assert not Payment.objects.exists()


def test_paid_for_an_invoice_cancelled_meanwhile_is_owed_back(mollie):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    invoice_cancel(invoice=invoice, actor=None)
    answer_status(mollie, "payment_paid.json", 4950)
    assert online_payment_update(payment_id=PAYMENT) == "refund_due"
    assert not Payment.objects.exists()


def test_a_paid_or_cancelled_invoice_is_not_paid_again(mollie):
    invoice = make_invoice(cents=4950)
    payment_record(invoice=invoice, amount_cents=4950, method="cash", reference="KAS-2", actor=None)
    with pytest.raises(KolkError) as refused:
        invoice_pay_online(invoice=Invoice.objects.get(pk=invoice.pk), return_url=RETURN, webhook_url=HOOK, actor=None)
    assert refused.value.code == "not_open"
    assert mollie.requests == []


def test_mollie_unreachable_says_so_and_records_nothing():
    invoice = make_invoice(cents=4950)  # no recorded answer: Mollie answers 404 (tests/conftest.py)
    with pytest.raises(KolkError) as refused:
        invoice_pay_online(invoice=invoice, return_url=RETURN, webhook_url=HOOK, actor=None)
    assert refused.value.code == "provider"
    assert not OnlinePayment.objects.exists()


def test_the_webhook_endpoint_answers_mollie(client, mollie):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    answer_status(mollie, "payment_paid.json", 4950)
    url = "/api/v1/billing/payments/mollie/webhook"
    assert client.post(url, {"id": PAYMENT}).json() == {"result": "paid"}
    assert client.post(url, {"id": PAYMENT}).json() == {"result": "paid"}
    assert client.post(url, {"id": "tr_Nothing"}).json() == {"result": "unknown"}
    assert client.post(url, {"id": "tr_\x00"}).status_code == 400
    assert Payment.objects.count() == 1


def test_betalen_again_while_mollie_waits_goes_back_to_the_same_checkout(mollie):
    invoice = make_invoice(cents=4950)
    first = _started(mollie, invoice, 4950)
    asked = len(mollie.requests)
    again = invoice_pay_online(invoice=invoice, return_url=RETURN, webhook_url=HOOK, actor=None)
    assert again == first
    assert len(mollie.requests) == asked
    assert OnlinePayment.objects.count() == 1


def test_paid_by_ideal_after_the_desk_took_the_money_is_owed_back_not_booked_twice(mollie):
    invoice = make_invoice(cents=4950)
    _started(mollie, invoice, 4950)
    payment_record(invoice=invoice, amount_cents=4950, method="cash", reference="KAS-3", actor=None)
    answer_status(mollie, "payment_paid.json", 4950)
    assert online_payment_update(payment_id=PAYMENT) == "refund_due"
    assert list(Payment.objects.values_list("reference", flat=True)) == ["KAS-3"]
