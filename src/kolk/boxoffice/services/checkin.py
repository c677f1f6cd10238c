"""Check-in at the door: a ticket code is scanned once, for its own show."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
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


@transaction.atomic
def ticket_check_in(*, code: str, show: Show, actor: Actor) -> CheckIn:
    """Scan a ticket for `show`: ok once; a second scan says when the first was.

    The ticket row is locked, so two doors scanning the same code at the same
    moment let one person in, not two.
    """
    code = code.strip()
    if not is_ticket_code(code):  # none of ours, and not worth a query (PostgreSQL refuses a NUL in one)
        return CheckIn("unknown", _("Onbekende kaart."))
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("order", "seat", "price")
        .filter(code=code)
        .first()
    )
    if ticket is None:
        return CheckIn("unknown", _("Onbekende kaart."))
    if ticket.order.status != Order.Status.PAID:
        return CheckIn("not_paid", _("Deze kaart is niet (meer) geldig."), ticket)
    if ticket.show_id != show.pk:
        return CheckIn("other_show", _("Deze kaart is voor een andere show."), ticket)
    if ticket.checked_in_at is not None:
        at = timezone.localtime(ticket.checked_in_at)
        return CheckIn("already", _("Al gescand om %(time)s.") % {"time": f"{at:%H:%M}"}, ticket, ticket.checked_in_at)
    ticket.checked_in_at = now()
    ticket.checked_in_by_id = user_id(actor)
    ticket.save(update_fields=["checked_in_at", "checked_in_by"])
    audit_log(actor=actor, action="ticket.checked_in", details={"ticket": ticket.pk, "show": show.pk})
    return CheckIn("ok", _("Welkom!"), ticket, ticket.checked_in_at)
