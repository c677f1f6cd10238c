"""Paying the library at the desk: cash or PIN, all or part, a receipt; writing off with a reason.

What a member owes the library is their open fees and what is unpaid on their
open library invoices. A payment at the desk first invoices the open fees (one
bill per fee, kolk.library.services.invoicing), then pays the open invoices
oldest first through billing (payment_record), so every euro taken is on an
invoice and in the books. A PIN payment carries the card terminal's reference;
a cash payment the form's one-time key: sending the same form twice records
nothing twice.

A write-off waives the open fees and cancels the open library invoices nothing
was paid on, with the reason in the audit log; it is for library staff (the
view narrows the role), not for every desk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby

from django.db import transaction
from django.utils.translation import gettext as _

from kolk.billing.models import Invoice, Payment
from kolk.billing.selectors import invoices_for
from kolk.billing.services import invoice_cancel, payment_record
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import Invalid, KolkError
from kolk.core.money import euros
from kolk.library.models import Fee
from kolk.library.services.invoicing import billed_elsewhere_match, fees_invoice, fees_link_billed_elsewhere
from kolk.people.models import Person
from kolk.privacy.audit import audit_log

LIBRARY_SOURCES = (Invoice.Source.SUBSCRIPTION, Invoice.Source.FINE, Invoice.Source.RESERVATION)
DESK_METHODS = {Payment.Method.CASH.value: "KAS", Payment.Method.CARD.value: "PIN"}
TERMINAL_REFERENCE = re.compile(r"^[A-Za-z0-9-]{4,40}$")
FORM_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass
class Receipt:
    """What the member takes home: what was paid, on which invoices, and what is still open."""

    reference: str
    method: str
    amount_cents: int
    owed_after_cents: int
    lines: list[tuple[str, int]] = field(default_factory=list)  # (invoice number, cents)


def _unpaid(invoice: Invoice) -> int:
    return max(int(invoice.total_cents) - int(invoice.paid_cents), 0)  # type: ignore[attr-defined]


def _open_invoices(person: Person) -> list[Invoice]:
    invoices = invoices_for(person).filter(status=Invoice.Status.OPEN, source__in=LIBRARY_SOURCES)
    return sorted(invoices, key=lambda i: (i.issued_on, i.number))


def library_owed(person: Person) -> int:
    """What the member owes the library now, in cents: open fees and the unpaid part of open invoices.

    An open fee that an invoice made elsewhere already bills (imported, by hand, seeded) is
    counted once, on its invoice: otherwise the desk would ask for it twice and the payment
    of what it shows would be refused as more than is open.
    """
    fees = list(Fee.objects.filter(person=person, status=Fee.Status.OPEN).order_by("kind", "created_on", "pk"))
    billed: set[int] = set()
    for kind, group in groupby((f for f in fees if f.invoice_id is None and f.amount_cents > 0), key=lambda f: f.kind):
        billed.update(f.pk for f in billed_elsewhere_match(person, kind, list(group))[1])
    return sum(f.amount_cents for f in fees if f.pk not in billed) + sum(_unpaid(i) for i in _open_invoices(person))


def desk_reference(method: str, key: str) -> str:
    """The payment's reference: PIN-<terminal reference> or KAS-<the form's one-time key>."""
    if method not in DESK_METHODS:
        raise Invalid(_("Kies contant of pin."), fields={"method": [_("Kies contant of pin.")]})
    key = key.strip()
    if method == Payment.Method.CARD and not TERMINAL_REFERENCE.match(key):
        message = _("Vul het kenmerk van de pinbetaling in (op de bon van de pinautomaat, 4 tot 40 tekens).")
        raise Invalid(message, fields={"reference": [message]})
    if method == Payment.Method.CASH and not FORM_KEY.match(key):
        raise Invalid(_("Open de pagina opnieuw en probeer het nog eens."), fields={"reference": ["?"]})
    return f"{DESK_METHODS[method]}-{key}"


@transaction.atomic
def desk_payment(*, person: Person, amount_cents: int, method: str, key: str, actor: Actor) -> Receipt:
    """Take a payment of all or part of what the member owes the library; oldest invoice first."""
    reference = desk_reference(method, key)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one payment per member at a time
    if Payment.objects.filter(reference__startswith=f"{reference}/").exists():
        raise KolkError(_("Deze betaling is al geboekt."), code="already_paid")
    if amount_cents <= 0:
        raise Invalid(_("Het bedrag moet groter zijn dan nul."), fields={"amount": [_("Vul een bedrag in.")]})
    fees_invoice(person=person, actor=actor)
    invoices = _open_invoices(person)
    owed = sum(_unpaid(i) for i in invoices)
    if amount_cents > owed:
        message = _("Dat is meer dan er openstaat (%(owed)s).") % {"owed": euros(owed)}
        raise Invalid(message, fields={"amount": [message]})
    receipt = Receipt(
        reference=reference, method=method, amount_cents=amount_cents, owed_after_cents=owed - amount_cents
    )
    left, settled = amount_cents, []
    for invoice in invoices:
        part = min(left, _unpaid(invoice))
        if part <= 0:
            continue
        payment_record(
            invoice=invoice, amount_cents=part, method=method, reference=f"{reference}/{invoice.number}", actor=actor
        )
        receipt.lines.append((invoice.number, part))
        if part == _unpaid(invoice):
            settled.append(invoice.pk)
        left -= part
        if not left:
            break
    Fee.objects.filter(invoice_id__in=settled, status=Fee.Status.INVOICED).update(status=Fee.Status.PAID)
    audit_log(
        actor=actor,
        action="library.paid_at_desk",
        subject=person,
        details={"amount_cents": amount_cents, "method": method, "reference": reference, "at": now().isoformat()},
    )
    return receipt


def receipt_of(person: Person, reference: str) -> Receipt | None:
    """A desk payment's receipt, read again from the payments (for printing it later)."""
    payments = list(
        Payment.objects.filter(invoice__person=person, reference__startswith=f"{reference}/")
        .select_related("invoice")
        .order_by("pk")
    )
    if not payments:
        return None
    return Receipt(
        reference=reference,
        method=payments[0].method,
        amount_cents=sum(p.amount_cents for p in payments),
        owed_after_cents=library_owed(person),
        lines=[(p.invoice.number, p.amount_cents) for p in payments],
    )


