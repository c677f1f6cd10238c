"""Overdue loans, daily: fines accrue on open loans, long-overdue members are blocked,
and the overdue block is lifted by itself once nothing is long overdue any more.

Set-based over the open loans past their date (an indexed range), so the cost
grows with the overdue loans, not with the size of the library.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from kolk.core.actors import Actor
from kolk.library.models import Block, Loan, LoanRule
from kolk.library.services.loans import fine_for
from kolk.library.services.members import block_lift, block_set
from kolk.people.models import Person

BLOCK_AFTER_DAYS = 28


def fines_accrue(*, on: dt.date) -> int:
    """Bring the running fine of every overdue open loan up to date."""
    rules = {(r.media_type, r.subscription_type_id): r for r in LoanRule.objects.all()}
    overdue = Loan.objects.filter(returned_at__isnull=True, due_on__lt=on).select_related(
        "person", "copy__title", "subscription"
    )
    changed: list[Loan] = []
    for loan in overdue.iterator(chunk_size=1000):
        media = loan.copy.title.media_type
        kind = loan.subscription.type_id if loan.subscription else None
        rule = rules.get((media, kind)) or rules.get((media, None))
        if rule is None:
            continue
        fine = fine_for(loan, rule, on, loan.person)
        if fine != loan.fine_cents:
            loan.fine_cents = fine
            changed.append(loan)
    Loan.objects.bulk_update(changed, ["fine_cents"], batch_size=1000)
    return len(changed)


def overdue_blocks_refresh(*, on: dt.date, actor: Actor) -> dict[str, int]:
    """Block members with a loan more than BLOCK_AFTER_DAYS late; lift it when that is over."""
    cutoff = on - dt.timedelta(days=BLOCK_AFTER_DAYS)
    late = Loan.objects.filter(returned_at__isnull=True, due_on__lt=cutoff, person__isnull=False)
    blocked = Block.objects.filter(reason=Block.Reason.OVERDUE, lifted_at__isnull=True)
    to_block = Person.objects.filter(pk__in=late.values("person_id")).exclude(pk__in=blocked.values("person_id"))
    to_lift = blocked.exclude(person_id__in=late.values("person_id")).select_related("person")
    set_count = lift_count = 0
    for person in to_block.iterator(chunk_size=500):
        with transaction.atomic():
            block_set(person=person, reason=Block.Reason.OVERDUE, actor=actor)
        set_count += 1
    for block in to_lift.iterator(chunk_size=500):
        with transaction.atomic():
            block_lift(block=block, actor=actor)
        lift_count += 1
    return {"blocked": set_count, "lifted": lift_count}
