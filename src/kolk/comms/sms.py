"""The SMS outbox: text messages queued in the caller's transaction and sent by the worker, as mail is.

`sms_queue` renders `comms/sms/<template>.txt` in the person's language, stores
the message under a unique idempotency key (the same key twice queues nothing
new) and, after the commit, enqueues `send_sms`. Without a configured provider
(kolk.comms.sms_provider) it refuses, so a caller falls back to another channel.

Delivery is the mail outbox's (kolk.comms.outbox), with the provider's API in
place of SMTP:
- a sender claims messages with SELECT ... FOR UPDATE SKIP LOCKED and a status
  move, so two workers never hold the same one;
- `sent_at` is set right before the provider is called; a sender killed before
  that leaves messages that go back to the queue after LEASE; one killed after
  it leaves one message in doubt, which is sent again with the same reference
  (a notice must arrive: at least once);
- a provider that is away (network, 5xx, 429) is retried with back-off, at most
  MAX_ATTEMPTS times; a refused number is not retried, and the notice goes by
  email (or post) instead, so it still arrives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from kolk.comms.letters import letter_queue
from kolk.comms.models import MessageKind, MessageStatus, SmsMessage
from kolk.comms.outbox import BACKOFF, LEASE, MAX_ATTEMPTS, claim_due, message_queue, render_text, withheld
from kolk.comms.sms_provider import SmsError, SmsProvider, SmsRefused, sms_provider
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.validators import normalize_phone
from kolk.privacy.audit import audit_log
from kolk.privacy.register import get_register

logger = logging.getLogger(__name__)

CLAIM_BATCH = 50
# A notice is a few sentences: more than this is a mistake in a template, not a message.
MAX_TEXT = 1000


class SmsNotConfigured(KolkError):
    default_code = "sms_not_configured"


def _is_mobile(number: str) -> bool:
    try:
        kind = phonenumbers.number_type(phonenumbers.parse(number, "NL"))
    except phonenumbers.NumberParseException:
        return False
    return kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def mobile_number(person: Any) -> str:
    """The person's number for text messages: the first marked mobile that is a mobile number, or ''.

    A landline a member typed in (the label defaults to mobile) is no address for an
    SMS: the notice then goes by email or post rather than to a number that cannot read it.
    """
    phones = getattr(person, "phones", None)
    if phones is None:
        return ""
    numbers = phones.filter(label="mobile").order_by("id").values_list("number", flat=True)
    return next((n for n in numbers if _is_mobile(n)), "")


def _language(person: Any, language: str | None) -> str:
    lang = language or getattr(person, "language", "") or "nl"
    return "en" if str(lang)[:2] == "en" else "nl"


@transaction.atomic
def sms_queue(
    *,
    template: str,
    context: Mapping[str, Any],
    purpose: str,
    kind: str,
    actor: Actor,
    idempotency_key: str,
    to_person: Any,
    to_number: str = "",
    language: str | None = None,
) -> SmsMessage:
    """Queue one text message to `to_person`'s mobile number; the same key never queues a second."""
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise KolkError(_("Een bericht heeft een sleutel van 1 tot 200 tekens nodig."))
    existing = SmsMessage.objects.filter(idempotency_key=key).first()
    if existing is not None:
        return existing
    if sms_provider() is None:
        raise SmsNotConfigured(_("Berichten per sms zijn hier niet ingesteld."))
    if kind not in MessageKind.values or kind == MessageKind.MARKETING:
        raise KolkError(_("Per sms gaan alleen berichten over je uitleningen, reserveringen en kaartjes."))
    raw = to_number or mobile_number(to_person)
    try:
        number = normalize_phone(raw)
    except ValidationError as exc:
        raise ValidationError({"to_number": [_("Geen mobiel nummer om een sms naar te sturen.")]}) from exc
    lang = _language(to_person, language)
    with translation.override(lang):
        rendered = render_text(f"comms/sms/{template}.txt", {**context, "person": to_person})
    text = " ".join(rendered.split())
    if not text or len(text) > MAX_TEXT:
        raise KolkError(_("Een sms heeft 1 tot %(max)s tekens.") % {"max": MAX_TEXT})
    at = now()
    message = SmsMessage(
        person=to_person,
        to_number=number,
        kind=kind,
        purpose=purpose,
        template=template,
        language=lang,
        text=text,
        queued_at=at,
        next_attempt_at=at,
        idempotency_key=key,
        reference=secrets.token_hex(16),
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:  # queued under this key at this moment by someone else: theirs stands
        return SmsMessage.objects.get(idempotency_key=key)
    audit_log(
        actor=actor,
        action="sms.queued",
        subject=to_person,
        details={"sms": message.pk, "template": template, "purpose": purpose, "kind": kind},
    )
    message_id = message.pk
    transaction.on_commit(lambda: send_sms.enqueue(message_id), robust=True)
    return message


def _mark_failed(message: SmsMessage, exc: SmsError) -> str:
    retry = not isinstance(exc, SmsRefused) and message.attempts < MAX_ATTEMPTS
    delay = BACKOFF[min(max(message.attempts, 1), len(BACKOFF)) - 1]
    SmsMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.FAILED,
        sent_at=None,
        next_attempt_at=now() + delay if retry else None,
        error=f"{type(exc).__name__}: {exc}"[:500],
    )
    return MessageStatus.FAILED


