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


def _invoice_for(tx: Transaction) -> Invoice | None:
    """By end-to-end id (our direct debits carry the invoice number), else a number in the text."""
    candidates = []
    if INVOICE_NUMBER.fullmatch(tx.end_to_end_id):
        candidates.append(tx.end_to_end_id)
    candidates += INVOICE_NUMBER.findall(tx.remittance)
    for number in dict.fromkeys(candidates):
        invoice = Invoice.objects.filter(number=number).first()
        if invoice is not None:
            return invoice
    return None


def _is_returned_debit(tx: Transaction) -> bool:
    """A debit carrying the end-to-end id of one of our collected invoices."""
    return (
        INVOICE_NUMBER.fullmatch(tx.end_to_end_id) is not None
        and Invoice.objects.filter(number=tx.end_to_end_id, collection_item__isnull=False).exists()
    )


@transaction.atomic
def camt_import(*, data: bytes, actor: Any) -> CamtResult:
    """Record the payments in a bank statement; importing the same file again changes nothing.

    One transaction: a run stopped halfway records nothing, the next one all.
    """
    result = CamtResult()
    for tx in parse(data):
        result.transactions += 1

        def unmatched(reason: str, tx: Transaction = tx) -> Unmatched:
            return Unmatched(
                reference=tx.reference,
                amount_cents=tx.amount_cents,
                booking_date=tx.booking_date.isoformat() if tx.booking_date else "",
                remittance=tx.remittance[:140] or tx.end_to_end_id,
                reason=reason,
            )

        if tx.booked and not tx.credit and _is_returned_debit(tx):
            # Reversing a payment needs a person to look (and perhaps a new invoice): report it.
            result.returned.append(unmatched(_("teruggeboekte incasso")))
            continue
        if not tx.credit or not tx.booked:
            result.skipped += 1
            continue

        if tx.currency != "EUR" or tx.amount_cents <= 0:
            result.unmatched.append(unmatched(_("geen bedrag in euro")))
            continue
        invoice = _invoice_for(tx)
        if invoice is None:
            result.unmatched.append(unmatched(_("geen factuur gevonden")))
            continue
        collected = tx.end_to_end_id == invoice.number and hasattr(invoice, "collection_item")
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
            payment.invoice.refresh_from_db(fields=["status"])
            if payment.invoice.status == Invoice.Status.PAID:
                result.settled.append(invoice.number)
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
