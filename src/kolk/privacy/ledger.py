"""Consent, objection and restriction: immutable records, state derived from them.

Services record a decision (one transaction, one audit entry); selectors derive
the current state set-based, as subqueries the purpose gate can use. A change
takes effect at once: the next gated read sees it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from kolk.core.actors import Actor, user_id
from kolk.core.clock import now, today
from kolk.core.errors import Invalid, KolkError
from kolk.privacy.audit import audit_log
from kolk.privacy.fieldmap import map_for
from kolk.privacy.models import ChoiceKind, ChoiceMethod, PrivacyChoice, Restriction, RightsRequest
from kolk.privacy.register import CHANNELS, get_register
from kolk.privacy.registry import registrations
from kolk.privacy.setdelete import delete_rows
from kolk.privacy.subjects import CONSENT_AGE, PrivacySubject


def _check_method(method: str) -> None:
    if method not in ChoiceMethod.values:
        raise KolkError(_("Onbekende manier van vastleggen: %(method)s") % {"method": method})


@transaction.atomic
def consent_record(
    *,
    subject: PrivacySubject,
    purpose: str,
    given: bool,
    method: str,
    actor: Actor,
    lang: str = "nl",
    given_by: PrivacySubject | None = None,
) -> PrivacyChoice:
    """Give (given=True) or withdraw (given=False) consent for a consent purpose.

    Someone under 16 cannot consent alone: a guardian from their family
    relations gives it (`given_by`). Withdrawing is always possible, by anyone
    who could have given it.
    """
    register = get_register()
    if purpose not in register.consent_purposes():
        raise KolkError(_("Voor '%(purpose)s' wordt geen toestemming gevraagd.") % {"purpose": purpose})
    _check_method(method)
    if given:
        age = subject.privacy_age(today())
        if age is not None and age < CONSENT_AGE:
            if given_by is None or given_by.pk not in subject.privacy_guardian_ids():
                raise KolkError(
                    _("Voor iemand jonger dan %(age)d geeft een ouder of voogd toestemming.") % {"age": CONSENT_AGE},
                    code="guardian_required",
                )
        elif given_by is not None and given_by.pk != subject.pk:
            raise KolkError(_("Alleen de persoon zelf geeft deze toestemming."), code="not_guardian")
    text = register.consent_texts[purpose]
    choice = PrivacyChoice.objects.create(
        subject_id=subject.pk,
        kind=ChoiceKind.CONSENT,
        purpose=purpose,
        decision=given,
        text_version=text.version_tag(lang) if given else "",
        method=method,
        given_by_id=given_by.pk if given_by is not None else None,
        recorded_by_id=user_id(actor, staff_only=True),
        recorded_at=now(),
    )
    # What the consent alone kept goes with it, at once (a reading history switched off).
    released = 0 if given else _rows_kept_on_consent_release(subject, purpose)
    audit_log(
        actor=actor,
        action="consent.given" if given else "consent.withdrawn",
        subject=subject,  # type: ignore[arg-type]
        details={
            "purpose": purpose,
            "method": method,
            "choice": choice.pk,
            "by_guardian": given_by is not None and given_by.pk != subject.pk,
            **({"released": released} if released else {}),
        },
    )
    return choice


def _rows_kept_on_consent_release(subject: PrivacySubject, purpose: str) -> int:
    """Apply now, to one person, every retention declaration that spares the consenters of `purpose`.

    Only rows that have their start date (a returned loan, not one still out) go:
    the declaration's own action, as the retention engine would apply it later.
    """
    done = 0
    for item in registrations.retained:
        if item.unless_consent != purpose or item.date_field is None:
            continue
        pmap = map_for(item.model)
        if pmap is None or pmap.subject is None:
            continue
        qs = item.model._default_manager.filter(
            **{pmap.subject_lookup("pk"): subject.pk, f"{item.date_field}__lte": now()}
        )
        if item.done is not None:
            qs = qs.exclude(item.done)
        if item.action == "delete":
            done += delete_rows(qs)
        else:
            done += qs.update(**item.anonymise)
    return done


@transaction.atomic
def consent_rows_clear(*, subject: PrivacySubject, purpose: str, actor: Actor) -> int:
    """Clear what a standing consent keeps of a person (their reading history), the consent staying given.

    Returns how many records went. One transaction, one audit entry.
    """
    if purpose not in get_register().consent_purposes():
        raise KolkError(_("Voor '%(purpose)s' wordt geen toestemming gevraagd.") % {"purpose": purpose})
    cleared = _rows_kept_on_consent_release(subject, purpose)
    audit_log(
        actor=actor,
        action="consent.rows_cleared",
        subject=subject,  # type: ignore[arg-type]
        details={"purpose": purpose, "cleared": cleared},
    )
    return cleared


@transaction.atomic
def objection_record(
    *,
    subject: PrivacySubject,
    purpose: str,
    objects: bool,
    method: str,
    actor: Actor,
    channel: str = "",
) -> PrivacyChoice:
    """Record an objection (objects=True) or its withdrawal, per purpose and channel."""
    register = get_register()
    if purpose not in register.objection_purposes():
        raise KolkError(_("Tegen '%(purpose)s' kan geen bezwaar worden gemaakt.") % {"purpose": purpose})
    if channel and channel not in CHANNELS:
        raise KolkError(_("Onbekend kanaal: %(channel)s") % {"channel": channel})
    _check_method(method)
    choice = PrivacyChoice.objects.create(
        subject_id=subject.pk,
        kind=ChoiceKind.OBJECTION,
        purpose=purpose,
        channel=channel,
        decision=objects,
        method=method,
        recorded_by_id=user_id(actor, staff_only=True),
        recorded_at=now(),
    )
    audit_log(
        actor=actor,
        action="objection.made" if objects else "objection.withdrawn",
        subject=subject,  # type: ignore[arg-type]
        details={"purpose": purpose, "channel": channel, "method": method, "choice": choice.pk},
    )
    return choice


@transaction.atomic
def restriction_record(*, subject: PrivacySubject, restricted: bool, reason: str, actor: Actor) -> Restriction:
    """Restrict processing (GDPR art. 18) or lift the restriction, with no request or end date."""
    if restricted:
        return restriction_apply(subject=subject, reason=reason, actor=actor)
    return _restriction_write(subject=subject, restricted=False, reason=reason, until=None, request=None, actor=actor)


@transaction.atomic
def restriction_apply(
    *,
    subject: PrivacySubject,
    reason: str,
    actor: Actor,
    until: dt.date | None = None,
    request: RightsRequest | None = None,
) -> Restriction:
    """Restrict the processing of a person's data (GDPR art. 18), at once and everywhere.

    From the next read on, the purpose gate leaves the person out of everything
    but storage and their own rights, until it is lifted or through `until`.
    `request` is the person's request for it, when there is one.
    """
    if until is not None and until < today():
        raise Invalid(
            _("Een beperking eindigt vandaag of later."), fields={"until": [_("Kies vandaag of een latere datum.")]}
        )
    return _restriction_write(
        subject=subject, restricted=True, reason=reason, until=until, request=request, actor=actor
    )


@transaction.atomic
def restriction_lift(
    *, subject: PrivacySubject, reason: str, actor: Actor, request: RightsRequest | None = None
) -> Restriction:
    """Lift a person's restriction (art. 18(3): the person is told before, with the reason)."""
    if not is_restricted(subject):
        raise KolkError(_("Het gebruik van deze gegevens is niet beperkt."), code="not_restricted")
    return _restriction_write(
        subject=subject, restricted=False, reason=reason, until=None, request=request, actor=actor
    )


