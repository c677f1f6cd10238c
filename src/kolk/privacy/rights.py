"""Requests from people (D01-D08, art. 18 and 20): received, verified, answered in time.

The deadline is one month from receipt, extendable once by two months with the
reason told to the person within the first month (art. 12(3)). For access,
correction and erasure the person proves their identity at the desk (D07):
staff record who saw it, how and when, never a copy or number of the document.
A request made in the portal by a logged-in member needs no second check. An
open request is a legal hold: retention erases nothing of that person meanwhile.
What the request is about ("Waar gaat het over?") is the person's own text
(correspondence): a correction, an objection and a complaint can't be handled
without it; for the others it is optional.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext as _

from kolk.core.actors import Actor, user_id
from kolk.core.clock import now, today
from kolk.core.errors import Invalid, KolkError
from kolk.core.validators import no_control_characters_in_text
from kolk.privacy.audit import audit_log
from kolk.privacy.models import RightsRequest
from kolk.privacy.register import Duration

NEEDS_IDENTITY = {
    RightsRequest.Kind.ACCESS,
    RightsRequest.Kind.CORRECTION,
    RightsRequest.Kind.ERASURE,
    RightsRequest.Kind.PORTABILITY,
}
# Kinds that can't be handled without their text: which data is wrong, which use, what went wrong. A
# restriction's ground is recorded by staff when they apply it (its reason), so its text is optional.
NEEDS_TEXT = {
    RightsRequest.Kind.CORRECTION,
    RightsRequest.Kind.OBJECTION,
    RightsRequest.Kind.COMPLAINT,
}
TEXT_MAX = 2000
ONE_MONTH = Duration(iso="P1M", months=1)
TWO_MONTHS = Duration(iso="P2M", months=2)
IDENTITY_METHODS = ("passport", "id_card", "driving_licence", "residence_permit", "known_to_staff")


@transaction.atomic
def request_receive(
    *,
    subject: models.Model,
    kind: str,
    channel: str,
    actor: Actor,
    identity_method: str = "",
    received_on: dt.date | None = None,
    text: str = "",
) -> RightsRequest:
    """Register a request. At the desk, `identity_method` records that ID was seen."""
    if kind not in RightsRequest.Kind.values:
        raise Invalid(_("Onbekend soort verzoek."), code="kind", fields={"kind": [_("Onbekend soort verzoek.")]})
    text = request_text_clean(kind=kind, text=text)
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
        text=text,
        received_at=received,
        due_on=ONE_MONTH.after(start),
        received_by_id=user_id(actor, staff_only=True),
        identity_seen_by_id=user_id(actor) if identity_method else None,
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


def request_text_clean(*, kind: str, text: str) -> str:
    """The request's text, trimmed; refused (422, on the field `text`) if missing where needed, too long or unseen."""
    text = text.strip()
    problem = ""
    if not text and kind in NEEDS_TEXT:
        problem = _("Schrijf waar je verzoek over gaat, zodat we het kunnen afhandelen.")
    elif len(text) > TEXT_MAX:
        problem = _("Gebruik hoogstens %(max)d tekens.") % {"max": TEXT_MAX}
    else:
        try:
            no_control_characters_in_text(text)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    if problem:
        raise Invalid(problem, code="text", fields={"text": [problem]})
    return text


@transaction.atomic
def request_identity_seen(*, request: RightsRequest, method: str, actor: Actor) -> RightsRequest:
    """Record at the desk that the person proved who they are (D07)."""
    if method not in IDENTITY_METHODS:
        raise KolkError(_("Onbekende manier van legitimeren."), code="identity_method")
    request.identity_seen_by_id = user_id(actor)
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
def request_extend(*, request: RightsRequest, reason: str, actor: Actor) -> RightsRequest:
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
def request_close(*, request: RightsRequest, done: bool, outcome: str, actor: Actor) -> RightsRequest:
    """Close a request as handled or refused; access and changes need the identity check."""
    if request.status != RightsRequest.Status.OPEN:
        raise KolkError(_("Dit verzoek is al gesloten."), code="closed")
    if done and not identity_ok(request):
        raise KolkError(_("Eerst legitimeren aan de balie."), code="identity_required")
    if done and request.kind == RightsRequest.Kind.RESTRICTION and not restriction_made(request):
        raise KolkError(
            _("Leg eerst de beperking vast: een verzoek om beperking is pas af als die geldt."),
            code="restriction_required",
        )
    request.status = RightsRequest.Status.DONE if done else RightsRequest.Status.REFUSED
    request.outcome = outcome.strip()[:300]
    request.closed_at = now()
    request.save(update_fields=["status", "outcome", "closed_at"])
    audit_log(
        actor=actor, action="rights.closed", subject=request.subject, details={"request": request.pk, "done": done}
    )
    return request


