"""Gift vouchers (cadeaubonnen) bought online: the buyer's order, its iDEAL payment, and the voucher once paid.

A `VoucherSale` is started with the buyer's data and a Mollie payment; Mollie's
webhook (the shop's, kolk.api.boxoffice) then asks Mollie for the status, never
trusting the call, and a paid sale issues its GiftVoucher exactly once: the sale's
row is locked and moves from pending to paid in one conditional UPDATE, so a second
webhook, or two web processes at the same moment, find it paid and issue nothing.
A failed, cancelled or expired payment issues no voucher; the sale says so, and
retention removes it a week later (rule `voucher_unpaid`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from mollie.api.error import Error as MollieError
from mollie.api.objects.payment import Payment as MolliePayment

from kolk.billing import mollie
from kolk.boxoffice.codes import order_token
from kolk.boxoffice.models import GiftVoucher, Order, VoucherSale
from kolk.boxoffice.services.payments import mollie_client
from kolk.boxoffice.services.vouchers import MAX_VOUCHER_CENTS, voucher_issue
from kolk.boxoffice.voucher_mail import voucher_mail_later
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.money import euros
from kolk.core.validators import no_control_characters
from kolk.privacy.audit import audit_log

MIN_ONLINE_CENTS = 500  # less is not worth an iDEAL payment
AMOUNTS = (1000, 2500, 5000)  # the values offered in the shop; any other within the limits may be typed
CHECK_SECONDS = 3  # the waiting page asks Mollie at most this often per sale

PAID, CHECKING, FAILED = "paid", "checking", "failed"


@dataclass(frozen=True)
class VoucherSaleStart:
    sale: VoucherSale
    redirect_url: str  # Mollie's checkout


def value_error(value_cents: int) -> str | None:
    """The message for a value the shop does not sell, or None."""
    if MIN_ONLINE_CENTS <= value_cents <= MAX_VOUCHER_CENTS:
        return None
    return _("Kies een bedrag van %(min)s tot %(max)s.") % {
        "min": euros(MIN_ONLINE_CENTS, nbsp=True),
        "max": euros(MAX_VOUCHER_CENTS, nbsp=True),
    }


def _clean(value: str, field: str, max_length: int, errors: dict[str, list[str]]) -> str:
    value = " ".join(value.split())
    try:
        no_control_characters(value)
    except ValidationError as exc:
        errors.setdefault(field, []).extend(exc.messages)
    if len(value) > max_length:
        errors.setdefault(field, []).append(_("Gebruik hoogstens %(n)s tekens.") % {"n": max_length})
    return value


@transaction.atomic
def voucher_sale_create(
    *,
    value_cents: int,
    buyer_name: str,
    buyer_email: str,
    recipient_name: str = "",
    message: str = "",
    language: str = "nl",
    actor: Actor,
) -> VoucherSale:
    """Write a buyer's order of a gift voucher, to be paid; no voucher exists yet (T08)."""
    errors: dict[str, list[str]] = {}
    if (problem := value_error(value_cents)) is not None:
        errors["value"] = [problem]
    buyer_name = _clean(buyer_name, "buyer_name", 200, errors)
    if not buyer_name and "buyer_name" not in errors:
        errors["buyer_name"] = [_("Vul je naam in.")]
    buyer_email = buyer_email.strip()
    try:
        validate_email(buyer_email)
    except ValidationError:
        errors["buyer_email"] = [_("Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.")]
    recipient_name = _clean(recipient_name, "recipient_name", 100, errors)
    message = _clean(message, "message", 300, errors)
    if errors:
        raise ValidationError(errors)
    sale = VoucherSale.objects.create(
        token=order_token(),  # the same shape of secret as a guest's order
        value_cents=value_cents,
        buyer_name=buyer_name,
        buyer_email=buyer_email,
        recipient_name=recipient_name,
        message=message,
        language=language[:8] or "nl",
        created_at=now(),
    )
    audit_log(actor=actor, action="voucher_sale.created", details={"sale": sale.pk, "value_cents": value_cents})
    return sale


