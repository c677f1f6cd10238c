"""Fees and fines to invoices (through billing), their settlement, and the unpaid block.

Open fees of a person are invoiced per kind (billing's invoice source): the
subscription fee, fines, reservation fees. A paid invoice settles its fees; a
cancelled one waives them. A member with an open invoice past its due date is
blocked (reason unpaid) until nothing is overdue any more.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kolk.billing.models import Invoice
from kolk.billing.services import InvoiceLineIn, invoice_create
from kolk.core.actors import Actor
from kolk.library.models import Block, Fee
from kolk.library.services.members import block_lift, block_set
from kolk.people.models import Person

SOURCE = {
    Fee.Kind.SUBSCRIPTION: Invoice.Source.SUBSCRIPTION,
    Fee.Kind.FINE: Invoice.Source.FINE,
    Fee.Kind.RESERVATION: Invoice.Source.RESERVATION,
}
# A fine is a penalty, not a supply: outside the scope of VAT. Membership and
# reservations of a public library are taxed at the low rate.
VAT_PERCENT = {Fee.Kind.SUBSCRIPTION: 9, Fee.Kind.FINE: 0, Fee.Kind.RESERVATION: 9}
DESCRIPTION = {
    Fee.Kind.SUBSCRIPTION: _("Contributie bibliotheek"),
    Fee.Kind.FINE: _("Te-laat-geld"),
    Fee.Kind.RESERVATION: _("Reserveringskosten"),
}


def billed_elsewhere_match(person: Person, kind: str, fees: list[Fee]) -> tuple[Invoice | None, list[Fee]]:
    """The invoice made outside this path that already bills some of `fees` (of one kind), and those fees.

    An invoice of the fee's kind (billing's source), not cancelled, issued on or
    after the fee, that no fee points to yet and that asks exactly the fee's amount (or
    what the fees together come to), is that fee's bill: one made by hand, imported, or
    seeded. Billing the fee again would ask the member to pay twice; counting it
    as open beside its bill would show the desk twice what the member owes.
    Reads only (one query); fees_invoice links them.
    """
    bill = (
        Invoice.objects.filter(person=person, source=SOURCE[Fee.Kind(kind)], library_fees__isnull=True)
        .exclude(status=Invoice.Status.CANCELLED)
        .filter(issued_on__gte=fees[0].created_on)
        .order_by("issued_on", "pk")
        .first()
    )
    if bill is None:
        return None, []
    candidates = [fee for fee in fees if fee.created_on <= bill.issued_on]
    # Only a bill for exactly what the fees come to is theirs: one for another amount (another
    # year's subscription, another fee) is another bill, and the fee is billed on its own.
    if sum(fee.amount_cents for fee in candidates) == bill.total_cents:
        return bill, candidates
    return bill, [fee for fee in candidates if fee.amount_cents == bill.total_cents][:1]


def _billed_elsewhere(person: Person, kind: str, fees: list[Fee]) -> list[Fee]:
    """The fees already billed on an invoice made elsewhere (billed_elsewhere_match), now linked to it."""
    bill, covered = billed_elsewhere_match(person, kind, fees)
    if bill is None or not covered:
        return []
    Fee.objects.filter(pk__in=[f.pk for f in covered]).update(
        status=Fee.Status.PAID if bill.status == Invoice.Status.PAID else Fee.Status.INVOICED, invoice=bill
    )
    return covered


def fees_link_billed_elsewhere(*, person: Person) -> int:
    """Link a person's open fees to the invoices made elsewhere that already bill them; returns how many.

    Before anything that counts both (a write-off waives the fees and cancels the invoices).
    """
    fees = list(
        Fee.objects.select_for_update()
        .filter(person=person, status=Fee.Status.OPEN, invoice__isnull=True, amount_cents__gt=0)
        .order_by("kind", "created_on", "pk")
    )
    return sum(len(_billed_elsewhere(person, kind, list(group))) for kind, group in groupby(fees, key=lambda f: f.kind))


@transaction.atomic
def fees_invoice(*, person: Person, actor: Actor) -> list[Invoice]:
    """Invoice a person's open fees, one invoice per kind; returns the new invoices.

    A fee is billed once: only open fees that are on no invoice, and none that an
    invoice of its kind made elsewhere already bills (_billed_elsewhere).
    """
    fees = list(
        Fee.objects.select_for_update()
        .filter(person=person, status=Fee.Status.OPEN, invoice__isnull=True, amount_cents__gt=0)
        .order_by("kind", "created_on", "pk")
    )
    invoices = []
    for kind, group in groupby(fees, key=lambda f: f.kind):
        items = list(group)
        covered = {f.pk for f in _billed_elsewhere(person, kind, items)}
        items = [f for f in items if f.pk not in covered]
        if not items:
            continue
        lines = [
            InvoiceLineIn(
                description=f"{DESCRIPTION[Fee.Kind(kind)]} {fee.created_on:%d-%m-%Y}",
                unit_amount_cents=fee.amount_cents,
                vat_percent=VAT_PERCENT[Fee.Kind(kind)],
            )
            for fee in items
        ]
        invoice = invoice_create(person=person, lines=lines, source=SOURCE[Fee.Kind(kind)], actor=actor)
        Fee.objects.filter(pk__in=[f.pk for f in items]).update(status=Fee.Status.INVOICED, invoice=invoice)
        invoices.append(invoice)
    return invoices


def fees_invoice_all(*, actor: Actor) -> int:
    """Daily: invoice everyone's open fees, each person in their own transaction."""
    count = 0
    people = Person.objects.filter(pk__in=Fee.objects.filter(status=Fee.Status.OPEN).values("person_id"))
    for person in people.iterator(chunk_size=500):
        count += len(fees_invoice(person=person, actor=actor))
    return count


def fees_settle() -> dict[str, int]:
    """Follow the invoices: paid settles the fees, cancelled waives them (set-based)."""
    invoiced = Fee.objects.filter(status=Fee.Status.INVOICED)
    paid = invoiced.filter(invoice__status=Invoice.Status.PAID).update(status=Fee.Status.PAID)
    waived = invoiced.filter(invoice__status=Invoice.Status.CANCELLED).update(status=Fee.Status.WAIVED)
    return {"paid": paid, "waived": waived}


def unpaid_blocks_refresh(*, on: dt.date, actor: Actor) -> dict[str, int]:
    """Block members with an open invoice past its due date; lift it once none is."""
    overdue = Invoice.objects.filter(status=Invoice.Status.OPEN, due_on__lt=on).values("person_id")
    blocked = Block.objects.filter(reason=Block.Reason.UNPAID, lifted_at__isnull=True, created_by__isnull=True)
    to_block = Person.objects.filter(pk__in=overdue).exclude(
        pk__in=Block.objects.filter(reason=Block.Reason.UNPAID, lifted_at__isnull=True).values("person_id")
    )
    to_lift = blocked.exclude(person_id__in=overdue).select_related("person")
    done = {"blocked": 0, "lifted": 0}
    for person in to_block.iterator(chunk_size=500):
        with transaction.atomic():
            block_set(person=person, reason=Block.Reason.UNPAID, actor=actor)
        done["blocked"] += 1
    for block in to_lift.iterator(chunk_size=500):
        with transaction.atomic():
            block_lift(block=block, actor=actor)
        done["lifted"] += 1
    return done
