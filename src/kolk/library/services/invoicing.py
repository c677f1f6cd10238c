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
    Fee.Kind.FINE: _("Boete te laat ingeleverd"),
    Fee.Kind.RESERVATION: _("Reserveringskosten"),
}


@transaction.atomic
def fees_invoice(*, person: Person, actor: Actor) -> list[Invoice]:
    """Invoice a person's open fees, one invoice per kind; returns the new invoices."""
    fees = list(
        Fee.objects.select_for_update()
        .filter(person=person, status=Fee.Status.OPEN, amount_cents__gt=0)
        .order_by("kind", "created_on", "pk")
    )
    invoices = []
    for kind, group in groupby(fees, key=lambda f: f.kind):
        items = list(group)
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
