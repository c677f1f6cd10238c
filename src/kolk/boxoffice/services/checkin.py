"""Check-in at the door: a ticket code is scanned once, for its own show.

The door reads its result from two metres: what happened, and for a double
scan when and which seat, for a ticket of another show which show and when.
A door that lost the network scans against the show's list (a hash of each
valid code, never the codes) and posts its scans when back: `checkins_sync`
applies them idempotently (a scan sent twice is one check-in) and reports
the real doubles.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _

from kolk.boxoffice.codes import is_ticket_code
from kolk.boxoffice.models import Order, Show, Ticket
from kolk.core.actors import Actor, user_id
from kolk.core.clock import now
from kolk.privacy.audit import audit_log


@dataclass(frozen=True)
class CheckIn:
    result: str  # ok, already, other_show, not_paid, unknown
    message: str
    ticket: Ticket | None = None
    at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.result == "ok"

    @property
    def tone(self) -> str:
        """The feedback colour and sound: ok (green), warn (orange: seen before), error (red)."""
        return {"ok": "ok", "already": "warn"}.get(self.result, "error")

    @property
    def seat(self) -> str:
        seat = self.ticket.seat if self.ticket is not None else None
        return _("rij %(row)s stoel %(number)s") % {"row": seat.row, "number": seat.number} if seat else ""


def when(at: dt.datetime) -> str:
    """A time as the door reads it: `vr 11 dec 2026, 20:15`."""
    return dateformat.format(timezone.localtime(at), "D j b Y, H:i")


def code_hash(show_id: int, code: str) -> str:
    """What a door keeps offline for a valid code: a hash bound to the show, from which no code can be made."""
    return hashlib.sha256(f"kolk-door:{show_id}:{code}".encode()).hexdigest()


@transaction.atomic
def ticket_check_in(*, code: str, show: Show, actor: Actor, at: dt.datetime | None = None) -> CheckIn:
    """Scan a ticket for `show`: ok once; a second scan says when the first was and which seat.

    The ticket row is locked, so two doors scanning the same code at the same
    moment let one person in, not two. `at` is when a door scanned offline.
    """
    code = code.strip()
    if not is_ticket_code(code):  # none of ours, and not worth a query (PostgreSQL refuses a NUL in one)
        return CheckIn("unknown", _("Onbekend kaartje."))
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("order", "seat", "price", "show__film", "show__production")
        .filter(code=code)
        .first()
    )
    if ticket is None:
        return CheckIn("unknown", _("Onbekend kaartje."))
    if ticket.order.status != Order.Status.PAID:
        return CheckIn("not_paid", _("Dit kaartje is niet (meer) geldig."), ticket)
    if ticket.show_id != show.pk:
        return CheckIn(
            "other_show",
            _("Dit kaartje is voor %(title)s op %(when)s.")
            % {"title": ticket.show.title, "when": when(ticket.show.starts_at)},
            ticket,
        )
    result = CheckIn("ok", _("Welkom!"), ticket)
    if ticket.checked_in_at is not None:
        if at is not None and ticket.checked_in_at == at:  # the same offline scan, sent again
            return CheckIn("ok", _("Welkom!"), ticket, at)
        first = timezone.localtime(ticket.checked_in_at)
        message = _("Al gescand om %(time)s") % {"time": f"{first:%H:%M}"}
        if result.seat:
            message += " — " + result.seat
        return CheckIn("already", message, ticket, ticket.checked_in_at)
    ticket.checked_in_at = at or now()
    ticket.checked_in_by_id = user_id(actor)
    ticket.save(update_fields=["checked_in_at", "checked_in_by"])
    audit_log(actor=actor, action="ticket.checked_in", details={"ticket": ticket.pk, "show": show.pk})
    return CheckIn("ok", _("Welkom!"), ticket, ticket.checked_in_at)


@dataclass(frozen=True)
class DoorCount:
    inside: int
    sold: int


def door_count(show: Show) -> DoorCount:
    """How many of the show's sold tickets are in: one query, from the tickets of paid orders."""
    counts = Ticket.objects.filter(show=show, order__status=Order.Status.PAID).aggregate(
        sold=Count("pk"), inside=Count("pk", filter=Q(checked_in_at__isnull=False))
    )
    return DoorCount(inside=counts["inside"], sold=counts["sold"])


def door_list(show: Show) -> list[tuple[str, str]]:
    """The show's valid codes as the door keeps them offline: (hash of the code, seat), one query."""
    rows = Ticket.objects.filter(show=show, order__status=Order.Status.PAID).values_list(
        "code", "seat__row", "seat__number"
    )
    return [
        (code_hash(show.pk, code), _("rij %(row)s stoel %(number)s") % {"row": r, "number": n} if r else "")
        for code, r, n in rows
    ]


MAX_SYNC = 500


def checkins_sync(*, show: Show, scans: Sequence[tuple[str, dt.datetime]], actor: Actor) -> list[CheckIn]:
    """Apply the scans a door made offline, in the order they were made; sending them again changes nothing."""
    return [ticket_check_in(code=code, show=show, actor=actor, at=at) for code, at in sorted(scans, key=lambda s: s[1])]
