"""Where a buyer's online payment stands, for the page they wait on after iDEAL: paid, being
checked, failed (pay again or choose other seats), too late (refunded) or expired.

While the latest iDEAL payment is open, Mollie is asked the way the webhook asks
(kolk.boxoffice.services.payments.mollie_webhook: its answer, never the caller's word),
so the page moves on even when Mollie's call to kolk is late or cannot reach it. Mollie
is asked at most once per CHECK_SECONDS per payment, however many pages wait on it.
"""

from __future__ import annotations

import contextlib

from django.core.cache import cache
from mollie.api.error import Error as MollieError

from kolk.boxoffice.models import Order, Payment
from kolk.boxoffice.services.payments import mollie_webhook
from kolk.core.errors import KolkError

CHECK_SECONDS = 3

PAID, CHECKING, FAILED, REFUND, EXPIRED = "paid", "checking", "failed", "refund", "expired"


def _ask_mollie(payment: Payment) -> None:
    if not cache.add(f"kolk.shop.payment-check.{payment.pk}", 1, timeout=CHECK_SECONDS):
        return  # asked a moment ago, for this page or another
    # Mollie did not answer: still being checked, the next look asks again.
    with contextlib.suppress(MollieError, KolkError):
        mollie_webhook(payment_id=payment.provider_ref)


def order_payment_state(*, order: Order) -> str:
    """paid, checking (an iDEAL payment still open), failed (none open: pay again or choose
    other seats), refund (paid after the places were gone) or expired (the places went back)."""
    if order.status == Order.Status.PAID:
        return PAID
    payment = Payment.objects.filter(order=order, method=Order.Method.IDEAL).order_by("-pk").first()
    if payment is not None and payment.status == Payment.Status.OPEN:
        _ask_mollie(payment)
        payment.refresh_from_db(fields=["status"])
        order.refresh_from_db(fields=["status", "expires_at", "paid_at", "method"])
    if order.status == Order.Status.PAID:
        return PAID
    if payment is not None and payment.status in (Payment.Status.REFUND_DUE, Payment.Status.REFUNDED):
        return REFUND
    if payment is not None and payment.status == Payment.Status.OPEN:
        return CHECKING  # even past the order's time: a late payment takes its places again if they are free
    if order.status != Order.Status.PENDING_PAYMENT:
        return EXPIRED
    return FAILED
