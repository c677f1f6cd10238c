"""Notices through the comms outbox: reservation ready, overdue (service notice for the loan), the loan
slip mailed from the desk, and the pre-due reminder (L13), which goes only to those who consented, through the
purpose gate: non-consenters and children without a guardian's consent drop out.

The first three kinds go by the channel the member chose (email, SMS or post; kolk.comms.notices), decided
when the notice is queued; the loan slip is a mail the desk sends on request.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kolk.comms.models import MessageKind, NoticeKind
from kolk.comms.notices import notice_send
from kolk.comms.outbox import message_queue
from kolk.core.actors import Actor
from kolk.core.errors import KolkError
from kolk.library.models import Loan, Reservation
from kolk.library.selectors import loans_open
from kolk.people.models import Person
from kolk.privacy.gate import purpose_read

REMIND_DAYS_BEFORE = 3


def _queue(**kwargs: Any) -> bool:
    """Queue one message; a person without an email address gets none (the desk tells them)."""
    try:
        with transaction.atomic():
            message_queue(**kwargs)
    except ValidationError:
        return False
    return True


def _notice(*, notice: str, **kwargs: Any) -> bool:
    """Queue one notice on the member's channel; False when no channel could carry it (the desk tells them).

    A member who chose no notice of this kind (where allowed) counts as told.
    """
    person = kwargs.pop("to_person")
    return notice_send(person=person, notice=notice, **kwargs) != ""


def notice_reservation_ready(*, reservation: Reservation, actor: Actor) -> bool:
    return _notice(
        notice=NoticeKind.HOLD_READY,
        template="library_reservation_ready",
        context={
            "title": reservation.title.title,
            "branch": reservation.pickup_branch.name,
            "expires_on": reservation.expires_on,
        },
        purpose="lending",
        kind=MessageKind.SERVICE,
        actor=actor,
        idempotency_key=f"library:reservation-ready:{reservation.pk}:{reservation.copy_id}",
        to_person=reservation.person,
    )


def reminders_pre_due(*, on: dt.date, actor: Actor) -> int:
    """Remind consenters (L13) of loans due in REMIND_DAYS_BEFORE days; each loan once."""
    due = on + dt.timedelta(days=REMIND_DAYS_BEFORE)
    candidates = Loan.objects.filter(returned_at__isnull=True, due_on=due, reminded_on__isnull=True)
    rows = purpose_read(
        purpose="notices_advice", model=Loan, fields=["id", "reminded_on"], actor=actor, queryset=candidates
    ).list()
    sent = 0
    ids = [row["id"] for row in rows]
    for loan in Loan.objects.filter(pk__in=ids).select_related("person", "copy__title").iterator(chunk_size=500):
        queued = _notice(
            notice=NoticeKind.DUE_SOON,
            template="library_pre_due",
            context={"title": loan.copy.title.title, "due_on": loan.due_on},
            purpose="notices_advice",
            kind=MessageKind.NOTICE,
            actor=actor,
            idempotency_key=f"library:pre-due:{loan.pk}:{loan.due_on:%Y%m%d}",
            to_person=loan.person,
        )
        if queued:
            Loan.objects.filter(pk=loan.pk).update(reminded_on=on)
            sent += 1
    return sent


def notices_overdue(*, on: dt.date, actor: Actor, days_late: int = 1) -> int:
    """Tell members the day after the due date that a loan is late (service mail for the loan)."""
    late = Loan.objects.filter(
        returned_at__isnull=True, due_on=on - dt.timedelta(days=days_late), person__isnull=False
    ).select_related("person", "copy__title")
    sent = 0
    for loan in late.iterator(chunk_size=500):
        sent += _notice(
            notice=NoticeKind.OVERDUE,
            template="library_overdue",
            context={"title": loan.copy.title.title, "due_on": loan.due_on},
            purpose="lending",
            kind=MessageKind.SERVICE,
            actor=actor,
            idempotency_key=f"library:overdue:{loan.pk}:{loan.due_on:%Y%m%d}",
            to_person=loan.person,
        )
    return sent


def notice_loan_slip(*, person: Person, visit: str, actor: Actor) -> bool:
    """Mail the loan slip: what the member has at home and when each is due, as the printed slip shows it.

    Once per visit at the desk and slip: a second click (or a second desk) queues
    nothing new, while a slip that changed in the same visit (one more item lent)
    is a new mail. False when the member has no email address.
    """
    loans = list(loans_open(person).order_by("due_on", "pk"))
    if not loans:
        raise KolkError(_("Dit lid heeft niets geleend: er is geen uitleenbon."), code="no_loans")
    slip = hashlib.sha256(",".join(f"{loan.pk}:{loan.due_on:%Y%m%d}" for loan in loans).encode()).hexdigest()[:16]
    return _queue(
        template="library_loan_slip",
        context={"loans": [{"title": loan.copy.title.title, "due_on": loan.due_on} for loan in loans]},
        purpose="lending",
        kind=MessageKind.SERVICE,
        actor=actor,
        idempotency_key=f"library:loan-slip:{person.pk}:{visit[:64]}:{slip}",
        to_person=person,
    )
