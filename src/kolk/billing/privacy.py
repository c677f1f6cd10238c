"""What billing tells the privacy core: the start event of fiscal retention and the legal hold.

Retention rule `fiscal` (register): invoice data is kept seven years from the
event `invoice_settled`, the end of the financial year in which the person's last
invoice was paid or cancelled. While a person has an open invoice their data is
held (`legal_hold_unpaid`): it is still needed to collect what is owed.

The retention engine is not in this branch yet; when it lands, register:
    register_event("invoice_settled", invoice_settled_events)
and use `legal_hold_unpaid` as a hold.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Max, QuerySet

from kolk.billing.models import Invoice
from kolk.billing.selectors import unpaid_person_ids


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