def _restriction_write(
    *,
    subject: PrivacySubject,
    restricted: bool,
    reason: str,
    until: dt.date | None,
    request: RightsRequest | None,
    actor: Actor,
) -> Restriction:
    reason = reason.strip()
    if not reason:
        raise Invalid(_("Geef een reden op."), code="reason_required", fields={"reason": [_("Geef een reden op.")]})
    if request is not None:
        if request.subject_id != subject.pk:
            raise KolkError(_("Dit verzoek is van iemand anders."), code="other_subject")
        if request.kind != RightsRequest.Kind.RESTRICTION:
            raise KolkError(_("Dit is geen verzoek om beperking."), code="kind")
    record = Restriction.objects.create(
        subject_id=subject.pk,
        restricted=restricted,
        reason=reason[:200],
        until=until,
        request=request,
        recorded_by_id=user_id(actor, staff_only=True),
        recorded_at=now(),
    )
    audit_log(
        actor=actor,
        action="restriction.set" if restricted else "restriction.lifted",
        subject=subject,  # type: ignore[arg-type]
        details={
            "record": record.pk,
            "request": request.pk if request is not None else None,
            "until": until.isoformat() if until else None,
        },
    )
    return record


# Selectors: current state, derived from the latest record.


def _latest(qs: models.QuerySet[Any], *group: str) -> models.QuerySet[Any]:
    """The records of `qs` that are the newest of their group."""
    newest = qs.filter(**{g: OuterRef(g) for g in group}).order_by("-id").values("id")[:1]
    return qs.filter(id=Subquery(newest))


