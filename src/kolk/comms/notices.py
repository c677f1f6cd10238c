"""Notices the member chooses: per kind (due soon, overdue, hold ready, tickets) by email, SMS or post.

The choice is the person's (M01), set in the portal's "Mijn berichten" or at the
desk; without one a notice goes by email, as it always did. `notice_send` queues
a notice on the chosen channel, in the caller's transaction, and falls back when
that channel cannot carry it (no mobile number, no provider configured, no
address): first email, then SMS, then a letter. So a notice is never silently
dropped, except where the member chose "none" and the law lets them:

- due soon (L13, sent on consent anyway) and hold ready (the portal's first
  page shows it too) may be "none";
- overdue may not: a late loan costs the member money and blocks their pass,
  and the loan agreement has us tell them (contract), so it always goes out;
- tickets go by email or SMS (a link to the tickets); not by post, since a
  letter can come after the show, and not "none": the tickets are what was bought.

One idempotency key covers every channel: a notice queued once by mail is not
queued again by SMS when the member changes their choice in between.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from kolk.comms.letters import letter_queue, postal_address
from kolk.comms.models import Letter, NoticeChannel, NoticeKind, NoticePreference, OutboxMessage, SmsMessage
from kolk.comms.outbox import message_queue
from kolk.comms.sms import SmsNotConfigured, mobile_number, sms_queue
from kolk.comms.sms_provider import sms_available
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import Invalid
from kolk.privacy.audit import audit_log

ALLOWED: dict[str, tuple[str, ...]] = {
    NoticeKind.DUE_SOON: (NoticeChannel.EMAIL, NoticeChannel.SMS, NoticeChannel.POST, NoticeChannel.NONE),
    NoticeKind.OVERDUE: (NoticeChannel.EMAIL, NoticeChannel.SMS, NoticeChannel.POST),
    NoticeKind.HOLD_READY: (NoticeChannel.EMAIL, NoticeChannel.SMS, NoticeChannel.POST, NoticeChannel.NONE),
    NoticeKind.TICKETS: (NoticeChannel.EMAIL, NoticeChannel.SMS),
}
DEFAULT = NoticeChannel.EMAIL
FALLBACK = (NoticeChannel.EMAIL, NoticeChannel.SMS, NoticeChannel.POST)


def channels_offered(kind: str) -> tuple[str, ...]:
    """The channels a member may choose for `kind` here: SMS only while a provider is configured."""
    sms = sms_available()
    return tuple(c for c in ALLOWED[kind] if c != NoticeChannel.SMS or sms)


def notice_choices_of(person: Any) -> dict[str, str]:
    """The person's channel per kind, with the default where they never chose."""
    stored = dict(NoticePreference.objects.filter(person=person).values_list("kind", "channel"))
    return {kind: stored.get(kind, DEFAULT) for kind in NoticeKind.values}


@transaction.atomic
def notice_choices_set(*, person: Any, choices: Mapping[str, str], actor: Actor) -> dict[str, str]:
    """Store the person's choice per kind; a kind or channel not allowed is refused and nothing is written."""
    errors: dict[str, list[str]] = {}
    for kind, channel in choices.items():
        if kind not in NoticeKind.values:
            errors[str(kind)[:40]] = [_("Onbekende soort bericht.")]
        elif channel not in channels_offered(kind):
            errors[kind] = [
                _("Kies voor '%(kind)s' een van: %(options)s.")
                % {
                    "kind": NoticeKind(kind).label,
                    "options": ", ".join(str(NoticeChannel(c).label) for c in channels_offered(kind)),
                }
            ]
        elif channel == NoticeChannel.SMS and not mobile_number(person):
            errors[kind] = [_("Voor sms hebben we je mobiele nummer nodig: vul het eerst in bij je gegevens.")]
        elif channel == NoticeChannel.POST and not postal_address(person):
            errors[kind] = [_("Voor post hebben we je volledige adres nodig: vul het eerst in bij je gegevens.")]
    if errors:
        raise Invalid(_("Deze keuze kan niet."), fields=errors)
    current = notice_choices_of(person)
    changed = {kind: channel for kind, channel in choices.items() if current[kind] != channel}
    at = now()
    for kind, channel in changed.items():
        NoticePreference.objects.update_or_create(
            person=person, kind=kind, defaults={"channel": channel, "updated_at": at}
        )
    if changed:
        audit_log(
            actor=actor,
            action="notice_choices.set",
            subject=person,
            details={"choices": [f"{k}:{c}" for k, c in sorted(changed.items())]},
        )
    return {**current, **changed}


def _state(person: Any, kind: str, key: str) -> tuple[str, str]:
    """(the channel a notice with this key went by already or '', the person's channel for `kind`): one query,
    since a hold notice is queued inside the desk's check-in."""
    tags = [
        model.objects.filter(idempotency_key=key)
        .annotate(tag=Value(f"sent:{channel}", output_field=CharField()))
        .values_list("tag", flat=True)
        for channel, model in (
            (NoticeChannel.EMAIL, OutboxMessage),
            (NoticeChannel.SMS, SmsMessage),
            (NoticeChannel.POST, Letter),
        )
    ]
    choice = (
        NoticePreference.objects.filter(person=person if person is not None else -1, kind=kind)
        .annotate(tag=Concat(Value("choice:"), "channel", output_field=CharField()))
        .values_list("tag", flat=True)
    )
    found = dict(tag.split(":", 1) for tag in tags[0].union(*tags[1:], choice, all=True))
    return found.get("sent", ""), found.get("choice", DEFAULT)


def notice_send(
    *,
    person: Any,
    notice: str,
    template: str,
    context: Mapping[str, Any],
    purpose: str,
    kind: str,
    actor: Actor,
    idempotency_key: str,
    language: str | None = None,
    email: Mapping[str, Any] | None = None,
    sms_context: Mapping[str, Any] | None = None,
) -> str:
    """Queue a notice on the person's channel for `notice`; returns the channel used, 'none' or ''.

    '' means no channel could carry it (no address of any kind): the desk tells the
    member. `email` adds arguments for the mail only (to_address, attachments);
    `sms_context` adds context for the text message only.
    """
    done, chosen = _state(person, notice, idempotency_key)
    if done:
        return done
    if chosen == NoticeChannel.NONE and NoticeChannel.NONE in ALLOWED[notice]:
        return NoticeChannel.NONE
    order = [chosen, *(c for c in FALLBACK if c != chosen and c in ALLOWED[notice])]
    common = {
        "template": template,
        "purpose": purpose,
        "actor": actor,
        "idempotency_key": idempotency_key,
        "to_person": person,
        "language": language,
    }
    for channel in order:
        try:
            with transaction.atomic():
                if channel == NoticeChannel.EMAIL:
                    message_queue(context=context, kind=kind, **common, **(email or {}))
                elif channel == NoticeChannel.SMS:
                    sms_queue(context={**context, **(sms_context or {})}, kind=kind, **common)
                elif channel == NoticeChannel.POST:
                    letter_queue(context=context, **common)
                else:
                    continue
        except (ValidationError, SmsNotConfigured):
            continue
        return channel
    return ""