@transaction.atomic
def library_write_off(*, person: Person, reason: str, actor: Actor) -> int:
    """Write off what the member owes the library and nothing was paid on; returns the cents written off.

    An invoice with a part paid is not cancelled (billing asks for a credit note):
    take the rest at the desk or leave it open.
    """
    reason = " ".join(reason.split())[:200]
    if len(reason) < 3:
        message = _("Schrijf op waarom het bedrag wordt kwijtgescholden.")
        raise Invalid(message, fields={"reason": [message]})
    fees_link_billed_elsewhere(person=person)  # a fee on an invoice made elsewhere is written off once, on it
    fees = Fee.objects.select_for_update().filter(person=person, status=Fee.Status.OPEN, invoice__isnull=True)
    total = sum(fees.values_list("amount_cents", flat=True))
    fees.update(status=Fee.Status.WAIVED)
    for invoice in _open_invoices(person):
        if invoice.paid_cents:  # type: ignore[attr-defined]
            continue
        invoice_cancel(invoice=invoice, actor=actor)
        Fee.objects.filter(invoice=invoice).update(status=Fee.Status.WAIVED)
        total += invoice.total_cents
    if not total:
        raise KolkError(_("Er staat niets open dat kan worden kwijtgescholden."), code="nothing_open")
    audit_log(
        actor=actor, action="library.written_off", subject=person, details={"amount_cents": total, "reason": reason}
    )
    return total
