"""Reads of the library that pages, the API and services share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from kolk.billing.selectors import invoices_for
from kolk.core.clock import today
from kolk.core.prepared import Prepared
from kolk.library.models import Block, Branch, Copy, Fee, Loan, Reservation, Subscription
from kolk.people.models import Person


def _running(own_or_family: Q) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(own_or_family)
        .exclude(status=Subscription.Status.ENDED)
        .select_related("type")
        .order_by("pk")[:1]
    )


# Read on every checkout: compiled once per process (kolk.core.prepared).
_OWN_SUBSCRIPTION = Prepared(lambda person_id: _running(Q(person_id=person_id)), int)
_OWN_OR_FAMILY_SUBSCRIPTION = Prepared(
    lambda person_id, household_id: _running(
        Q(person_id=person_id) | Q(household_id=household_id, type__is_family=True)
    ),
    int,
    int,
)
_BLOCKS = Prepared(
    lambda person_id: Block.objects.filter(person_id=person_id, lifted_at__isnull=True).values_list(
        "reason", flat=True
    ),
    int,
)


def subscription_current(person: Person) -> Subscription | None:
    """The subscription a person borrows under: their own, or their household's family one."""
    if person.household_id is None:
        found: Subscription | None = _OWN_SUBSCRIPTION.first(person.pk)
    else:
        found = _OWN_OR_FAMILY_SUBSCRIPTION.first(person.pk, person.household_id)
    return found


def blocks_standing(person: Person) -> list[str]:
    """The reasons of the blocks on a person that were not lifted."""
    return _BLOCKS.all(person.pk)


def member_overview(person: Person, *, on: dt.date | None = None) -> dict[str, object]:
    """What the desk shows on a member's page: a bounded number of queries."""
    on = on or today()
    return {
        "subscription": subscription_current(person),
        "subscriptions": list(
            Subscription.objects.filter(person=person).select_related("type").order_by("-started_on")[:10]
        ),
        "loans": list(
            Loan.objects.filter(person=person, returned_at__isnull=True)
            .select_related("copy__title")
            .order_by("due_on", "pk")
        ),
        "recent_loans": list(
            Loan.objects.filter(person=person, returned_at__isnull=False)
            .select_related("copy__title")
            .order_by("-returned_at")[:10]
        ),
        "reservations": list(
            Reservation.objects.filter(person=person, status__in=["waiting", "ready"])
            .select_related("title", "pickup_branch")
            .order_by("placed_at")
        ),
        "blocks": list(Block.objects.filter(person=person, lifted_at__isnull=True).order_by("created_at")),
        "fees": list(Fee.objects.filter(person=person, status=Fee.Status.OPEN).order_by("created_on")),
        "invoices": list(invoices_for(person)[:10]),
        "today": on,
    }


def loans_open(person: Person) -> QuerySet[Loan]:
    return Loan.objects.filter(person=person, returned_at__isnull=True).select_related("copy__title")


def home_branch_of(person: Person) -> Branch | None:
    """The branch a member uses: where they last picked up a reservation, else where their last loan lives."""
    last_pickup = (
        Reservation.objects.filter(person=person).select_related("pickup_branch").order_by("-placed_at", "-pk").first()
    )
    if last_pickup is not None:
        return last_pickup.pickup_branch
    last_loan = (
        Loan.objects.filter(person=person).select_related("copy__branch").order_by("-checked_out_at", "-pk").first()
    )
    return last_loan.copy.branch if last_loan is not None else None


def pull_list(branch: Branch) -> QuerySet[Reservation]:
    """What to take from this branch's shelves for reservations: copies set aside that still stand on the shelf here.

    A copy found on the shelf when a reservation was placed is set aside for it
    (`to_pull`) but still stands in the stacks: someone takes it out and scans it
    at Innemen, which puts it in the afhaalkast or sends it to the pickup branch.
    A copy in transit, or one that came over the desk, is not on a shelf.
    """
    return (
        Reservation.objects.filter(
            status__in=[Reservation.Status.READY, Reservation.Status.WAITING],
            to_pull=True,
            copy__branch=branch,
            copy__status=Copy.Status.ON_HOLD,
        )
        .select_related("title", "copy", "pickup_branch", "person")
        .order_by("ready_on", "placed_at", "pk")
    )


def fines_uninvoiced_cents(person: Person) -> int:
    """The member's open fines (te-laat-geld) that are on no invoice yet, in cents."""
    fines = Fee.objects.filter(person=person, kind=Fee.Kind.FINE, status=Fee.Status.OPEN, invoice__isnull=True)
    return sum(fines.values_list("amount_cents", flat=True))
