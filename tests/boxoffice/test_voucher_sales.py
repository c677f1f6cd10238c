"""Gift vouchers bought online: the voucher exists only once Mollie says paid, exactly once however often
the webhook comes; a failed payment writes none; bad input writes nothing; the buyer gets the voucher by
mail with a PDF; an unpaid sale goes by retention. Mollie's answers are replayed."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import GiftVoucher, Order, VoucherSale
from kolk.boxoffice.services import payments
from kolk.boxoffice.services.voucher_sales import (
    voucher_sale_create,
    voucher_sale_pay,
    voucher_sale_state,
    voucher_sale_webhook,
)
from kolk.boxoffice.services.vouchers import voucher_spend
from kolk.comms.models import OutboxMessage
from kolk.core.clock import today
from kolk.privacy.retention import retention_run
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay

pytestmark = pytest.mark.django_db
AMOUNT = {"value": "25.00", "currency": "EUR"}
PAYMENT = "tr_7UhSN1zuXS"
MOLLIE = f"/v2/payments/{PAYMENT}"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the waiting page asks Mollie at most once per few seconds per sale


@pytest.fixture
def replay(monkeypatch):
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=AMOUNT)
    replay.answer("GET", MOLLIE, "payment_created.json", amount=AMOUNT)  # open: the buyer is at the bank
    return replay


def mollie_says(replay: MollieReplay, status: str, amount=AMOUNT) -> None:
    replay.answer("GET", MOLLIE, "payment_expired.json", amount=amount, id=PAYMENT)
    replay.routes[("GET", MOLLIE)][1]["status"] = status


def started(replay: MollieReplay, cents: int = 2500, **buyer) -> VoucherSale:
    sale = voucher_sale_create(
        value_cents=cents,
        buyer_name=buyer.get("buyer_name", "Gea Gast"),
        buyer_email=buyer.get("buyer_email", "gea@example.nl"),
        recipient_name=buyer.get("recipient_name", "Opa Jan"),
        message=buyer.get("message", "Veel plezier!"),
        actor=None,
    )
    start = voucher_sale_pay(
        sale=sale,
        return_url="https://kolk.example/kaarten/cadeaubon/x/",
        webhook_url="https://kolk.example/api/v1/boxoffice/payments/mollie/webhook",
        actor=None,
    )
    assert start.redirect_url.startswith("https://www.mollie.com/checkout/")
    return start.sale


def test_starting_writes_the_sale_and_asks_mollie_for_ideal_naming_the_sale(replay):
    sale = started(replay)
    sent = json.loads(replay.requests[0].body)
    assert sent["amount"] == AMOUNT
    assert sent["method"] == "ideal"
    assert sent["metadata"] == {"voucher_sale": sale.pk}
    assert sent["webhookUrl"].endswith("/api/v1/boxoffice/payments/mollie/webhook")
    assert (sale.status, sale.provider_ref, sale.voucher_id) == (VoucherSale.Status.PENDING, PAYMENT, None)
    assert not GiftVoucher.objects.exists()
    assert voucher_sale_state(sale=sale) == "checking"


def test_paid_issues_the_voucher_once_even_when_the_webhook_comes_twice(replay):
    sale = started(replay)
    mollie_says(replay, "paid")
    assert voucher_sale_webhook(payment_id=PAYMENT) == "paid"
    assert voucher_sale_webhook(payment_id=PAYMENT) == "paid"
    voucher = GiftVoucher.objects.get()
    sale.refresh_from_db()
    assert sale.voucher == voucher
    assert sale.status == VoucherSale.Status.PAID
    assert sale.paid_at
    assert (voucher.value_cents, voucher.balance_cents) == (2500, 2500)
    assert (voucher.channel, voucher.method) == (GiftVoucher.Channel.ONLINE, Order.Method.IDEAL)
    assert (voucher.buyer_name, voucher.buyer_email) == ("Gea Gast", "gea@example.nl")
    assert voucher_sale_state(sale=sale) == "paid"


@pytest.mark.parametrize("status", ["failed", "canceled", "expired"])
def test_a_payment_that_fails_writes_no_voucher_and_says_so(replay, status):
    sale = started(replay)
    mollie_says(replay, status)
    assert voucher_sale_webhook(payment_id=PAYMENT) == "failed"
    sale.refresh_from_db()
    assert sale.status == VoucherSale.Status.FAILED
    assert voucher_sale_state(sale=sale) == "failed"
    assert not GiftVoucher.objects.exists()
    # Mollie cannot change its mind afterwards into a voucher.
    mollie_says(replay, "paid")
    assert voucher_sale_webhook(payment_id=PAYMENT) == "failed"
    assert not GiftVoucher.objects.exists()


def test_an_open_payment_leaves_the_sale_waiting(replay):
    sale = started(replay)
    assert voucher_sale_webhook(payment_id=PAYMENT) == "open"
    sale.refresh_from_db()
    assert sale.status == VoucherSale.Status.PENDING


def test_paid_with_another_amount_issues_nothing(replay):
    started(replay)
    mollie_says(replay, "paid", amount={"value": "0.01", "currency": "EUR"})
    assert voucher_sale_webhook(payment_id=PAYMENT) == "mismatch"
    assert not GiftVoucher.objects.exists()


@pytest.mark.parametrize("payment_id", ["tr_unknown1", "tr_\x00", "nothing", "tr_" + "a" * 80])
def test_an_id_that_is_no_sale_of_ours_is_unknown_without_asking_mollie(replay, payment_id):
    assert voucher_sale_webhook(payment_id=payment_id) == "unknown"
    assert replay.requests == []


def test_the_shops_webhook_hands_a_voucher_sales_payment_to_the_voucher_sale(client, replay):
    started(replay)
    mollie_says(replay, "paid")
    answer = client.post("/api/v1/boxoffice/payments/mollie/webhook", {"id": PAYMENT})
    assert answer.status_code == 200
    assert answer.json() == {"result": "paid"}
    again = client.post("/api/v1/boxoffice/payments/mollie/webhook", {"id": PAYMENT})
    assert again.json() == {"result": "paid"}
    assert GiftVoucher.objects.count() == 1
    assert client.post("/api/v1/boxoffice/payments/mollie/webhook", {"id": "tr_nobody"}).json() == {"result": "unknown"}


def test_the_buyer_gets_the_voucher_by_mail_with_a_pdf_in_dutch_notation(replay):
    sale = started(replay)
    mollie_says(replay, "paid")
    voucher_sale_webhook(payment_id=PAYMENT)
    f.worker_turn()
    f.worker_turn()  # a second turn sends nothing more
    mail = OutboxMessage.objects.get()
    voucher = GiftVoucher.objects.get()
    assert mail.to_address == "gea@example.nl"
    assert "€ 25,00" in mail.subject.replace("\xa0", " ")
    body = mail.text_body.replace("\xa0", " ")
    assert code_display(voucher.code) in body
    months = [
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ]
    local = voucher.expires_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert f"Geldig tot {local.day} {months[local.month - 1]} {local.year}." in body
    assert "Voor Opa Jan" in body
    sale.refresh_from_db()
    names = [a.filename for a in mail.attachments.all()]
    assert names == ["cadeaubon.pdf"]
    assert bytes(mail.attachments.get().content)[:5] == b"%PDF-"


def test_the_voucher_bought_online_pays_an_order(replay):
    started(replay)
    mollie_says(replay, "paid")
    voucher_sale_webhook(payment_id=PAYMENT)
    voucher = GiftVoucher.objects.get()
    order = f.checked_out(f.show(seat_map="2x4"))  # two tickets of 12,50
    order, amount = voucher_spend(order=order, code=code_display(voucher.code).lower(), actor=None)
    assert (amount, order.status) == (2500, Order.Status.PAID)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"cents": 499}, "value"),
        ({"cents": 100_001}, "value"),
        ({"buyer_name": "  "}, "buyer_name"),
        ({"buyer_email": "geen-adres"}, "buyer_email"),
        ({"buyer_name": "Gea\x00Gast"}, "buyer_name"),
        ({"message": "Veel\u202eplezier"}, "message"),
        ({"recipient_name": "x" * 101}, "recipient_name"),
    ],
)
def test_bad_input_is_refused_at_its_field_and_nothing_is_written(replay, changes, field):
    args = {
        "value_cents": changes.pop("cents", 2500),
        "buyer_name": "Gea Gast",
        "buyer_email": "gea@example.nl",
        **changes,
    }
    with pytest.raises(ValidationError) as refused:
        voucher_sale_create(**args, actor=None)
    assert field in refused.value.message_dict
    assert not VoucherSale.objects.exists()
    assert replay.requests == []


def test_an_unpaid_sale_goes_a_week_later_a_paid_one_keeps_its_voucher(replay):
    unpaid = started(replay)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201, amount=AMOUNT, id="tr_paidpaid")
    paid = started(replay)
    assert paid.provider_ref == "tr_paidpaid"
    replay.answer("GET", "/v2/payments/tr_paidpaid", "payment_paid.json", amount=AMOUNT, id="tr_paidpaid")
    assert voucher_sale_webhook(payment_id="tr_paidpaid") == "paid"
    retention_run(actor=None, on=today() + dt.timedelta(days=6))
    assert VoucherSale.objects.count() == 2
    retention_run(actor=None, on=today() + dt.timedelta(days=8))
    assert list(VoucherSale.objects.values_list("pk", flat=True)) == [paid.pk]
    assert not VoucherSale.objects.filter(pk=unpaid.pk).exists()
    # A year past the voucher's end its buyer, recipient and message go; the voucher stays for the fiscal duty.
    voucher = GiftVoucher.objects.get()
    retention_run(actor=None, on=voucher.expires_at.date() + dt.timedelta(days=367))
    paid.refresh_from_db()
    assert (paid.buyer_name, paid.buyer_email, paid.recipient_name, paid.message) == ("", "", "", "")
    assert paid.anonymised