def voucher_sale_pay(*, sale: VoucherSale, return_url: str, webhook_url: str, actor: Actor) -> VoucherSaleStart:
    """Start the sale's iDEAL payment at Mollie; returns where the buyer goes to pay."""
    if sale.status != VoucherSale.Status.PENDING or sale.provider_ref:
        raise KolkError(_("Deze cadeaubon is al betaald of de betaling loopt al."), code="not_payable")
    try:
        remote = mollie_client().payments.create(
            {
                "amount": mollie.mollie_amount(sale.value_cents),
                "description": f"DNK cadeaubon {sale.pk}",
                "redirectUrl": return_url,
                "webhookUrl": webhook_url,
                "method": "ideal",
                "metadata": {"voucher_sale": sale.pk},
            },
            idempotency_key=f"kolk-voucher-sale-{sale.pk}",
        )
    except MollieError as exc:
        raise KolkError(_("De betaling kon niet worden gestart; probeer het zo opnieuw."), code="provider") from exc
    with transaction.atomic():
        VoucherSale.objects.filter(pk=sale.pk, status=VoucherSale.Status.PENDING, provider_ref="").update(
            provider_ref=str(remote.id)
        )
        audit_log(actor=actor, action="voucher_sale.payment_started", details={"sale": sale.pk})
    sale.refresh_from_db()
    return VoucherSaleStart(sale=sale, redirect_url=str(remote.checkout_url or ""))


def voucher_sale_webhook(*, payment_id: str) -> str:
    """Mollie says a voucher sale's payment changed: ask Mollie, and issue the voucher once when paid.

    Returns paid, failed, open, mismatch or unknown (no sale of ours has this payment).
    """
    if mollie.MOLLIE_ID.fullmatch(payment_id) is None:
        return "unknown"
    sale = VoucherSale.objects.filter(provider_ref=payment_id).first()
    if sale is None:
        return "unknown"
    if sale.status != VoucherSale.Status.PENDING:
        return str(sale.status)
    remote = mollie_client().payments.get(payment_id)
    status = str(remote.status)
    with transaction.atomic():
        sale = VoucherSale.objects.select_for_update().get(pk=sale.pk)
        if sale.status != VoucherSale.Status.PENDING:  # another call was first
            return str(sale.status)
        if status == MolliePayment.STATUS_PAID:
            if remote.amount != mollie.mollie_amount(sale.value_cents):
                audit_log(actor=None, action="voucher_sale.mismatch", details={"sale": sale.pk})
                return "mismatch"
            # The row lock serialises callers on PostgreSQL; the condition makes it once anywhere.
            if not VoucherSale.objects.filter(pk=sale.pk, status=VoucherSale.Status.PENDING).update(
                status=VoucherSale.Status.PAID, paid_at=now()
            ):
                return PAID
            voucher = voucher_issue(
                value_cents=sale.value_cents,
                actor=None,
                method=Order.Method.IDEAL,
                channel=GiftVoucher.Channel.ONLINE,
                buyer_name=sale.buyer_name,
                buyer_email=sale.buyer_email,
            )
            VoucherSale.objects.filter(pk=sale.pk).update(voucher=voucher)
            voucher_mail_later(sale_id=sale.pk, language=sale.language)
            result = PAID
        elif status in (MolliePayment.STATUS_FAILED, MolliePayment.STATUS_CANCELED, MolliePayment.STATUS_EXPIRED):
            VoucherSale.objects.filter(pk=sale.pk).update(status=VoucherSale.Status.FAILED)
            result = FAILED
        else:
            return "open"
        audit_log(actor=None, action="voucher_sale.updated", details={"sale": sale.pk, "status": result})
        return result


def voucher_sale_state(*, sale: VoucherSale) -> str:
    """paid, checking (the payment still open) or failed, for the page the buyer waits on.

    While the payment is open Mollie is asked as the webhook asks, at most once per
    CHECK_SECONDS per sale, so the page moves on even when Mollie's call is late.
    """
    if sale.status == VoucherSale.Status.PENDING and sale.provider_ref:
        if cache.add(f"kolk.shop.voucher-check.{sale.pk}", 1, timeout=CHECK_SECONDS):
            with contextlib.suppress(MollieError, KolkError):
                voucher_sale_webhook(payment_id=sale.provider_ref)
        sale.refresh_from_db()
    if sale.status == VoucherSale.Status.PAID:
        return PAID
    if sale.status == VoucherSale.Status.PENDING and sale.provider_ref:
        return CHECKING
    return FAILED
