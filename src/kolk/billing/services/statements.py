"""Importing a bank statement (CAMT.053): credits matched to invoices become payments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kolk.billing.camt import Transaction, parse
from kolk.billing.models import Invoice, Payment
from kolk.billing.services.invoices import record_payment
from kolk.core.actors import Actor
from kolk.core.clock import today
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log

INVOICE_NUMBER = re.compile(r"(?<!\d)(\d{4}-\d{6})(?!\d)")


@dataclass(frozen=True)
class Unmatched:
    """A credit that is not (or no longer) a payment on an invoice, for someone to look at."""

    reference: str
    amount_cents: int
    booking_date: str
    remittance: str
    reason: str


@dataclass
class CamtResult:
    transactions: int = 0
    recorded: int = 0  # new payments
    already: int = 0  # payments recorded by an earlier import of the same transaction
    settled: list[str] = field(default_factory=list)  # invoice numbers now paid
    unmatched: list[Unmatched] = field(default_factory=list)
    returned: list[Unmatched] = field(default_factory=list)  # direct debits the payer's bank took back
    skipped: int = 0  # other debits and entries not yet booked


BULK = 1000


def _candidates(tx: Transaction) -> list[str]:
    """Invoice numbers a transaction may be for: its end-to-end id first, then numbers in its text."""
    numbers = [tx.end_to_end_id] if INVOICE_NUMBER.fullmatch(tx.end_to_end_id) else []
    return list(dict.fromkeys([*numbers, *INVOICE_NUMBER.findall(tx.remittance)]))


def _in_bulk(values: list[str], fetch: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for start in range(0, len(values), BULK):
        found.update(fetch(values[start : start + BULK]))
    return found


@transaction.atomic
def camt_import(*, data: bytes, actor: Actor) -> CamtResult:
    """Record the payments in a bank statement; importing the same file again changes nothing.

    One transaction: a run stopped halfway records nothing, the next one all.
    Invoices and already recorded payments are looked up in bulk, so a
    re-import costs a few queries whatever the size of the file.
    """
    result = CamtResult()
    txs = parse(data)
    numbers = sorted({n for tx in txs for n in _candidates(tx)})
    invoices: dict[str, Invoice] = _in_bulk(
        numbers,
        lambda chunk: {i.number: i for i in Invoice.objects.filter(number__in=chunk).select_related("collection_item")},
    )
    known: dict[str, Payment] = _in_bulk(
        sorted({tx.reference for tx in txs}),
        lambda chunk: {p.reference: p for p in Payment.objects.filter(reference__in=chunk)},
    )
    settled: set[str] = set()
    for tx in txs:
        result.transactions += 1

        def unmatched(reason: str, tx: Transaction = tx) -> Unmatched:
            return Unmatched(
                reference=tx.reference,
                amount_cents=tx.amount_cents,
                booking_date=tx.booking_date.isoformat() if tx.booking_date else "",
                remittance=tx.remittance[:140] or tx.end_to_end_id,
                reason=reason,
            )

        by_id = invoices.get(tx.end_to_end_id)
        if tx.booked and not tx.credit and by_id is not None and hasattr(by_id, "collection_item"):
            # A collected invoice's debit coming back (R-transaction). Reversing a
            # payment needs a person to look, and perhaps a new invoice: report it.
            result.returned.append(unmatched(_("teruggeboekte incasso")))
            continue
        if not tx.credit or not tx.booked:
            result.skipped += 1
            continue
        if tx.currency != "EUR" or tx.amount_cents <= 0:
            result.unmatched.append(unmatched(_("geen bedrag in euro")))
            continue
        invoice = next((invoices[n] for n in _candidates(tx) if n in invoices), None)
        if invoice is None:
            result.unmatched.append(unmatched(_("geen factuur gevonden")))
            continue
        earlier = known.get(tx.reference)
        if earlier is not None and earlier.invoice_id == invoice.pk and earlier.amount_cents == tx.amount_cents:
            result.already += 1
            continue
        collected = tx.end_to_end_id == invoice.number and hasattr(invoice, "collection_item")
        was_open = invoice.status == Invoice.Status.OPEN and invoice.number not in settled
        try:
            with transaction.atomic():
                payment, new = record_payment(
                    invoice=invoice,
                    amount_cents=tx.amount_cents,
                    method=Payment.Method.SEPA if collected else Payment.Method.BANK_TRANSFER,
                    reference=tx.reference,
                    received_on=tx.booking_date or today(),
                    actor=actor,
                )
        except KolkError as exc:
            result.unmatched.append(unmatched(str(exc.message)))
            continue
        if new:
            result.recorded += 1
            if was_open and payment.invoice.status == Invoice.Status.PAID:
                result.settled.append(invoice.number)
                settled.add(invoice.number)
        else:
            result.already += 1
    audit_log(
        actor=actor,
        action="camt.imported",
        details={
            "transactions": result.transactions,
            "recorded": result.recorded,
            "already": result.already,
            "unmatched": len(result.unmatched),
            "returned": len(result.returned),
            "skipped": result.skipped,
        },
    )
    return result
