"""Reservations: a queue per title with a pickup branch, holds, expiry and the reservation fee.

A copy on the shelf is put aside at once (the reservation is ready); otherwise
the reservation waits and check-in hands the next returned copy to the first in
the queue. A ready reservation not picked up by its date expires and its copy
goes to the next one.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Case, Value, When
from django.utils.translation import gettext as _

from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.library.models import Branch, Copy, Reservation, Title
from kolk.library.models.members import FREE_UNDER
from kolk.library.selectors import blocks_standing, subscription_current
from kolk.library.services.fees import fee_add
from kolk.library.services.loans import HOLD_DAYS, _hold_for_next
from kolk.library.services.members import activity_touch, block_message
from kolk.library.services.notices import notice_reservation_ready
from kolk.people.models import Person
from kolk.privacy.audit import audit_log


@transaction.atomic
def reservation_place(*, title: Title, person: Person, pickup_branch: Branch, actor: Actor) -> Reservation:
    """Reserve a title for pickup at a branch; charges the subscription's fee (none for youth)."""
    on = today()
    reasons = blocks_standing(person)
    if reasons:
        raise KolkError(block_message(reasons), code="blocked")
    subscription = subscription_current(person)
    if subscription is None:
        raise KolkError(_("Geen lopend abonnement: reserveren kan niet."), code="no_subscription")
    if Reservation.objects.filter(
        title=title, person=person, status__in=[Reservation.Status.WAITING, Reservation.Status.READY]
    ).exists():
        raise KolkError(_("Deze titel is al gereserveerd voor dit lid."), code="already_reserved")
    reservation = Reservation.objects.create(title=title, person=person, pickup_branch=pickup_branch, placed_at=now())
    free = (
        Copy.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(title=title, status=Copy.Status.AVAILABLE)
        .annotate(elsewhere=Case(When(branch_id=pickup_branch.pk, then=Value(0)), default=Value(1)))
        .order_by("elsewhere", "pk")  # a copy at the pickup branch first: nothing to send
        .first()
    )
    if free is not None:
        _set_aside(reservation, free, on, actor)
    age = person.privacy_age(on)
    fee = subscription.type.reservation_fee_cents if age is None or age >= FREE_UNDER else 0
    if fee:
        fee_add(person_id=person.pk, kind="reservation", amount_cents=fee, on=on)
    activity_touch(person_id=person.pk, on=on)
    audit_log(
        actor=actor,
        action="reservation.placed",
        subject=person,
        details={"reservation": reservation.pk, "title": title.pk, "ready": free is not None, "fee_cents": fee},
    )
    return reservation


def _set_aside(reservation: Reservation, copy: Copy, on: dt.date, actor: Actor) -> None:
    """Set a copy on the shelf aside for the reservation; it goes on its branch's pull list.

    At the pickup branch the reservation is ready at once; a copy at another
    branch is sent there first (scanned at the desk when pulled) and the
    reservation waits for it.
    """
    reservation.copy = copy
    reservation.to_pull = True
    if copy.branch_id == reservation.pickup_branch_id:
        reservation.status = Reservation.Status.READY
        reservation.ready_on = on
        reservation.expires_on = on + dt.timedelta(days=HOLD_DAYS)
    reservation.save(update_fields=["status", "copy", "to_pull", "ready_on", "expires_on"])
    copy.status = Copy.Status.ON_HOLD
    copy.save(update_fields=["status"])
    if reservation.status == Reservation.Status.READY:
        notice_reservation_ready(reservation=reservation, actor=actor)


def _release(reservation: Reservation, on: dt.date, actor: Actor) -> Reservation | None:
    """A reservation lets go of its copy: the next in the queue gets it, or the shelf.

    A copy in transit is left to its arrival: taken in where it was going, it
    serves the next reservation there or goes home.
    """
    if reservation.copy_id is None:
        return None
    copy = Copy.objects.select_for_update(of=("self",)).get(pk=reservation.copy_id)
    if copy.status != Copy.Status.ON_HOLD:
        return None
    if reservation.to_pull:  # still on its own shelf: the next one has it set aside, or it is free again
        following = (
            Reservation.objects.select_for_update(of=("self",))
            .filter(title_id=copy.title_id, status=Reservation.Status.WAITING, copy__isnull=True)
            .select_related("person", "pickup_branch", "title")
            .order_by("placed_at", "pk")
            .first()
        )
        if following is not None:
            _set_aside(following, copy, on, actor)
            return following
        copy.status = Copy.Status.AVAILABLE
        copy.save(update_fields=["status"])
        return None
    return _hold_for_next(copy, on, actor)


@transaction.atomic
def reservation_cancel(*, reservation: Reservation, actor: Actor) -> Reservation:
    if reservation.status not in (Reservation.Status.WAITING, Reservation.Status.READY):
        raise KolkError(_("Deze reservering loopt niet meer."), code="not_open")
    reservation.status = Reservation.Status.CANCELLED
    reservation.save(update_fields=["status"])
    _release(reservation, today(), actor)  # a copy set aside (ready, or on the shelf for elsewhere)
    audit_log(
        actor=actor, action="reservation.cancelled", subject=reservation.person, details={"reservation": reservation.pk}
    )
    return reservation


def reservations_expire(*, on: dt.date, actor: Actor) -> int:
    """Daily: ready reservations past their pickup date expire; each copy goes to the next in line."""
    expired = 0
    due = Reservation.objects.filter(status=Reservation.Status.READY, expires_on__lt=on).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            reservation = Reservation.objects.select_for_update(of=("self",)).select_related("person").get(pk=pk)
            if reservation.status != Reservation.Status.READY:
                continue
            reservation.status = Reservation.Status.EXPIRED
            reservation.save(update_fields=["status"])
            _release(reservation, on, actor)
            audit_log(
                actor=actor, action="reservation.expired", subject=reservation.person, details={"reservation": pk}
            )
            expired += 1
    return expired
