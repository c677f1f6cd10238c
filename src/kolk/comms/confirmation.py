"""Double opt-in of the newsletter: the confirmation mail, its signed link, and confirming.

A sign-up on the site, in the portal or through the API is pending until the
person opens the link in the mail and presses the button on its page (a POST,
so a mail scanner that fetches every link confirms nothing). The link is a
django.core.signing token with a salt of its own that expires after
CONFIRM_MAX_AGE; it names the subscription and a keyed hash of its address or
person (never the address itself), so it confirms that subscription only.

Confirming sets `confirmed_at` and writes a `newsletter.confirmed` audit entry;
for a person it also records in the ledger that they do not object to the
newsletter (method "email": they answered our mail). A pending sign-up that is
never confirmed is removed by the retention rule `newsletter_pending`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from kolk.comms.models import MessageKind, NewsletterSubscription, OutboxMessage
from kolk.comms.outbox import message_queue
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import BadRequest, KolkError
from kolk.privacy.audit import audit_log
from kolk.privacy.ledger import objection_record
from kolk.privacy.models import ChoiceMethod

SALT = "kolk.comms.newsletter.confirm"
# Shorter than the retention of a pending sign-up (newsletter_pending, 14 days), so a
# link that still works always finds its subscription.
CONFIRM_MAX_AGE = dt.timedelta(days=7)
# Each mail for one sign-up carries the hour it was asked in: asking again within the
# hour sends nothing more, so nobody can fill someone's inbox with our mails.
RESEND_KEY = "newsletter-confirm:{pk}:{hour}"


def _recipient_hash(subscription: NewsletterSubscription) -> str:
    recipient = f"p{subscription.person_id}" if subscription.person_id else subscription.email.lower()
    return salted_hmac(SALT, recipient).hexdigest()[:20]


def confirm_token_make(subscription: NewsletterSubscription) -> str:
    return signing.dumps({"s": subscription.pk, "h": _recipient_hash(subscription)}, salt=SALT)


def confirm_url(subscription: NewsletterSubscription, *, language: str) -> str:
    with translation.override(language):
        path = reverse("comms:newsletter_confirm", kwargs={"token": confirm_token_make(subscription)})
    return settings.KOLK_SITE_URL.rstrip("/") + path


def confirm_token_read(token: str) -> NewsletterSubscription:
    """The pending or confirmed subscription a link names; refuses a tampered, expired or spent link."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise BadRequest(
            _("Deze bevestigingslink is verlopen. Vraag hieronder een nieuwe aan."), code="expired_token"
        ) from exc
    except signing.BadSignature as exc:
        raise BadRequest(
            _("Deze bevestigingslink is niet geldig. Vraag hieronder een nieuwe aan."), code="bad_token"
        ) from exc
    pk, digest = (payload.get("s"), payload.get("h")) if isinstance(payload, dict) else (None, None)
    subscription = (
        NewsletterSubscription.objects.filter(pk=pk, ended_at__isnull=True).first() if isinstance(pk, int) else None
    )
    if subscription is None or not constant_time_compare(str(digest), _recipient_hash(subscription)):
        # Removed after its period, ended, or the id now names someone else's sign-up.
        raise KolkError(_("Deze bevestigingslink is niet meer geldig. Vraag hieronder een nieuwe aan."), code="gone")
    return subscription


def confirmation_mail_queue(*, subscription: NewsletterSubscription, actor: Actor) -> bool:
    """Queue the mail with the confirmation link; False when one went out for it this hour already."""
    key = RESEND_KEY.format(pk=subscription.pk, hour=now().strftime("%Y%m%d%H"))
    if OutboxMessage.objects.filter(idempotency_key=key).exists():
        return False
    person = subscription.person
    # The language the person signed up in (site, portal or API), for a member too.
    language = "en" if subscription.language[:2] == "en" else "nl"
    message_queue(
        template="newsletter_confirm",
        context={
            "confirm_url": confirm_url(subscription, language=language),
            "days": CONFIRM_MAX_AGE.days,
        },
        purpose="newsletter",
        # The person asked for this mail; it carries no unsubscribe link and is not marketing.
        kind=MessageKind.SERVICE,
        actor=actor,
        idempotency_key=key,
        to_person=person,
        to_address=subscription.email,
        language=language,
    )
    return True


@dataclass(frozen=True)
class ConfirmResult:
    # False when the link was used before: the subscription stood already.
    changed: bool


@transaction.atomic
def newsletter_confirm(*, token: str, actor: Actor) -> ConfirmResult:
    """Confirm the sign-up a link names: on the list from now on, with the proof kept."""
    found = confirm_token_read(token)
    subscription = NewsletterSubscription.objects.select_for_update().get(pk=found.pk)
    if subscription.confirmed_at is not None:
        return ConfirmResult(changed=False)
    subscription.confirmed_at = now()
    subscription.save(update_fields=["confirmed_at"])
    person = subscription.person
    choice = None
    if person is not None:
        # The person's own "yes" on record, with its date and how it was given.
        choice = objection_record(
            subject=person, purpose="newsletter", objects=False, method=ChoiceMethod.EMAIL, actor=actor
        )
    audit_log(
        actor=actor,
        action="newsletter.confirmed",
        subject=person,
        details={
            "subscription": subscription.pk,
            "source": subscription.source,
            "method": ChoiceMethod.EMAIL.value,
            "choice": choice.pk if choice is not None else None,
        },
    )
    return ConfirmResult(changed=True)
