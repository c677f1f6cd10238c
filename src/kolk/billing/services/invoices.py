"""Invoices, their gapless numbers, and payments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kolk.billing.models import Invoice, InvoiceCounter, InvoiceLine, Payment
from kolk.billing.validation import (
    MAX_AMOUNT_CENTS,
    check_amount_cents,
    check_quantity,
    check_vat_percent,
)
from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.core.validators import no_control_characters, normalize_name
from kolk.people.models import Person
from kolk.privacy.audit import audit_log

PAYMENT_TERM = dt.timedelta(days=14)


@dataclass(frozen=True, kw_only=True)
class InvoiceLineIn:
    """One line to invoice: a unit amount in cents including VAT, and the VAT rate."""

    description: str
    unit_amount_cents: int
    quantity: int = 1
    vat_percent: int


def _clean_lines(lines: Sequence[InvoiceLineIn]) -> list[InvoiceLine]:
    if not lines:
        raise ValidationError({"lines": [_("Een factuur heeft ten minste één regel.")]}, code="no_lines")
    cleaned = []
    for position, line in enumerate(lines, start=1):
        try:
            no_control_characters(line.description)
        except ValidationError as exc:
            raise ValidationError({"description": exc.messages}) from exc
        description = normalize_name(line.description)
        if not description or len(description) > 200:
            raise ValidationError(
                {"description": [_("Elke regel heeft een omschrijving van 1 tot 200 tekens.")]}, code="description"
            )
        cleaned.append(
            InvoiceLine(
                position=position,
                description=description,
                quantity=check_quantity(line.quantity),
                unit_amount_cents=check_amount_cents(line.unit_amount_cents, field="unit_amount_cents"),
                vat_percent=check_vat_percent(line.vat_percent),
            )
        )
    if sum(line.amount_cents for line in cleaned) > MAX_AMOUNT_CENTS:
        raise ValidationError({"lines": [_("Het totaal van deze factuur is te groot.")]}, code="total_large")
    return cleaned


def _read_counter(year: int) -> InvoiceCounter:
    """The year's counter, locked until the transaction ends: numbers are taken one at a time."""
    return InvoiceCounter.objects.select_for_update().get(year=year)


def _take_number(year: int) -> str:
    """The next number of the year, like 2026-000123; gapless because it commits with the invoice."""
    if not InvoiceCounter.objects.filter(year=year).exists():
        try:
            with transaction.atomic():
                InvoiceCounter.objects.create(year=year, last=0)
        except IntegrityError:
            pass  # another transaction created it at the same moment
    counter = _read_counter(year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{year}-{counter.last:06d}"


def _year_end(moment: dt.datetime) -> dt.date:
    return dt.date(timezone.localdate(moment).year, 12, 31)


@transaction.atomic
def invoice_create(
    *,
    person: Person,
    lines: Sequence[InvoiceLineIn],
    source: str,
    actor: Actor,
    due_date: dt.date | None = None,
) -> Invoice:
    """Issue an invoice today with the next number of the year; due in 14 days unless told."""
    if source not in Invoice.Source.values:
        raise ValidationError({"source": [_("Onbekende bron van de factuur.")]}, code="source")
    issued_on = today()
    due_on = due_date or issued_on + PAYMENT_TERM
    if due_on < issued_on:
        raise ValidationError({"due_date": [_("De vervaldatum ligt voor de factuurdatum.")]}, code="due_date")
    invoice_lines = _clean_lines(lines)
    invoice = Invoice.objects.create(
        number=_take_number(issued_on.year),
        person=person,
        issued_on=issued_on,
        due_on=due_on,
        source=source,
        total_cents=sum(line.amount_cents for line in invoice_lines),
    )
    for line in invoice_lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(invoice_lines)
    audit_log(
        actor=actor,
        action="invoice.created",
        subject=person,
        details={"invoice": invoice.pk, "number": invoice.number, "source": source, "lines": len(invoice_lines)},
    )
    return invoice


def _locked(invoice: Invoice) -> Invoice:
    return Invoice.objects.select_for_update().select_related("person").get(pk=invoice.pk)


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, actor: Actor) -> Invoice:
    """Cancel an open invoice that has no payments and is not in a direct-debit collection."""
    invoice = _locked(invoice)
    if invoice.status != Invoice.Status.OPEN:
        raise KolkError(_("Alleen een openstaande factuur kan worden geannuleerd."), code="not_open")
    if invoice.payments.exists():
        raise KolkError(_("Op deze factuur is al betaald; maak een creditfactuur."), code="has_payments")
    if hasattr(invoice, "collection_item"):
        raise KolkError(_("Deze factuur is al ter incasso aangeboden."), code="collected")
    moment = now()
    invoice.status = Invoice.Status.CANCELLED
    invoice.closed_year_end = _year_end(moment)
    invoice.save(update_fields=["status", "closed_year_end"])
    audit_log(actor=actor, action="invoice.cancelled", subject=invoice.person, details={"invoice": invoice.pk})
    return invoice


def record_payment(
    *,
    invoice: Invoice,
    amount_cents: int,
    method: str,
    reference: str,
    actor: Actor,
    received_on: dt.date | None = None,
) -> tuple[Payment, bool]:
    """Record a payment once per reference; returns it and whether it is new. Call inside a transaction."""
    check_amount_cents(amount_cents)
    if method not in Payment.Method.values:
        raise ValidationError({"method": [_("Onbekende betaalwijze.")]}, code="method")
    reference = (reference or "").strip()
    if not reference or len(reference) > 64:
        raise ValidationError({"reference": [_("Een betaling heeft een kenmerk van 1 tot 64 tekens.")]})
    received_on = received_on or today()
    invoice = _locked(invoice)
    existing = Payment.objects.filter(reference=reference).first()
    if existing is not None:
        if existing.invoice_id != invoice.pk or existing.amount_cents != amount_cents:
            raise KolkError(
                _("Betalingskenmerk %(reference)s is al gebruikt voor een andere betaling.") % {"reference": reference},
                code="reference_conflict",
            )
        return existing, False
    if invoice.status == Invoice.Status.CANCELLED:
        raise KolkError(_("Deze factuur is geannuleerd; er kan niet meer op worden betaald."), code="cancelled")
    payment = Payment.objects.create(
        invoice=invoice, amount_cents=amount_cents, method=method, reference=reference, received_on=received_on
    )
    paid = invoice.payments.aggregate(total=Sum("amount_cents"))["total"] or 0
    settled = invoice.status == Invoice.Status.OPEN and paid >= invoice.total_cents
    if settled:
        moment = now()
        invoice.status, invoice.settled_at, invoice.closed_year_end = Invoice.Status.PAID, moment, _year_end(moment)
        invoice.save(update_fields=["status", "settled_at", "closed_year_end"])
    audit_log(
        actor=actor,
        action="payment.recorded",
        subject=invoice.person,
        details={"invoice": invoice.pk, "payment": payment.pk, "method": method, "settled": settled},
    )
    return payment, True


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount_cents: int,
    method: str,
    reference: str,
    actor: Actor,
    received_on: dt.date | None = None,
) -> Payment:
    """Record a payment on an invoice; idempotent by reference. Settles the invoice when fully paid."""
    payment, _new = record_payment(
        invoice=invoice,
        amount_cents=amount_cents,
        method=method,
        reference=reference,
        actor=actor,
        received_on=received_on,
    )
    return payment
