"""Writes of the website: cookie choices and the portal's actions.

Each service runs in one transaction and leaves one audit entry of its own.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.people.services import person_emails_set, person_phones_set, person_update
from kolk.privacy.audit import audit_log
from kolk.privacy.ledger import choices_of, consent_record, objection_record
from kolk.privacy.models import PrivacyChoice
from kolk.privacy.register import CHANNELS
from kolk.web.cookies import current_version
from kolk.web.models import ACTION_LABELS, CookieChoice, PortalEvent


@transaction.atomic
def cookie_choice_record(*, visitor_id: str, analytics: bool, social: bool, actor: Actor) -> CookieChoice:
    """Store a visitor's answer to the current cookie notice (W01)."""
    choice = CookieChoice.objects.create(
        visitor_id=visitor_id,
        notice_version=current_version(),
        analytics=analytics,
        social=social,
        chosen_at=now(),
    )
    audit_log(
        actor=actor,
        action="cookies.chosen",
        details={"choice": choice.pk, "version": choice.notice_version, "analytics": analytics, "social": social},
    )
    return choice


@transaction.atomic
def portal_event_record(
    *, person: Any, action: str, ip_address: str | None, actor: Actor, details: dict[str, Any] | None = None
) -> PortalEvent:
    """Record a portal action with its time and IP address (A01-A03); audited as portal.<action>.

    Only an action with a label the member can read (ACTION_LABELS) is recorded.
    """
    if action not in ACTION_LABELS:
        raise ValueError(f"portal action without a label: {action}")
    event = PortalEvent.objects.create(person=person, action=action, at=now(), ip_address=ip_address or None)
    audit_log(actor=actor, action=f"portal.{action}", subject=person, details={"event": event.pk, **(details or {})})
    return event


@transaction.atomic
def portal_details_change(
    *, person: Any, values: dict[str, Any], emails: list[str], phones: list[str], ip_address: str | None, actor: Actor
) -> list[str]:
    """A member corrects their NAW and contact data (D03); all or nothing. Returns what changed."""
    before = (
        list(person.emails.values_list("address", flat=True)),
        list(person.phones.values_list("number", flat=True)),
    )
    old = {name: getattr(person, name) for name in values}
    person_update(person=person, actor=actor, **values)
    changed = [name for name in values if getattr(person, name) != old[name]]
    if emails != before[0]:
        person_emails_set(person=person, emails=emails, actor=actor)
        changed.append("emails")
    if phones != before[1]:
        person_phones_set(person=person, phones=phones, actor=actor)
        changed.append("phones")
    if changed:
        portal_event_record(
            person=person, action="details_changed", ip_address=ip_address, actor=actor, details={"fields": changed}
        )
    return changed


@transaction.atomic
def portal_consent_set(
    *, person: Any, purpose: str, given: bool, ip_address: str | None, actor: Actor, lang: str
) -> PrivacyChoice:
    """Give or withdraw a consent from the portal, with the text version shown in `lang`."""
    choice = consent_record(subject=person, purpose=purpose, given=given, method="web", actor=actor, lang=lang)
    portal_event_record(
        person=person,
        action="consent_given" if given else "consent_withdrawn",
        ip_address=ip_address,
        actor=actor,
        details={"purpose": purpose, "choice": choice.pk},
    )
    return choice


@transaction.atomic
def portal_objection_set(
    *, person: Any, purpose: str, channel: str, objects: bool, ip_address: str | None, actor: Actor
) -> None:
    """Object, or withdraw an objection, for a purpose and optionally one channel (O01).

    Withdrawing for one channel while an objection for all channels stands lifts
    the general one and keeps the other channels objected, so that exactly the
    chosen channel changes.
    """
    state = choices_of(person)["objections"]
    if channel and not objects and state.get((purpose, "")):
        objection_record(subject=person, purpose=purpose, channel="", objects=False, method="web", actor=actor)
        for other in CHANNELS:
            if other != channel and state.get((purpose, other)) is not True:
                objection_record(
                    subject=person, purpose=purpose, channel=other, objects=True, method="web", actor=actor
                )
    objection_record(subject=person, purpose=purpose, channel=channel, objects=objects, method="web", actor=actor)
    portal_event_record(
        person=person,
        action="objection_made" if objects else "objection_withdrawn",
        ip_address=ip_address,
        actor=actor,
        details={"purpose": purpose, "channel": channel},
    )
