"""Paying an order through a provider: the box office (cash, card), an invoice, or Mollie (iDEAL).

Each provider starts a payment for an order, the till's walk-in sale too. The
box office and an invoice record it at once; Mollie sends the buyer to its
checkout and later calls our webhook, which asks Mollie for the payment's
status (never trusting the call itself) and marks the order paid, once. Every
payment is recorded the one way `order_pay` writes it (the order's row locked
first, the show's counts last), so a till and the webhook on one order cannot
both take the money.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import requests
from django.db import transaction
from django.utils.translation import gettext as _
from django_tasks import task
from mollie.api.client import Client
from mollie.api.error import Error as MollieError
from mollie.api.objects.payment import Payment as MolliePayment

from kolk.billing import mollie
from kolk.billing.services.invoices import InvoiceLineIn, invoice_create
from kolk.boxoffice.models import Order, Payment, Show
from kolk.boxoffice.services.selling import (
    NotPayable,
    SoldOut,
    one_transaction,
    order_pay,
    seats_hold,
    tickets_price,
)
from kolk.boxoffice.services.vouchers import code_redeem
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import Invalid, KolkError, NotAllowed
from kolk.core.money import euros
from kolk.core.roles import Role, has_role
from kolk.privacy.audit import audit_log


@dataclass(frozen=True)
class PaymentStart:
    order: Order
    payment: Payment
    redirect_url: str = ""  # where the buyer goes to pay (Mollie's checkout), if anywhere

    @property
    def paid(self) -> bool:
        return self.order.status == Order.Status.PAID


class Provider(Protocol):
    # The order statuses a payment may start from; order_pay checks again under the order's lock.
    payable: frozenset[str]

    def start(self, *, order: Order, method: str, actor: Actor, return_url: str, webhook_url: str) -> PaymentStart: ...


CHECKED_OUT: frozenset[str] = frozenset({Order.Status.PENDING_PAYMENT})


class BoxOfficeProvider:
    """Cash or card at the box office: recorded at once, by box-office staff only.

    The till also takes money for what it holds without a buyer's name (a walk-in).
    """

    payable: frozenset[str] = frozenset({Order.Status.HELD, Order.Status.PENDING_PAYMENT})

    def start(
        self, *, order: Order, method: str, actor: Actor, return_url: str, webhook_url: str, ours: bool = False
    ) -> PaymentStart:
        """`ours`: the till made the order in this same transaction (`order_pay` then reads it not again)."""
        if not has_role(actor, Role.BOX_OFFICE, Role.ADMINISTRATOR):
            raise NotAllowed(_("Alleen de kassa neemt contant of pin aan."))
        payment = Payment(method=method, status=Payment.Status.PAID)
        order = order_pay(order=order, method=method, actor=actor, payment=payment, ours=ours)
        return PaymentStart(order=order, payment=payment)


class InvoiceProvider:
    """Theatre tickets on invoice (T04): billing issues the invoice, the seats are sold at once.

    The invoice goes to a person (a logged-in member, or one the box office
    chose), never to a guest; billing collects it.
    """

    payable: frozenset[str] = CHECKED_OUT

    def start(self, *, order: Order, method: str, actor: Actor, return_url: str, webhook_url: str) -> PaymentStart:
        # Each ticket's own show: a basket holds several.
        tickets = list(order.tickets.select_related("price", "show__production", "show__film").order_by("pk"))
        if order.show.kind != Show.Kind.THEATRE or any(t.show.kind != Show.Kind.THEATRE for t in tickets):
            raise KolkError(_("Op factuur betalen kan alleen voor theater."), code="invoice_theatre_only")
        if order.person is None:
            raise KolkError(_("Op factuur betalen kan alleen als je bent ingelogd."), code="invoice_needs_person")
        lines = [
            InvoiceLineIn(
                description=f"{t.show.title} {t.show.starts_at:%d-%m-%Y} ({t.price.get_kind_display()})",
                unit_amount_cents=t.amount_cents,
                vat_percent=t.price.vat_percent,
            )
            for t in tickets
        ]
        with transaction.atomic():
            # Billing's invoice counter is locked before the order's row: no other payment path takes it.
            invoice = invoice_create(person=order.person, lines=lines, source="boxoffice.order", actor=actor)
            payment = Payment(method=Order.Method.INVOICE, status=Payment.Status.OPEN, provider_ref=invoice.number)
            order = order_pay(
                order=order, method=Order.Method.INVOICE, provider_ref=invoice.number, actor=actor, payment=payment
            )
        return PaymentStart(order=order, payment=payment)


def http_session() -> requests.Session | None:
    """The shop's HTTP session for Mollie; None: billing's (kolk.billing.mollie). Tests replay recorded responses here."""
    return None


def mollie_client() -> Client:
    """billing's Mollie client (the one kolk has), over the shop's session when one is set."""
    return mollie.mollie_client(session=http_session())


def _euros(cents: int) -> str:
    return mollie.mollie_amount(cents)["value"]


class MollieProvider:
    """iDEAL through Mollie: create a payment and send the buyer to its checkout."""

    payable: frozenset[str] = CHECKED_OUT

    def start(self, *, order: Order, method: str, actor: Actor, return_url: str, webhook_url: str) -> PaymentStart:
        attempt = order.payments.count() + 1
        try:
            remote = mollie_client().payments.create(
                {
                    "amount": {"currency": "EUR", "value": _euros(order.total_cents)},
                    "description": f"DNK bestelling {order.pk}",
                    "redirectUrl": return_url,
                    "webhookUrl": webhook_url,
                    "method": "ideal",
                    "metadata": {"order": order.pk},
                },
                idempotency_key=f"kolk-order-{order.pk}-{attempt}",
            )
        except MollieError as exc:
            raise KolkError(_("De betaling kon niet worden gestart; probeer het zo opnieuw."), code="provider") from exc
        with transaction.atomic():
            # The order's row first, as every payment takes it: paid at the till meanwhile, it is not started.
            # (Mollie's payment then stays open, and expires.)
            started = Order.objects.filter(pk=order.pk, status__in=self.payable).update(
                method=Order.Method.IDEAL, payment_ref=str(remote.id)
            )
            if not started:
                raise NotPayable()
            payment = Payment.objects.create(
                order=order,
                method=Order.Method.IDEAL,
                amount_cents=order.total_cents,
                provider_ref=str(remote.id),
                created_at=now(),
            )
            audit_log(actor=actor, action="payment.started", details={"order": order.pk, "payment": payment.pk})
        return PaymentStart(order=order, payment=payment, redirect_url=str(remote.checkout_url or ""))


BOX_OFFICE = BoxOfficeProvider()
PROVIDERS: dict[str, Provider] = {
    Order.Method.CASH: BOX_OFFICE,
    Order.Method.CARD: BOX_OFFICE,
    Order.Method.INVOICE: InvoiceProvider(),
    Order.Method.IDEAL: MollieProvider(),
}


def payment_start(
    *, order: Order, method: str, actor: Actor, return_url: str = "", webhook_url: str = ""
) -> PaymentStart:
    """Start paying an order with `method` (cash, card, invoice, ideal): checked out, or held at the till."""
    provider = PROVIDERS.get(method)
    if provider is None:
        raise KolkError(_("Onbekende betaalwijze."), code="method")
    if order.status not in provider.payable:
        raise NotPayable()
    return provider.start(order=order, method=method, actor=actor, return_url=return_url, webhook_url=webhook_url)


_MOLLIE_ID = mollie.MOLLIE_ID


def mollie_webhook(*, payment_id: str) -> str:
    """Mollie says a payment changed: fetch its status from Mollie and act on it, idempotently.

    Returns what happened: paid, failed, open, refund_due, unknown or mismatch. An id
    that is not one of our payments is "unknown", and one that cannot be a Mollie id
    (a NUL byte, a space, too long) is so without a query: anyone may call the webhook.
    """
    if _MOLLIE_ID.fullmatch(payment_id) is None:
        return "unknown"
    payment = Payment.objects.filter(provider_ref=payment_id, method=Order.Method.IDEAL).first()
    if payment is None:
        return "unknown"
    remote = mollie_client().payments.get(payment_id)
    with transaction.atomic():
        # The order's row, then the payment's: the order every payment path locks them in (order_pay).
        order = Order.objects.select_for_update().get(pk=payment.order_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in (Payment.Status.PAID, Payment.Status.REFUND_DUE, Payment.Status.REFUNDED):
            return str(payment.status)
        status = str(remote.status)
        if status == MolliePayment.STATUS_PAID:
            if remote.amount != {"currency": "EUR", "value": _euros(payment.amount_cents)}:
                audit_log(actor=None, action="payment.mismatch", details={"payment": payment.pk})
                return "mismatch"
            payment.status = Payment.Status.PAID
            try:
                with transaction.atomic():
                    order_pay(
                        order=order, method=Order.Method.IDEAL, provider_ref=payment_id, actor=None, payment=payment
                    )
            except (SoldOut, NotPayable):  # its places are gone, or the till or another payment paid it first
                payment.status = Payment.Status.REFUND_DUE
                payment.save(update_fields=["status"])
        elif status in (MolliePayment.STATUS_FAILED, MolliePayment.STATUS_CANCELED, MolliePayment.STATUS_EXPIRED):
            payment.status = Payment.Status.FAILED
            payment.save(update_fields=["status"])
        else:
            return "open"
        audit_log(actor=None, action="payment.updated", details={"payment": payment.pk, "status": str(payment.status)})
        return str(payment.status)


@dataclass(frozen=True)
class TillSale:
    """What the till hands the buyer: the paid order, and for cash the change due."""

    order: Order
    given_cents: int = 0

    @property
    def change_cents(self) -> int:
        return max(0, self.given_cents - self.order.total_cents) if self.given_cents else 0


def box_office_sale(
    *,
    show: Show,
    method: str,
    actor: Actor,
    seat_ids: list[int] | None = None,
    quantity: int = 0,
    prices: Mapping[int, str] | None = None,
    member_pass_seen: bool = False,
) -> Order:
    """A walk-in sale at the box office: hold and pay (cash or card) in one go, no buyer data asked.

    `prices` maps a chosen seat to its price kind (the rest pay the regular
    price). The payment goes through the box office's provider, the registry's for cash and card.
    In a members' presale it sells to a member whose current pass staff scanned (`member_pass_seen`).
    """
    return till_sale(
        show=show,
        method=method,
        actor=actor,
        seat_ids=seat_ids,
        quantity=quantity,
        prices=prices,
        member_pass_seen=member_pass_seen,
    ).order


def till_sale(
    *,
    show: Show,
    method: str,
    actor: Actor,
    seat_ids: list[int] | None = None,
    quantity: int = 0,
    prices: Mapping[int, str] | None = None,
    given_cents: int = 0,
    code: str = "",
    member_pass_seen: bool = False,
) -> TillSale:
    """The till's sale: chosen seats at a price each, paid by card or in cash.

    For cash, `given_cents` is what the buyer handed over (0: the exact amount);
    less than the total is refused and nothing is sold. A `code` (a gift voucher's
    or a discount code's) is taken off first; a voucher that covers all pays it.
    In a members' presale the till sells to a member whose current pass staff scanned
    (`member_pass_seen`); before the presale it sells to nobody.
    """
    if method not in (Order.Method.CASH, Order.Method.CARD):
        raise KolkError(_("Aan de kassa betaal je contant of met pin."), code="method")
    if not has_role(actor, Role.BOX_OFFICE, Role.ADMINISTRATOR):
        raise NotAllowed(_("Alleen de kassa neemt contant of pin aan."))
    with one_transaction():  # the hold and the payment in one, without a savepoint each
        order = seats_hold(show=show, seat_ids=seat_ids or (), quantity=quantity, member=member_pass_seen, actor=actor)
        order = tickets_price(order=order, prices=prices or {}, actor=actor)
        if code.strip():
            order = code_redeem(order=order, code=code, actor=actor)[0]
            order.show = show  # read again under its lock, without the show: the show in hand has its hall
        if method == Order.Method.CASH and given_cents and given_cents < order.total_cents:
            raise Invalid(
                _("Ontvangen %(given)s is minder dan het totaal %(total)s.")
                % {"given": euros(given_cents), "total": euros(order.total_cents)},
                fields={"given": [_("Minder dan het totaal %(total)s.") % {"total": euros(order.total_cents)}]},
            )
        if order.status != Order.Status.PAID:
            # The registry's provider for cash and card; the order is this transaction's own (`ours`):
            # held just now, its row seen by no one else, so the payment does not read it again.
            if order.status not in BOX_OFFICE.payable:
                raise NotPayable()
            order = BOX_OFFICE.start(
                order=order, method=method, actor=actor, return_url="", webhook_url="", ours=True
            ).order
    return TillSale(order=order, given_cents=given_cents if method == Order.Method.CASH else 0)


def mollie_refund(*, payment: Payment, actor: Actor) -> Payment:
    """Pay back an iDEAL payment that is due a refund (a cancelled order, a payment too late); once."""
    if payment.method != Order.Method.IDEAL or payment.status != Payment.Status.REFUND_DUE:
        raise KolkError(_("Deze betaling hoeft niet te worden terugbetaald."), code="not_refund_due")
    client = mollie_client()
    try:
        remote = client.payments.get(payment.provider_ref)
        remote.refunds.create(
            {
                "amount": {"currency": "EUR", "value": _euros(payment.amount_cents)},
                "description": f"DNK bestelling {payment.order_id}",
            },
            idempotency_key=f"kolk-refund-{payment.pk}",
        )
    except MollieError as exc:
        raise KolkError(
            _("Terugbetalen via Mollie lukte niet; het wordt later opnieuw geprobeerd."), code="provider"
        ) from exc
    with transaction.atomic():
        Payment.objects.filter(pk=payment.pk, status=Payment.Status.REFUND_DUE).update(status=Payment.Status.REFUNDED)
        audit_log(actor=actor, action="payment.refunded", details={"payment": payment.pk, "order": payment.order_id})
    payment.refresh_from_db()
    return payment


def mollie_refunds_due(*, limit: int = 100) -> int:
    """Refund what is due through Mollie (the periodic job); a failure is retried on the next run."""
    done = 0
    for payment in Payment.objects.filter(method=Order.Method.IDEAL, status=Payment.Status.REFUND_DUE)[:limit]:
        try:
            mollie_refund(payment=payment, actor=None)
        except KolkError:
            continue
        done += 1
    return done


@task()
def refund_mollie_payments() -> int:
    """Pay back, through Mollie, iDEAL payments of cancelled or too-late orders (periodic)."""
    return mollie_refunds_due()
