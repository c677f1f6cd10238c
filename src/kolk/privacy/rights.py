"""Requests from people (D01-D08, art. 18 and 20): received, verified, answered in time.

The deadline is one month from receipt, extendable once by two months with the
reason told to the person within the first month (art. 12(3)). For access,
correction and erasure the person proves their identity at the desk (D07):
staff record who saw it, how and when, never a copy or number of the document.
A request made in the portal by a logged-in member needs no second check. An
open request is a legal hold: retention erases nothing of that person meanwhile.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log
from kolk.privacy.models import RightsRequest
from kolk.privacy.register import Duration

NEEDS_IDENTITY = {
    RightsRequest.Kind.ACCESS,
    RightsRequest.Kind.CORRECTION,
    RightsRequest.Kind.ERASURE,
    RightsRequest.Kind.PORTABILITY,
}
ONE_MONTH = Duration(iso="P1M", months=1)
TWO_MONTHS = Duration(iso="P2M", months=2)
IDENTITY_METHODS = ("passport", "id_card", "driving_licence", "residence_permit", "known_to_staff")


@transaction.atomic
def request_receive(
    *,
    subject: models.Model,
    kind: str,
    channel: str,
    actor: Any,
    identity_method: str = "",
    received_on: dt.date | None = None,
) -> RightsRequest:
    """Register a request. At the desk, `identity_method` records that ID was seen."""
    if kind not in RightsRequest.Kind.values:
        raise KolkError(_("Onbekend soort verzoek."), code="kind")
    if channel not in RightsRequest.Channel.values:
        raise KolkError(_("Onbekend kanaal."), code="channel")
    if identity_method and identity_method not in IDENTITY_METHODS:
        raise KolkError(_("Onbekende manier van legitimeren."), code="identity_method")
    if identity_method and channel != RightsRequest.Channel.DESK:
        raise KolkError(_("Legitimeren gebeurt aan de balie."), code="identity_desk_only")
    received = now()
    start = received_on or today()
    request = RightsRequest.objects.create(
        subject_id=subject.pk,
        kind=kind,
        channel=channel,
        received_at=received,
        due_on=ONE_MONTH.after(start),
        received_by=actor if getattr(actor, "is_staff", False) else None,
        identity_seen_by=actor if identity_method else None,
        identity_seen_at=received if identity_method else None,
        identity_method=identity_method,
    )
    audit_log(
        actor=actor,
        action="rights.received",
        subject=subject,
        details={"request": request.pk, "kind": kind, "channel": channel, "identity_seen": bool(identity_method)},
    )
    return request


@transaction.atomic
def request_identity_seen(*, request: RightsRequest, method: str, actor: Any) -> RightsRequest:
    """Record at the desk that the person proved who they are (D07)."""
    if method not in IDENTITY_METHODS:
        raise KolkError(_("Onbekende manier van legitimeren."), code="identity_method")
    request.identity_seen_by = actor
    request.identity_seen_at = now()
    request.identity_method = method
    request.save(update_fields=["identity_seen_by", "identity_seen_at", "identity_method"])
    audit_log(
        actor=actor,
        action="rights.identity_seen",
        subject=request.subject,
        details={"request": request.pk, "method": method},
    )
    return request


def identity_ok(request: RightsRequest) -> bool:
    return (
        request.kind not in NEEDS_IDENTITY
        or request.channel == RightsRequest.Channel.PORTAL
        or request.identity_seen_at is not None
    )


@transaction.atomic
def request_extend(*, request: RightsRequest, reason: str, actor: Any) -> RightsRequest:
    """Extend once by two months; only within the first month, with the reason for the person."""
    reason = reason.strip()
    if request.extended_to:
        raise KolkError(_("Een verzoek kan maar één keer worden verlengd."), code="extended")
    if today() > request.due_on:
        raise KolkError(_("Verlengen kan alleen binnen de eerste maand."), code="too_late")
    if not reason:
        raise KolkError(_("Geef de reden van de verlenging; de persoon krijgt die te horen."), code="reason")
    request.extended_to = TWO_MONTHS.after(request.due_on)
    request.extension_reason = reason[:300]
    request.save(update_fields=["extended_to", "extension_reason"])
    audit_log(actor=actor, action="rights.extended", subject=request.subject, details={"request": request.pk})
    return request


@transaction.atomic
def request_close(*, request: RightsRequest, done: bool, outcome: str, actor: Any) -> RightsRequest:
    """Close a request as handled or refused; access and changes need the identity check."""
    if request.status != RightsRequest.Status.OPEN:
        raise KolkError(_("Dit verzoek is al gesloten."), code="closed")
    if done and not identity_ok(request):
        raise KolkError(_("Eerst legitimeren aan de balie (D07)."), code="identity_required")
    request.status = RightsRequest.Status.DONE if done else RightsRequest.Status.REFUSED
    request.outcome = outcome.strip()[:300]
    request.closed_at = now()
    request.save(update_fields=["status", "outcome", "closed_at"])
    audit_log(
        actor=actor, action="rights.closed", subject=request.subject, details={"request": request.pk, "done": done}
    )
    return request


def open_request_subjects() -> models.QuerySet[Any]:
    """Subjects with an open request: a legal hold for retention."""
    return RightsRequest.objects.filter(status=RightsRequest.Status.OPEN).values("subject_id")


def requests_due(within_days: int = 7) -> models.QuerySet[RightsRequest]:
    """Open requests whose deadline is past or within `within_days`, soonest first."""
    limit = today() + dt.timedelta(days=within_days)
    return (
        RightsRequest.objects.filter(status=RightsRequest.Status.OPEN)
        .filter(models.Q(extended_to__lte=limit) | models.Q(extended_to__isnull=True, due_on__lte=limit))
        .order_by("due_on")
    )