def objector_ids(purpose: str | Sequence[str], channel: str = "") -> models.QuerySet[Any]:
    """Subjects whose objection to `purpose` (or to any of several) stands, on `channel` or any channel."""
    purposes = [purpose] if isinstance(purpose, str) else list(purpose)
    qs = PrivacyChoice.objects.filter(kind=ChoiceKind.OBJECTION, purpose__in=purposes)
    if channel:
        qs = qs.filter(channel__in=["", channel])
    return _latest(qs, "subject", "purpose", "channel").filter(decision=True).values("subject_id")


def consenter_ids(purpose: str) -> models.QuerySet[Any]:
    """Subjects whose consent for `purpose` stands."""
    qs = PrivacyChoice.objects.filter(kind=ChoiceKind.CONSENT, purpose=purpose)
    return _latest(qs, "subject").filter(decision=True).values("subject_id")


def _standing(qs: models.QuerySet[Restriction]) -> models.QuerySet[Restriction]:
    """The latest record per subject, where it restricts (and has not run out)."""
    latest = _latest(qs, "subject").filter(restricted=True)
    return latest.filter(models.Q(until__isnull=True) | models.Q(until__gte=today()))


def restricted_ids() -> models.QuerySet[Any]:
    """Subjects whose processing is restricted (art. 18)."""
    return _standing(Restriction.objects.all()).values("subject_id")


def is_restricted(subject: PrivacySubject) -> bool:
    return _standing(Restriction.objects.filter(subject_id=subject.pk)).exists()


def choices_of(subject: PrivacySubject) -> dict[str, Any]:
    """One person's current consents, objections and restriction, for pages and exports."""
    records = PrivacyChoice.objects.filter(subject_id=subject.pk).order_by("id")
    consents: dict[str, PrivacyChoice] = {}
    objections: dict[tuple[str, str], PrivacyChoice] = {}
    for record in records:
        if record.kind == ChoiceKind.CONSENT:
            consents[record.purpose] = record
        else:
            objections[(record.purpose, record.channel)] = record
    restriction = _standing(Restriction.objects.filter(subject_id=subject.pk)).first()
    return {
        "consents": {p: r.decision for p, r in consents.items()},
        "objections": {k: r.decision for k, r in objections.items()},
        "restricted": restriction is not None,
        # The standing restriction (reason, until, since), for the person's own pages.
        "restriction": restriction,
    }


def choices_recorded(subject: PrivacySubject) -> list[PrivacyChoice]:
    """One person's standing records, the latest per consent purpose and per objection purpose and
    channel, with who recorded them (a member of staff) and who gave a consent (a guardian)."""
    latest = _latest(PrivacyChoice.objects.filter(subject_id=subject.pk), "kind", "purpose", "channel")
    return list(latest.select_related("recorded_by", "given_by").order_by("kind", "purpose", "channel"))


def has_consent(subject: PrivacySubject, purpose: str) -> bool:
    return consenter_ids(purpose).filter(subject_id=subject.pk).exists()


def is_objecting(subject: PrivacySubject, purpose: str, channel: str = "") -> bool:
    return objector_ids(purpose, channel).filter(subject_id=subject.pk).exists()
