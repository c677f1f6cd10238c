"""A late iDEAL payment for an order that expired: partly paid by a gift voucher, the voucher's part
went back when the order expired, so the iDEAL amount no longer pays the tickets. It is refunded
(never tickets for less than their price, never a voucher spent twice); a late payment that does
pay the whole order still takes its seats again."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kolk.boxoffice.models import GiftVoucher, Order, Payment, ShowSeat, ShowStats
from kolk.boxoffice.services import payments
from kolk.boxoffice.services.payments import mollie_refunds_due, payment_start
from kolk.boxoffice.services.selling import orders_expire
from kolk.boxoffice.services.vouchers import voucher_issue, voucher_spend
from kolk.core.clock import now
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay

pytestmark = pytest.mark.django_db
MOLLIE = "/v2/payments/tr_7UhSN1zuXS"


@pytest.fixture
def mollie(monkeypatch) -> MollieReplay:
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("POST", "/v2/payments", "payment_created.json", status=201)
    replay.answer("POST", f"{MOLLIE}/refunds", "refund_created.json", status=201)
    return replay


def voucher_part_order(mollie: MollieReplay) -> tuple[Order, GiftVoucher]:
    """Two seats at € 12,50: € 10,00 by a gift voucher, € 15,00 by iDEAL, started and left open."""
    show = f.show(seat_map="1x4", theatre=True)
    voucher = voucher_issue(value_cents=1000, actor=None)
    order, paid = voucher_spend(order=f.checked_out(show, quantity=2), code=voucher.code, actor=None)
    assert (paid, order.total_cents) == (1000, 1500)
    payment_start(order=order, method=Order.Method.IDEAL, actor=None)
    return order, voucher


def late(mollie: MollieReplay, value: str) -> str:
    mollie.answer("GET", MOLLIE, "payment_paid.json", amount={"value": value, "currency": "EUR"})
    return payments.mollie_webhook(payment_id="tr_7UhSN1zuXS")


def expire() -> None:
    assert orders_expire(at=now() + dt.timedelta(hours=1)) == 1


def test_a_late_ideal_payment_after_the_voucher_part_went_back_is_refunded(mollie):
    order, voucher = voucher_part_order(mollie)
    expire()
    voucher.refresh_from_db()
    order.refresh_from_db()
    assert voucher.balance_cents == 1000  # the voucher's part went back with the expired order
    assert (order.status, order.total_cents) == (Order.Status.EXPIRED, 2500)

    assert late(mollie, "15.00") == "refund_due"
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert order.status == Order.Status.EXPIRED  # no tickets for € 15,00 of € 25,00
    assert voucher.balance_cents == 1000  # and the voucher not spent a second time
    assert ShowSeat.objects.filter(show=order.show, status=ShowSeat.Status.AVAILABLE).count() == 4
    assert not ShowStats.objects.filter(show=order.show).exists()
    ideal = Payment.objects.get(order=order, method=Order.Method.IDEAL)
    assert ideal.status == Payment.Status.REFUND_DUE
    # The periodic job pays it back through Mollie, for what was paid.
    assert mollie_refunds_due() == 1
    ideal.refresh_from_db()
    assert ideal.status == Payment.Status.REFUNDED
    refund = [r for r in mollie.requests if r.url.endswith("/refunds")]
    assert len(refund) == 1
    assert json.loads(refund[0].body)["amount"] == {"currency": "EUR", "value": "15.00"}
    assert late(mollie, "15.00") == "refunded"  # Mollie calls again: nothing more happens


def test_a_voucher_spent_elsewhere_meanwhile_stays_spent_once(mollie):
    order, voucher = voucher_part_order(mollie)
    expire()
    other = f.checked_out(f.show(seat_map="1x4"), quantity=1)
    voucher_spend(order=other, code=voucher.code, actor=None)  # spends the whole € 10,00 again
    assert late(mollie, "15.00") == "refund_due"
    voucher.refresh_from_db()
    order.refresh_from_db()
    assert voucher.balance_cents == 0
    assert order.status == Order.Status.EXPIRED
    assert sum(voucher.uses.values_list("amount_cents", flat=True)) == 1000  # spent on the other order only


def test_a_late_payment_of_the_whole_order_still_takes_its_seats_again(mollie):
    order = f.checked_out(f.show(seat_map="1x4", theatre=True), quantity=2)
    payment_start(order=order, method=Order.Method.IDEAL, actor=None)
    expire()
    assert late(mollie, "25.00") == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert ShowSeat.objects.filter(order=order, status=ShowSeat.Status.SOLD).count() == 2
