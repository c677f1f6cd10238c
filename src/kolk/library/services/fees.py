"""Fees, fines and reservation fees owed to the library, kept until billing invoices them.

Called from the library's own services inside their transaction; the audit
entry is the caller's.
"""

from __future__ import annotations

import datetime as dt

from kolk.library.models import Fee, Loan, Subscription


def fee_add(
    *,
    person_id: int,
    kind: str,
    amount_cents: int,
    on: dt.date,
    loan: Loan | None = None,
    subscription: Subscription | None = None,
) -> Fee:
    if kind not in Fee.Kind.values or amount_cents < 0:
        raise ValueError(f"bad fee {kind} {amount_cents}")
    return Fee.objects.create(
        person_id=person_id, kind=kind, amount_cents=amount_cents, created_on=on, loan=loan, subscription=subscription
    )
