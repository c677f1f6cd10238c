"""One-click unsubscribe: a signed token in every notice and marketing email.

The token (django.core.signing, no expiry: a link in an old mail must still
work) names the person or bare newsletter subscription, the purpose and the
channel; it carries ids only, never an address. Applying it needs no login:
for a purpose on legitimate interest it records an objection (method "link"),
for a consent purpose it withdraws the consent, and a newsletter link also
ends the subscription it names. It takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kolk.comms.models import NewsletterSubscription
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import BadRequest, KolkError
from kolk.privacy.audit import audit_log
from kolk.privacy.ledger import consent_record, has_consent, is_objecting, objection_record
from kolk.privacy.register import get_register
from kolk.privacy.subjects import subject_model

SALT = "kolk.comms.unsubscribe"


def email_channel(purpose: str) -> str:
    """'email' for a purpose objected to per channel (offers), else '' (all of it)."""
    for section in get_register().sections.values():
        if "email" in section.channels and any(purpose in row.purposes for row in section.rows):
            return "email"
    return ""


@dataclass(frozen=True)
class UnsubscribeRequest:
    purpose: str
    channel: str
    person_id: int | None
    subscription_id: int | None


def unsubscribe_token_make(
    *, purpose: str, person: Any = None, channel: str = "", subscription_id: int | None = None
) -> str:
    """A signed token for one person's (or one bare subscription's) unsubscribe link."""
    if person is None and subscription_id is None:
        raise ValueError("an unsubscribe token names a person or a subscription")
    payload: dict[str, Any] = {"u": purpose}
    if channel:
        payload["c"] = channel
    if person is not None:
        payload["p"] = person.pk
    if subscription_id is not None:
        payload["s"] = subscription_id
    return signing.dumps(payload, salt=SALT, compress=True)


def unsubscribe_token_read(token: str) -> UnsubscribeRequest:
    """What a token asks; KolkError when it was not made by kolk."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise BadRequest(_("Deze afmeldlink is niet geldig."), code="bad_token") from exc
    purpose = payload.get("u")
    if purpose not in get_register().purposes:
        raise BadRequest(_("Deze afmeldlink is niet geldig."), code="bad_token")
    return UnsubscribeRequest(
        purpose=purpose,
        channel=payload.get("c", ""),
        person_id=payload.get("p"),
        subscription_id=payload.get("s"),
    )


def unsubscribe_url(
    *, purpose: str, person: Any = None, channel: str = "", language: str = "nl", subscription_id: int | None = None
) -> str:
    """The absolute one-click link (GET shows a confirm page, POST unsubscribes)."""
    token = unsubscribe_token_make(purpose=purpose, person=person, channel=channel, subscription_id=subscription_id)
    with translation.override(language):
        path = reverse("comms:unsubscribe", kwargs={"token": token})
    return settings.KOLK_SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class UnsubscribeResult:
    purpose: str
    channel: str
    # False when the person had already unsubscribed (the link was used before).
    changed: bool


@transaction.atomic
def unsubscribe_apply(*, token: str, actor: Actor) -> UnsubscribeResult:
    """Apply an unsubscribe link at once: an objection, or consent withdrawn."""
    request = unsubscribe_token_read(token)
    register = get_register()
    changed = False
    if request.person_id is not None:
        person = subject_model()._default_manager.filter(pk=request.person_id).first()
        if person is None:
            raise KolkError(_("Deze afmeldlink is niet meer geldig."), code="gone")
        if request.purpose in register.objection_purposes():
            if not is_objecting(person, request.purpose, request.channel):  # type: ignore[arg-type]
                objection_record(
                    subject=person,  # type: ignore[arg-type]
                    purpose=request.purpose,
                    objects=True,
                    method="link",
                    channel=request.channel,
                    actor=actor,
                )
                changed = True
        elif request.purpose in register.consent_purposes():
            if has_consent(person, request.purpose):  # type: ignore[arg-type]
                consent_record(
                    subject=person,  # type: ignore[arg-type]
                    purpose=request.purpose,
                    given=False,
                    method="link",
                    actor=actor,
                )
                changed = True
        else:
            raise KolkError(_("Voor dit bericht kun je je niet afmelden."), code="not_optional")
    if request.purpose == "newsletter":
        changed = _newsletter_end(request, actor=actor) or changed
    return UnsubscribeResult(purpose=request.purpose, channel=request.channel, changed=changed)


def _newsletter_end(request: UnsubscribeRequest, *, actor: Actor) -> bool:
    """End the newsletter subscriptions a link names: the person's, or one bare address's."""
    active = NewsletterSubscription.objects.filter(ended_at__isnull=True)
    if request.person_id is not None:
        active = active.filter(person_id=request.person_id)
    elif request.subscription_id is not None:
        active = active.filter(pk=request.subscription_id, person__isnull=True)
    else:
        return False
    return newsletter_subscriptions_end(ids=list(active.values_list("pk", flat=True)), actor=actor) > 0


def newsletter_subscriptions_end(*, ids: list[int], actor: Actor) -> int:
    """End those of these newsletter subscriptions that still run; returns how many ended.

    Here rather than in kolk.comms.newsletter, which leaves the list through it
    too: the newsletter module builds mail in the outbox, and the outbox makes
    the links of this module, so this module imports neither.
    """
    ended = NewsletterSubscription.objects.filter(pk__in=ids, ended_at__isnull=True).update(ended_at=now())
    if ended:
        audit_log(actor=actor, action="newsletter.ended", details={"subscriptions": ids})
    return ended
