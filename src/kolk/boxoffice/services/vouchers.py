"""Gift vouchers (cadeaubonnen) and discount codes (kortingscodes): issuing them and spending them on an order.

Both codes are secrets: 16 characters of Crockford's base32 (80 random bits),
written in groups of four, read back whatever their case, spaces or dashes. A
typed value of another shape is no code of ours and is answered without asking
the database; control characters are the client's error (400).

A voucher pays part or all of a checked-out order: its balance goes down in one
conditional UPDATE (never below zero, whoever spends it at the same moment), the
order's `total_cents` becomes what is still to pay by iDEAL, cash or card, and
an order it pays in full is paid. A discount code takes its percentage or amount
off, once per order, while it is valid and has uses left (counted the same way).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kolk.boxoffice.models import DiscountCode, GiftVoucher, Order, OrderReduction, Payment
from kolk.boxoffice.services.selling import order_pay
from kolk.core.actors import Actor, user_id
from kolk.core.clock import now
from kolk.core.errors import BadRequest, Invalid, KolkError
from kolk.core.money import euros
from kolk.privacy.audit import audit_log

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32: no I, L, O, U
_CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{16}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
VOUCHER_YEARS = 2  # a voucher sold today is valid this long unless staff choose otherwise
MAX_VOUCHER_CENTS = 100_000


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(16))


def code_clean(value: str) -> str | None:
    """The code a person typed, normalised; None when it has not the shape of one of ours."""
    if _CONTROL.search(value):
        raise BadRequest(_("De code bevat tekens die er niet in horen."))
    value = re.sub(r"[\s-]", "", value).upper()
    return value if _CODE.fullmatch(value) else None


def _unknown() -> Invalid:
    return Invalid(
        _("Deze code kennen we niet. Kijk of je hem goed hebt overgetypt."),
        fields={"code": [_("Deze code kennen we niet.")]},
    )


# --- issuing (box office) ---


@transaction.atomic
def voucher_issue(
    *,
    value_cents: int,
    actor: Actor,
    method: str = Order.Method.CASH,
    channel: str = GiftVoucher.Channel.TILL,
    expires_at: dt.datetime | None = None,
    buyer_name: str = "",
    buyer_email: str = "",
) -> GiftVoucher:
    """Sell a gift voucher of `value_cents` (the till takes the money by `method`); T08 if a buyer is given."""
    if not 100 <= value_cents <= MAX_VOUCHER_CENTS:
        raise Invalid(
            _("Kies een waarde van € 1,00 tot %(max)s.") % {"max": euros(MAX_VOUCHER_CENTS)},
            fields={"value": [_("Kies een waarde van € 1,00 tot %(max)s.") % {"max": euros(MAX_VOUCHER_CENTS)}]},
        )
    if method not in (Order.Method.CASH, Order.Method.CARD, Order.Method.IDEAL):
        raise ValidationError({"method": [_("Onbekende betaalwijze.")]})
    at = now()
    voucher = GiftVoucher.objects.create(
        code=new_code(),
        value_cents=value_cents,
        balance_cents=value_cents,
        expires_at=expires_at or at + dt.timedelta(days=365 * VOUCHER_YEARS),
        channel=channel,
        method=method,
        created_at=at,
        created_by_id=user_id(actor),
        buyer_name=" ".join(buyer_name.split())[:200],
        buyer_email=buyer_email.strip()[:254],
    )
    audit_log(actor=actor, action="voucher.issued", details={"voucher": voucher.pk, "value_cents": value_cents})
    return voucher


@transaction.atomic
def discount_create(
    *,
    kind: str,
    value: int,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    max_uses: int,
    actor: Actor,
) -> DiscountCode:
    """Make a discount code: `value` percent (1-100) or cents off, between two moments, at most `max_uses` times."""
    errors: dict[str, list[str]] = {}
    if kind not in DiscountCode.Kind.values:
        errors["kind"] = [_("Kies een percentage of een bedrag.")]
    elif kind == DiscountCode.Kind.PERCENT and not 1 <= value <= 100:
        errors["value"] = [_("Een percentage ligt tussen 1 en 100.")]
    elif kind == DiscountCode.Kind.AMOUNT and not 1 <= value <= MAX_VOUCHER_CENTS:
        errors["value"] = [_("Kies een bedrag van € 0,01 tot %(max)s.") % {"max": euros(MAX_VOUCHER_CENTS)}]
    if valid_until <= valid_from:
        errors["valid_until"] = [_("De einddatum ligt na de begindatum.")]
    if not 1 <= max_uses <= 100_000:
        errors["max_uses"] = [_("Kies 1 tot 100.000 keer.")]
    if errors:
        raise ValidationError(errors)
    discount = DiscountCode.objects.create(
        code=new_code(),
        kind=kind,
        value=value,
        valid_from=valid_from,
        valid_until=valid_until,
        max_uses=max_uses,
        created_at=now(),
    )
    audit_log(actor=actor, action="discount.created", details={"discount": discount.pk, "kind": kind})
    return discount


# --- spending ---


def _lock_payable(order: Order) -> Order:
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status not in (Order.Status.HELD, Order.Status.PENDING_PAYMENT) or (
        order.expires_at and order.expires_at <= now()
    ):
        raise KolkError(_("Deze bestelling kan nu niet meer worden betaald."), code="not_payable")
    # A payment under way is for the total as it was: lowering the total now would have it pay too much.
    if Payment.objects.filter(order=order, status=Payment.Status.OPEN).exclude(method=Order.Method.VOUCHER).exists():
        raise KolkError(
            _("Je betaling loopt nog. Maak die eerst af of breek haar af; daarna kun je een code gebruiken."),
            code="payment_open",
        )
    return order


def _lower_total(order: Order, amount: int, actor: Actor, reduction: dict[str, Any]) -> Order:
    OrderReduction.objects.create(order=order, amount_cents=amount, created_at=now(), **reduction)
    order.total_cents -= amount
    order.save(update_fields=["total_cents"])
    if order.total_cents == 0:
        return order_pay(order=order, method=Order.Method.VOUCHER, actor=actor)
    return order


@transaction.atomic
def voucher_spend(*, order: Order, code: str, actor: Actor) -> tuple[Order, int]:
    """Pay what a gift voucher's balance covers of an order; returns the order and the amount paid."""
    clean = code_clean(code)
    if clean is None:
        raise _unknown()
    order = _lock_payable(order)
    at = now()
    voucher = GiftVoucher.objects.select_for_update().filter(code=clean).first()
    if voucher is None:
        raise _unknown()
    if voucher.expires_at <= at:
        raise Invalid(_("Deze cadeaubon is verlopen."), fields={"code": [_("Deze cadeaubon is verlopen.")]})
    amount = min(voucher.balance_cents, order.total_cents)
    if amount <= 0:
        raise Invalid(_("Deze cadeaubon is op."), fields={"code": [_("Deze cadeaubon is op.")]})
    # The row lock above serialises spenders on PostgreSQL; the condition keeps the balance whole anywhere.
    if not GiftVoucher.objects.filter(pk=voucher.pk, balance_cents__gte=amount).update(
        balance_cents=F("balance_cents") - amount
    ):
        raise Invalid(_("Deze cadeaubon is op."), fields={"code": [_("Deze cadeaubon is op.")]})
    Payment.objects.create(
        order=order, method=Order.Method.VOUCHER, amount_cents=amount, status=Payment.Status.PAID, created_at=at
    )
    order = _lower_total(order, amount, actor, {"voucher": voucher})
    audit_log(
        actor=actor,
        action="voucher.spent",
        **({"subject": order.person} if order.person_id else {"subject": order}),
        details={"voucher": voucher.pk, "order": order.pk, "amount_cents": amount},
    )
    return order, amount


