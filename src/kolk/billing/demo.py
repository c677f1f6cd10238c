"""Demo billing: bank accounts and mandates for some demo people, open and paid invoices."""

from __future__ import annotations

from schwifty import IBAN

from kolk.billing.models import Invoice
from kolk.billing.services import (
    InvoiceLineIn,
    bank_account_set,
    invoice_cancel,
    invoice_create,
    mandate_sign,
    payment_record,
)
from kolk.core.demo import DemoContext
from kolk.people.models import Person

BANKS = ["ABNA", "INGB", "RABO", "SNSB", "ASNB", "TRIO", "KNAB", "BUNQ"]
SUBSCRIPTIONS = [("Abonnement Basis (jaar)", 4950), ("Abonnement Compleet (jaar)", 6900), ("Abonnement Jongeren", 2600)]


def seed_demo(ctx: DemoContext, *, load: bool) -> None:
    if not load:
        return
    ids = ctx.shared.get("people", [])
    people = list(Person.objects.filter(pk__in=ids).order_by("pk"))
    for i, person in enumerate(people):
        if i % 3 == 2:  # a third pay by transfer, without bank details on file
            continue
        iban = IBAN.generate(
            "NL", bank_code=ctx.random.choice(BANKS), account_code=f"{ctx.random.randint(0, 9_999_999_999):010d}"
        )
        bank_account_set(person=person, iban=iban.compact, holder_name=person.full_name, actor=None)
        if i % 4 != 3:
            mandate_sign(person=person, actor=None)
    for i, person in enumerate(people):
        description, cents = SUBSCRIPTIONS[i % len(SUBSCRIPTIONS)]
        subscription = invoice_create(
            person=person,
            lines=[InvoiceLineIn(description=description, unit_amount_cents=cents, vat_percent=9)],
            source=Invoice.Source.SUBSCRIPTION,
            actor=None,
        )
        if i % 2 == 0:
            method = ctx.random.choice(["ideal", "card", "cash", "bank_transfer"])
            payment_record(
                invoice=subscription,
                amount_cents=cents,
                method=method,
                reference=f"DEMO-{subscription.number}",
                actor=None,
            )
        if i % 5 == 1:
            invoice_create(
                person=person,
                lines=[
                    InvoiceLineIn(
                        description="Te laat ingeleverd (3 dagen)", unit_amount_cents=25, quantity=3, vat_percent=0
                    )
                ],
                source=Invoice.Source.FINE,
                actor=None,
            )
        if i % 7 == 3:
            invoice_create(
                person=person,
                lines=[InvoiceLineIn(description="Reserveringskosten", unit_amount_cents=100, vat_percent=9)],
                source=Invoice.Source.RESERVATION,
                actor=None,
            )
        if i % 9 == 4:
            order = invoice_create(
                person=person,
                lines=[
                    InvoiceLineIn(
                        description="Voorstelling, 2 kaarten rang 1", unit_amount_cents=2850, quantity=2, vat_percent=9
                    )
                ],
                source=Invoice.Source.ORDER,
                actor=None,
            )
            if i % 2:
                invoice_cancel(invoice=order, actor=None)
