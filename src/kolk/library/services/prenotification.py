"""The SEPA pre-notification: before each collection, every debtor hears what is debited when, from which account.

Queued when billing creates a collection (its collection_created signal, sent in
the collection's transaction: no collection, no mail); one mail per person and
collection (idempotent). Here and not in billing, since the outbox (comms) and
billing sit side by side below the library in the layers.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from kolk.billing.models import Collection, CollectionItem, Mandate
from kolk.comms.models import MessageKind
from kolk.comms.outbox import message_queue
from kolk.core.actors import Actor
from kolk.people.models import Person


def prenotifications_queue(*, collection: Collection, actor: Actor) -> int:
    """Queue one pre-notification per debtor of `collection`; returns how many were queued."""
    rows = list(
        CollectionItem.objects.filter(collection=collection)
        .values("invoice__person_id", "mandate_id")
        .annotate(total=Sum("amount_cents"))
        .order_by("invoice__person_id")
    )
    mandates = Mandate.objects.select_related("bank_account").in_bulk([r["mandate_id"] for r in rows])
    people = Person.objects.in_bulk([r["invoice__person_id"] for r in rows])
    queued = 0
    for row in rows:
        mandate, person = mandates[row["mandate_id"]], people[row["invoice__person_id"]]
        try:
            with transaction.atomic():
                message_queue(
                    template="billing_prenotification",
                    context={
                        "amount_cents": row["total"],
                        "collection_date": collection.collection_date,
                        "mandate_reference": mandate.reference,
                        "account": mandate.bank_account.masked_iban,
                    },
                    purpose="invoicing",
                    kind=MessageKind.SERVICE,
                    actor=actor,
                    idempotency_key=f"billing:prenotification:{collection.pk}:{person.pk}",
                    to_person=person,
                )
        except ValidationError:  # no email address: the invoice says it
            continue
        queued += 1
    return queued


def on_collection_created(sender: Any, *, collection: Collection, actor: Actor, **kwargs: Any) -> None:
    prenotifications_queue(collection=collection, actor=actor)