def restriction_made(request: RightsRequest) -> bool:
    """Whether a restriction was applied for this request (art. 18): its effect, not its word."""
    return request.restrictions.filter(restricted=True).exists()


def restriction_requests_done_without() -> models.QuerySet[RightsRequest]:
    """Restriction requests closed as done with no restriction applied for them."""
    return RightsRequest.objects.filter(kind=RightsRequest.Kind.RESTRICTION, status=RightsRequest.Status.DONE).exclude(
        restrictions__restricted=True
    )


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


def requests_of(subject_id: int) -> models.QuerySet[RightsRequest]:
    """A person's own requests, newest first (the portal and the API show them to the person)."""
    return RightsRequest.objects.filter(subject_id=subject_id).order_by("-received_at", "-pk")


def requests_open() -> models.QuerySet[RightsRequest]:
    """Every open request, the nearest deadline first (the Privacy Officer's work list)."""
    deadline = Coalesce("extended_to", "due_on")
    return RightsRequest.objects.filter(status=RightsRequest.Status.OPEN).order_by(deadline, "pk")


def erasure_plan(subject: models.Model, lang: str = "nl") -> dict[str, Any]:
    """What an erasure would do now: what goes, what is kept, why, and until when (D04, art. 17).

    Kept are: everything of a person under a hold that needs all of it (an open
    request other than this one), a person an app keeps while a relationship
    runs (a subscription, an open order), what a narrow hold needs (an unpaid
    invoice: the invoice with name and address), and rows that a rule with its
    own legal duty keeps (the fiscal seven years). A person with only the last
    two is reduced to them rather than erased (`erasure_execute`).
    """
    from kolk.privacy.fieldmap import personal_models
    from kolk.privacy.register import get_register
    from kolk.privacy.registry import holds, keeps, retained_data
    from kolk.privacy.retention import covers
    from kolk.privacy.statement import retention_text

    register = get_register()
    kept: list[dict[str, Any]] = []
    narrow = []
    me = type(subject)._default_manager.filter(pk=subject.pk)
    for hold in holds():
        ids = hold.subjects()
        if hold.name == "open_request":  # this very request does not hold itself
            ids = RightsRequest.objects.filter(status=RightsRequest.Status.OPEN).exclude(
                kind=RightsRequest.Kind.ERASURE
            )
            ids = ids.values("subject_id")
        if me.filter(pk__in=ids).exists():
            scope = hold.scope
            parts = [*sorted(scope.models), *sorted(scope.categories | scope.fields)]
            what = "*" if scope.whole else ", ".join(parts)
            shown = "*" if scope.whole else ", ".join(_named(p, register, lang) for p in parts)
            kept.append({"what": what, "shown": shown, "why": hold.reason.get(lang), "until": None})
            if not scope.whole:
                narrow.append(scope)
    for name, source in keeps().items():
        if me.filter(pk__in=source()).exists():
            kept.append({"what": "*", "shown": "*", "why": name, "until": None})
    goes: list[str] = []
    for model, pmap in personal_models():
        if pmap.subject is None:
            continue
        if not model._default_manager.filter(**{pmap.subject_lookup("pk"): subject.pk}).exists():
            continue
        if any(covers(scope, model) for scope in narrow):
            continue  # named above, with the hold that keeps it
        duty = next(
            (
                r
                for r in retained_data()
                if r.model_label == model._meta.label and register.retention[r.rule].basis == "legal_obligation"
            ),
            None,
        )
        if duty is not None:
            rule = register.retention[duty.rule]
            kept.append(
                {
                    "what": model._meta.label,
                    "shown": _named(model._meta.label, register, lang),
                    "why": rule.note.get(lang) if rule.note else rule.key,
                    "until": retention_text(register, rule, lang),
                }
            )
        else:
            goes.append(model._meta.label)
    if kept:  # reduced, not erased: the person stays with what is kept, and what they chose and asked with them
        goes = [label for label in goes if label not in _staying_with_the_person()]
    erase_now = goes if not any(k["what"] == "*" for k in kept) else []
    return {"erase_now": erase_now, "erase_now_shown": [_named(g, register, lang) for g in erase_now], "kept": kept}


