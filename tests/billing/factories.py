"""Billing test data, built through the services."""

from __future__ import annotations

from typing import Any

from kolk.billing.models import Invoice, Mandate
from kolk.billing.services import InvoiceLineIn, bank_account_set, invoice_create, mandate_sign
from kolk.people.models import Person
from tests.factories import PersonFactory

IBANS = ["NL91ABNA0417164300", "NL20INGB0001234567", "NL44RABO0123456789", "NL02ABNA0123456789"]


def make_invoice(person: Person | None = None, *, cents: int = 2500, vat: int = 21, **kwargs: Any) -> Invoice:
    kwargs.setdefault("source", Invoice.Source.SUBSCRIPTION)
    return invoice_create(
        person=person or PersonFactory(),
        lines=[InvoiceLineIn(description="Abonnement Basis", unit_amount_cents=cents, vat_percent=vat)],
        actor=None,
        **kwargs,
    )


def make_mandate(person: Person | None = None, *, iban: str = IBANS[0]) -> Mandate:
    person = person or PersonFactory()
    bank_account_set(person=person, iban=iban, holder_name=person.full_name, actor=None)
    return mandate_sign(person=person, actor=None)