def discount_amount(discount: DiscountCode, total_cents: int) -> int:
    if discount.kind == DiscountCode.Kind.PERCENT:
        return min(total_cents, total_cents * discount.value // 100)
    return min(total_cents, discount.value)


@transaction.atomic
def discount_apply(*, order: Order, code: str, actor: Actor) -> tuple[Order, int]:
    """Take a discount code off an order (once per order); returns the order and the amount taken off."""
    clean = code_clean(code)
    if clean is None:
        raise _unknown()
    order = _lock_payable(order)
    at = now()
    discount = DiscountCode.objects.filter(code=clean).first()
    if discount is None:
        raise _unknown()
    if not discount.valid_from <= at < discount.valid_until:
        raise Invalid(
            _("Deze kortingscode is nu niet geldig."), fields={"code": [_("Deze kortingscode is nu niet geldig.")]}
        )
    amount = discount_amount(discount, order.total_cents)
    if OrderReduction.objects.filter(order=order, discount=discount).exists():
        raise Invalid(_("Deze kortingscode is al gebruikt voor deze bestelling."), fields={"code": [_("Al gebruikt.")]})
    if amount <= 0:
        raise Invalid(_("Er is niets meer om korting op te geven."), fields={"code": [_("Niets meer te betalen.")]})
    if not DiscountCode.objects.filter(pk=discount.pk, uses__lt=F("max_uses")).update(uses=F("uses") + 1):
        raise Invalid(_("Deze kortingscode is op."), fields={"code": [_("Deze kortingscode is op.")]})
    try:
        with transaction.atomic():
            order = _lower_total(order, amount, actor, {"discount": discount})
    except IntegrityError:
        raise Invalid(
            _("Deze kortingscode is al gebruikt voor deze bestelling."), fields={"code": [_("Al gebruikt.")]}
        ) from None
    audit_log(
        actor=actor,
        action="discount.applied",
        **({"subject": order.person} if order.person_id else {"subject": order}),
        details={"discount": discount.pk, "order": order.pk, "amount_cents": amount},
    )
    return order, amount


def code_redeem(*, order: Order, code: str, actor: Actor) -> tuple[Order, int, str]:
    """A code typed in the shop or at the till: a gift voucher's or a discount code's. Returns what it did."""
    clean = code_clean(code)
    if clean is None:
        raise _unknown()
    if GiftVoucher.objects.filter(code=clean).exists():
        order, amount = voucher_spend(order=order, code=clean, actor=actor)
        return order, amount, "voucher"
    order, amount = discount_apply(order=order, code=clean, actor=actor)
    return order, amount, "discount"


def order_reductions(order: Order) -> list[OrderReduction]:
    return list(OrderReduction.objects.filter(order=order).select_related("voucher", "discount").order_by("pk"))
