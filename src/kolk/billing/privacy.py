"""What billing tells the privacy core: fiscal retention, its start event, the unpaid hold.

Rule `fiscal` (register, a legal duty the statement does not state): invoice
data is kept seven years from the end of the financial year in which an
invoice was paid or cancelled. The person is kept meanwhile (invoices protect
their person), and while they have an open invoice nothing of theirs is erased
(`legal_hold_unpaid`). When the seven years are over, one retention run removes
the payments, collection items and invoices, in that order, and then, if no
other rule runs for them, the person.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Max, QuerySet

from kolk.billing.models import Invoice
from kolk.billing.selectors import unpaid_person_ids
from kolk.privacy.register import Text
from kolk.privacy.registry import Scope, register_event, register_hold, retain

INVOICES = Scope.of(
    models=["billing.Invoice", "billing.BankAccount"],
    categories=["name", "address"],
    fields=["customer_number"],
)


def invoice_settled_events() -> QuerySet[Any, Any]:
    """One row per person whose invoices are all or partly closed: {person_id, date}.

    `date` is the end of the financial year of the person's latest settled or
    cancelled invoice. Set-based, over the indexed `closed_year_end`.
    """
    return (
        Invoice.objects.filter(closed_year_end__isnull=False)
        .values("person_id")
        .annotate(date=Max("closed_year_end"))
        .order_by("person_id")
    )


def legal_hold_unpaid() -> QuerySet[Invoice, int]:
    """The ids of people with an open invoice; their data may not be erased yet."""
    return unpaid_person_ids()


register_event(
    "invoice_settled",
    lambda: invoice_settled_events().values(subject_id=F("person_id")).annotate(event_date=F("date")),
    scope=INVOICES,
)
register_hold(
    "unpaid",
    legal_hold_unpaid,
    Text(nl="een openstaande factuur (fiscale administratie)", en="an open invoice (financial administration)"),
    scope=INVOICES,
)
# Children before parents: payments and collection items protect their invoice.
retain("billing.Payment", rule="fiscal", action="delete", date_field="invoice__closed_year_end")
retain("billing.OnlinePayment", rule="fiscal", action="delete", date_field="invoice__closed_year_end")
retain("billing.CollectionItem", rule="fiscal", action="delete", date_field="invoice__closed_year_end")
retain("billing.Invoice", rule="fiscal", action="delete", date_field="closed_year_end")
