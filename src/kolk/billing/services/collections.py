"""SEPA direct-debit collections: which open invoices go to the bank, once each."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.dispatch import Signal
from django.utils.translation import gettext as _

from kolk.billing.models import Collection, CollectionItem, Invoice, Mandate
from kolk.billing.selectors import paid_subquery
from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log

BATCH = 1000
# Sent inside collection_create's transaction, with `collection` and `actor`.
collection_created = Signal()


def collectable_invoices() -> QuerySet[Invoice]:
    """Open invoices of people with an active mandate that are in no collection yet."""
    return (
        Invoice.objects.filter(
            Exists(Mandate.objects.filter(bank_account__person=OuterRef("person"), revoked_at__isnull=True)),
            status=Invoice.Status.OPEN,
            collection_item__isnull=True,
        )
        .annotate(paid_cents=paid_subquery())
        .order_by("pk")
    )


@transaction.atomic
def collection_create(
    *, collection_date: dt.date, actor: Actor, progress: Callable[[int], object] | None = None
) -> Collection | None:
    """Put every collectable invoice in one new collection; None when there is nothing to collect.

    One transaction: a run killed halfway leaves no collection at all, and the
    next run takes the same invoices. The invoices are locked, and an invoice
    can be in one collection only, so two runs at once never collect twice.
    """
    if collection_date <= today():
        raise ValidationError(
            {"collection_date": [_("De incassodatum moet na vandaag liggen.")]}, code="collection_date"
        )
    # Skip invoices another run holds: two runs at once split the work instead of waiting.
    locked = collectable_invoices().select_for_update(skip_locked=True, of=("self",))
    ids = list(locked.values_list("pk", flat=True))
    collection: Collection | None = None
    count = total = 0
    first_mandates: set[int] = set()
    for start in range(0, len(ids), BATCH):
        chunk = list(
            Invoice.objects.filter(pk__in=ids[start : start + BATCH])
            .annotate(paid_cents=paid_subquery())
            .values("pk", "person_id", "total_cents", "paid_cents")
        )
        mandates = {
            m.bank_account.person_id: m
            for m in Mandate.objects.filter(
                revoked_at__isnull=True, bank_account__person_id__in={row["person_id"] for row in chunk}
            ).select_related("bank_account")
        }
        items = []
        for row in chunk:
            amount = row["total_cents"] - row["paid_cents"]
            mandate = mandates.get(row["person_id"])
            if amount <= 0 or mandate is None:
                continue
            if collection is None:
                moment = now()
                collection = Collection.objects.create(
                    collection_date=collection_date,
                    created_at=moment,
                    message_id=f"DNK-{moment:%Y%m%d%H%M%S}-{secrets.token_hex(4)}",
                )
            if mandate.sequence == Mandate.Sequence.FIRST:
                first_mandates.add(mandate.pk)
            items.append(
                CollectionItem(
                    collection=collection,
                    invoice_id=row["pk"],
                    mandate=mandate,
                    amount_cents=amount,
                    sequence=mandate.sequence,
                )
            )
            total += amount
        try:
            with transaction.atomic():
                CollectionItem.objects.bulk_create(items)
        except IntegrityError as exc:
            raise KolkError(
                _("Een andere incassorun was tegelijk bezig met dezelfde facturen; probeer het opnieuw."),
                code="collection_busy",
            ) from exc
        count += len(items)
        if progress is not None:
            progress(len(chunk))
    if collection is None:
        return None
    # The next collection under these mandates is a recurring one.
    Mandate.objects.filter(pk__in=first_mandates).update(sequence=Mandate.Sequence.RECURRING)
    # Inside this transaction: the pre-notification mail (kolk.library.services.prenotification) is queued
    # with the collection or not at all. A signal, since billing sits below the outbox's layer.
    collection_created.send(sender=Collection, collection=collection, actor=actor)
    audit_log(
        actor=actor,
        action="collection.created",
        details={"collection": collection.pk, "items": count, "total_cents": total},
    )
    return collection


@transaction.atomic
def collection_mark_exported(*, collection: Collection, actor: Actor) -> Collection:
    """Record that the collection's file was written; writing it again is harmless."""
    collection = Collection.objects.select_for_update().get(pk=collection.pk)
    if collection.exported_at is None:
        collection.exported_at = now()
        collection.save(update_fields=["exported_at"])
        audit_log(actor=actor, action="collection.exported", details={"collection": collection.pk})
    return collection
