"""Paying an invoice online by iDEAL (Mollie), from the member's portal.

`invoice_pay_online` asks Mollie for a payment of what is still open on the
invoice and records it (OnlinePayment), so that only a payment kolk started, for
the amount it asked, can be booked. Mollie's webhook, and the member's return
page, call `online_payment_update`: it asks Mollie for the status (never trusting
the call itself) and books a paid payment against the invoice with Mollie's id as
its reference, once, under the online payment's row lock: two deliveries at once
book one payment. The invoice is settled by the booking (billing's payment_record).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from mollie.api.error import Error as MollieError
from mollie.api.objects.payment import Payment as MolliePayment

from kolk.billing.models import Invoice, OnlinePayment, Payment
from kolk.billing.mollie import MOLLIE_ID, mollie_amount, mollie_client
from kolk.billing.services.invoices import record_payment
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log

UNKNOWN, MISMATCH = "unknown", "mismatch"
CHECKOUT_VALID = dt.timedelta(minutes=15)  # how long Mollie's iDEAL checkout stays open


def _unpaid(invoice: Invoice) -> int:
    paid = Payment.objects.filter(invoice=invoice).aggregate(total=Sum("amount_cents"))["total"] or 0
    return max(invoice.total_cents - paid, 0)


def invoice_pay_online(*, invoice: Invoice, return_url: str, webhook_url: str, actor: Actor) -> OnlinePayment:
    """Start an iDEAL payment of what is open on `invoice`; the member goes to its `checkout_url`.

    Mollie sends the member back to `return_url` (the invoice's payment page, which
    shows its latest online payment) and calls `webhook_url` when the status changes.
    """
    if invoice.status != Invoice.Status.OPEN:
        raise KolkError(_("Deze factuur staat niet meer open."), code="not_open")
    amount = _unpaid(invoice)
    if amount <= 0:
        raise KolkError(_("Op deze factuur staat niets meer open."), code="nothing_open")
    # Betalen again while a payment still waits at Mollie: back to that checkout, never a second payment.
    waiting = (
        invoice.online_payments.filter(
            status=OnlinePayment.Status.OPEN, amount_cents=amount, created_at__gte=now() - CHECKOUT_VALID
        )
        .exclude(checkout_url="")
        .order_by("-pk")
        .first()
    )
    if waiting is not None:
        return waiting
    attempt = invoice.online_payments.count() + 1
    try:
        remote = mollie_client().payments.create(
            {
                "amount": mollie_amount(amount),
                "description": f"DNK factuur {invoice.number}",  # on the member's bank statement
                "redirectUrl": return_url,
                "webhookUrl": webhook_url,
                "method": "ideal",
                "metadata": {"invoice": invoice.pk},
            },
            idempotency_key=f"kolk-invoice-{invoice.pk}-{attempt}",
        )
    except MollieError as exc:
        raise KolkError(_("De betaling kon niet worden gestart; probeer het zo opnieuw."), code="provider") from exc
    with transaction.atomic():
        online = OnlinePayment.objects.create(
            invoice=invoice,
            provider_ref=str(remote.id),
            amount_cents=amount,
            checkout_url=str(remote.checkout_url or "")[:500],
            created_at=now(),
        )
        audit_log(
            actor=actor,
            action="payment.online_started",
            subject=invoice.person,
            details={"invoice": invoice.pk, "online_payment": online.pk},
        )
    return online


def online_payment_update(*, payment_id: str) -> str:
    """Mollie says a payment changed: ask Mollie for its status and act on it, idempotently.

    Returns what happened: paid, failed, open, refund_due, or "unknown" (not a payment kolk
    started; one that cannot be a Mollie id is so without a query) or "mismatch" (Mollie
    says paid, for another amount than asked): those two book nothing.
    """
    if MOLLIE_ID.fullmatch(payment_id) is None:
        return UNKNOWN
    online = OnlinePayment.objects.filter(provider_ref=payment_id).first()
    if online is None:
        return UNKNOWN
    if online.status != OnlinePayment.Status.OPEN:
        return str(online.status)
    try:
        remote = mollie_client().payments.get(payment_id)
    except MollieError as exc:
        raise KolkError(_("Mollie is nu niet bereikbaar; probeer het zo opnieuw."), code="provider") from exc
    with transaction.atomic():
        online = OnlinePayment.objects.select_for_update().select_related("invoice__person").get(pk=online.pk)
        if online.status != OnlinePayment.Status.OPEN:  # another delivery booked it meanwhile
            return str(online.status)
        status = str(remote.status)
        if status == MolliePayment.STATUS_PAID:
            if remote.amount != mollie_amount(online.amount_cents):
                audit_log(
                    actor=None,
                    action="payment.mismatch",
                    subject=online.invoice.person,
                    details={"online_payment": online.pk},
                )
                return MISMATCH
            online.status = _book(online)
        elif status in (MolliePayment.STATUS_FAILED, MolliePayment.STATUS_CANCELED, MolliePayment.STATUS_EXPIRED):
            online.status = OnlinePayment.Status.FAILED
        else:
            return str(OnlinePayment.Status.OPEN)
        online.settled_at = now()
        online.save(update_fields=["status", "settled_at"])
        audit_log(
            actor=None,
            action="payment.online_updated",
            subject=online.invoice.person,
            details={"online_payment": online.pk, "status": str(online.status)},
        )
        return str(online.status)


def _book(online: OnlinePayment) -> str:
    """Book the paid amount on the invoice with Mollie's id; an invoice no longer open is owed it back."""
    # The invoice's row, locked as payment_record locks it: a desk payment meanwhile is seen here.
    still_open = Invoice.objects.select_for_update().filter(pk=online.invoice_id, status=Invoice.Status.OPEN)
    if not list(still_open.values_list("pk", flat=True)):
        return str(OnlinePayment.Status.REFUND_DUE)  # paid at the desk or cancelled meanwhile
    try:
        with transaction.atomic():
            record_payment(
                invoice=online.invoice,
                amount_cents=online.amount_cents,
                method=Payment.Method.IDEAL,
                reference=online.provider_ref,
                actor=None,
            )
    except KolkError:  # cancelled meanwhile: the money goes back (the office refunds it)
        return str(OnlinePayment.Status.REFUND_DUE)
    return str(OnlinePayment.Status.PAID)