def _named(part: str, register: Any, lang: str) -> str:
    """A model label, category key or field name as the desk reads it ("E-mailadressen", "Naam")."""
    from django.apps import apps
    from django.utils.text import capfirst

    if part in register.categories:
        return str(register.categories[part].label.get(lang))
    if "." in part:
        try:
            with translation.override(lang):
                return str(capfirst(apps.get_model(part)._meta.verbose_name_plural))
        except (LookupError, ValueError):
            return part
    from django.conf import settings
    from django.core.exceptions import FieldDoesNotExist

    try:  # a field of the person kept beyond its category (the customer number an invoice shows)
        field = apps.get_model(settings.PRIVACY_SUBJECT_MODEL)._meta.get_field(part)
    except FieldDoesNotExist:
        return part
    with translation.override(lang):
        return str(capfirst(getattr(field, "verbose_name", part)))


def _staying_with_the_person() -> set[str]:
    """What stays when a person is reduced to what a hold or a duty keeps: the person, and the privacy
    core's own records of them (kolk.privacy.retention.CORE_RECORDS)."""
    from kolk.privacy.fieldmap import personal_models
    from kolk.privacy.retention import CORE_RECORDS

    staying = set()
    for model, pmap in personal_models():
        link = (pmap.subject or "").split("__", 1)[0]
        if pmap.subject == "self" or pmap.personal.get(link) == CORE_RECORDS:
            staying.add(model._meta.label)
    return staying


@transaction.atomic
def erasure_execute(*, request: RightsRequest, actor: Actor) -> dict[str, Any]:
    """Carry out an erasure request as far as the plan allows; close the request with the itemised result."""
    from kolk.privacy.erasure import reduction_record, subjects_erase
    from kolk.privacy.retention import subjects_reduce

    if request.kind != RightsRequest.Kind.ERASURE:
        raise KolkError(_("Dit is geen verzoek om verwijdering."), code="kind")
    if not identity_ok(request):
        raise KolkError(_("Eerst legitimeren aan de balie."), code="identity_required")
    subject = request.subject
    plan = erasure_plan(subject)
    if not plan["erase_now"]:
        raise KolkError(
            _("Nu kan niets worden verwijderd: %(why)s") % {"why": "; ".join(k["why"] for k in plan["kept"])},
            code="held",
        )
    subject_pk = subject.pk
    # What a narrow hold or a legal duty keeps (an invoice with name and address) stays: the person
    # is reduced to it, as retention does once their other dates are past; nothing kept, they go.
    reduced = bool(plan["kept"])
    request_close(
        request=request,
        done=True,
        outcome=_("verwijderd; bewaard: %(kept)s") % {"kept": ", ".join(k["what"] for k in plan["kept"]) or "-"},
        actor=actor,
    )
    audit_log(
        actor=actor,
        action="rights.erased",
        subject=subject,
        details={"request": request.pk, "sources": len(plan["erase_now"]), "reduced": reduced},
    )
    if reduced:
        subjects_reduce([subject_pk], on=today())
        reduction_record([subject_pk], reason="request")  # so that a restore from backup reduces them again
    else:
        subjects_erase([subject_pk], reason="request")
    return plan


def corrections_to_pass_on(subject: models.Model, categories: set[str]) -> list[dict[str, Any]]:
    """Partners that received data of these categories and must hear of a correction (art. 19)."""
    from django.apps import apps

    from kolk.privacy.disclosure import recipients_of
    from kolk.privacy.gate import lookup_category
    from kolk.privacy.register import get_register

    register = get_register()
    result = []
    for disclosure in recipients_of(subject):
        if disclosure.aggregate is not None or not disclosure.model:
            continue
        model = apps.get_model(disclosure.model)
        sent = {lookup_category(model, f) for f in disclosure.fields}
        if sent & categories:
            partner = register.recipients.get(disclosure.recipient)
            if partner is not None:
                name = partner.name
            elif disclosure.legal_demand is not None:
                name = _("Wettelijke vordering: %(authority)s") % {"authority": disclosure.legal_demand.authority}
            else:
                name = disclosure.recipient
            result.append(
                {
                    "recipient": disclosure.recipient,
                    "name": name,
                    "when": disclosure.disclosed_at,
                    "categories": sorted(sent & categories),
                    "labels": [register.categories[c].label.get() for c in sorted(sent & categories)],
                }
            )
    return result
