"""Reads of self-service that the kiosk server, the desk and the commands share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from kolk.library.models import Copy, Kiosk, KioskPin, Loan, Reservation
from kolk.people.models import Person


def kiosks_all() -> QuerySet[Kiosk]:
    return Kiosk.objects.select_related("branch", "user").order_by("name")


def kiosk_named(name: str) -> Kiosk | None:
    return kiosks_all().filter(name=name.strip().lower()[:40]).first()


def kiosk_still_valid(kiosk: Kiosk) -> bool:
    """True while the kiosk is enabled and its secret is the one it signed in with (one indexed read)."""
    return Kiosk.objects.filter(pk=kiosk.pk, disabled_at__isnull=True, secret_set_at=kiosk.secret_set_at).exists()


def person_id_by_pass(pass_number: str) -> int | None:
    """The id of the person with this pass number; the caller reaches them through kolk.people.reach."""
    value = pass_number.strip()
    if not value or len(value) > 14:
        return None
    return Person.objects.filter(pass_number=value).values_list("pk", flat=True).first()


def pin_set_on(person: Person) -> dt.datetime | None:
    """When the member's kiosk PIN was set, or None."""
    return KioskPin.objects.filter(person=person).values_list("set_at", flat=True).first()


def open_loan_of_copy(barcode: str, person: Person) -> Loan | None:
    """The person's open loan of the copy with this barcode."""
    return (
        Loan.objects.filter(copy__barcode=barcode.strip()[:20], person=person, returned_at__isnull=True)
        .select_related("copy__title")
        .first()
    )


def holds_open(person: Person) -> list[Reservation]:
    """The member's reservations still waiting or ready to collect, oldest first."""
    return list(
        Reservation.objects.filter(person=person, status__in=[Reservation.Status.WAITING, Reservation.Status.READY])
        .select_related("copy", "title")
        .order_by("placed_at")[:100]
    )


@dataclass(frozen=True)
class CopyState:
    """What a kiosk may say about a copy: never who has it or waits for it."""

    copy: Copy
    queue: int  # reservations waiting for its title
    due_on: dt.date | None
    hold_until: dt.date | None


def copy_state(barcode: str) -> CopyState | None:
    copy = Copy.objects.select_related("title", "branch").filter(barcode=barcode.strip()[:20]).first()
    if copy is None:
        return None
    queue = Reservation.objects.filter(title_id=copy.title_id, status=Reservation.Status.WAITING).count()
    due_on = hold_until = None
    if copy.status == Copy.Status.ON_LOAN:
        due_on = Loan.objects.filter(copy=copy, returned_at__isnull=True).values_list("due_on", flat=True).first()
    if copy.status == Copy.Status.ON_HOLD:
        hold_until = (
            Reservation.objects.filter(copy=copy, status=Reservation.Status.READY)
            .values_list("expires_on", flat=True)
            .first()
        )
    return CopyState(copy=copy, queue=queue, due_on=due_on, hold_until=hold_until)