def _deliver(message: SmsMessage, provider: SmsProvider | None, *, allowed: bool) -> str:
    if not allowed:
        SmsMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.CANCELLED, next_attempt_at=None, error="objection, withdrawn consent or restriction"
        )
        return MessageStatus.CANCELLED
    if provider is None:  # configured when queued, not now: wait for it as for a provider that is away
        return _mark_failed(message, SmsError("no SMS provider configured"))
    # From here on the provider may have it: only this message can be in doubt after a kill.
    SmsMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(sent_at=now())
    try:
        accepted = provider.send(to=message.to_number, text=message.text, reference=message.reference)
    except SmsError as exc:
        logger.warning("sms %s failed: %s", message.pk, type(exc).__name__)
        status = _mark_failed(message, exc)
        if isinstance(exc, SmsRefused):
            _fall_back(message)
        return status
    SmsMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, sent_at=now(), next_attempt_at=None, error="", provider=accepted.provider
    )
    return MessageStatus.SENT


def _fall_back(message: SmsMessage) -> None:
    """The provider refused the number for good: the notice goes by email, else by post, so it still arrives.

    Its text as it was, once (its own key), in the person's language; queued by kolk itself.
    """
    if message.person is None:
        return
    with translation.override(message.language):
        context = {"subject": _("Bericht van %(centre)s") % {"centre": get_register().controller["name"]}}
    context["body"] = message.text
    common: dict[str, Any] = {
        "template": "message",
        "context": context,
        "purpose": message.purpose,
        "actor": None,
        "to_person": message.person,
        "language": message.language,
    }
    # By mail if they have an address; without one (refused), by letter below.
    with contextlib.suppress(ValidationError, KolkError), transaction.atomic():
        message_queue(kind=message.kind, idempotency_key=f"{message.idempotency_key}:mail", **common)
        return
    try:
        with transaction.atomic():
            letter_queue(idempotency_key=f"{message.idempotency_key}:letter", **common)
    except (ValidationError, KolkError):  # no address of any kind: the failed SMS stays for the desk to see
        logger.warning("sms %s refused and no other way to reach its person", message.pk)


def _deliver_batch(ids: list[int], provider: SmsProvider | None) -> list[str]:
    messages = list(SmsMessage.objects.filter(pk__in=ids).order_by("pk"))
    blocked = withheld(messages)
    return [_deliver(m, provider, allowed=m.pk not in blocked) for m in messages]


def sms_send(*, message_id: int, provider: SmsProvider | None = None) -> str:
    """Send one text message now if it is due and nobody else holds it; returns its status."""
    claimed = claim_due(SmsMessage.objects.filter(pk=message_id), 1)
    if not claimed:
        return SmsMessage.objects.filter(pk=message_id).values_list("status", flat=True).first() or "missing"
    return _deliver_batch(claimed, provider or sms_provider())[0]


def sms_recover(*, at: dt.datetime | None = None) -> int:
    """Settle text messages whose sender died holding them (older than LEASE)."""
    at = at or now()
    stale = SmsMessage.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=at - LEASE)
    requeued = stale.filter(sent_at__isnull=True).update(status=MessageStatus.QUEUED, next_attempt_at=at)
    resent = stale.filter(sent_at__isnull=False).update(
        status=MessageStatus.FAILED, next_attempt_at=at, error="in doubt: resent with the same reference"
    )
    return requeued + resent


@dataclass
class SmsFlushReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    recovered: int = 0


def sms_flush(*, provider: SmsProvider | None = None, limit: int | None = None) -> SmsFlushReport:
    """Send every text message that is due, in claimed batches."""
    report = SmsFlushReport(recovered=sms_recover())
    provider = provider or sms_provider()
    done = 0
    while limit is None or done < limit:
        ids = claim_due(SmsMessage.objects.all(), CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - done))
        if not ids:
            break
        for status in _deliver_batch(ids, provider):
            report.sent += status == MessageStatus.SENT
            report.failed += status == MessageStatus.FAILED
            report.cancelled += status == MessageStatus.CANCELLED
            done += 1
    return report


@task()
def send_sms(message_id: int) -> str:
    """Send one queued text message (enqueued after the commit that queued it)."""
    return sms_send(message_id=message_id)


@task()
def flush_sms() -> int:
    """Periodic: retry what is due, settle what a dead sender left; returns how many were sent."""
    return sms_flush().sent
