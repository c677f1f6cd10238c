"""The outbox: every outgoing email is queued here, rendered once, and sent by the worker.

`message_queue` renders `comms/mail/<template>_subject.txt`, `<template>.txt` and,
when present, `<template>.html` in the recipient's language, stores the message
under a unique idempotency key (queuing the same key twice returns the first
message and queues nothing) and, after the commit, enqueues `send_message`.

Kinds. `service`: mail the contract needs (tickets, answers, lending notices);
no unsubscribe link. `notice`: notices and advice given on consent (L13), the
link withdraws the consent. `marketing`: newsletter and offers, the link records
an objection. Notice and marketing mails carry a one-click unsubscribe link in
the body and the `List-Unsubscribe` / `List-Unsubscribe-Post` headers (RFC 8058),
and are checked against the ledger again right before sending: an objection,
a withdrawn consent or a restriction made after queuing cancels the message.

Delivery guarantee. A sender claims a message by moving it from queued/failed
to `sending` in one short transaction (rows picked with SELECT ... FOR UPDATE
SKIP LOCKED, and the UPDATE re-checks the status, so two workers never hold the
same message). It then talks SMTP outside any transaction and marks the message
`sent` right after the server accepts it. So:

- A message is never sent twice by two workers at once, nor resent once marked sent.
- A failure before the server accepted the mail is retried with back-off
  (BACKOFF, at most MAX_ATTEMPTS attempts; a permanent 5xx refusal is not retried).
- Right before a message is handed to the SMTP server, its `sent_at` is set
  (while it is still `sending`): only that one message can be in doubt. A
  sender killed while holding a batch leaves the rest `sending` without
  `sent_at`; after LEASE they go back to the queue, as they never left.
- A sender killed between the hand-over and the `sent` mark (one UPDATE)
  leaves the message `sending` with `sent_at`. After LEASE the periodic job
  decides: service and notice mail is resent (at least once: a ticket must
  arrive) with the SAME Message-ID header, so a duplicate is byte-identical in
  its identity and mail stores that de-duplicate on Message-ID show it once;
  marketing mail is not resent (at most once: a missed newsletter harms nobody)
  and is marked failed with the reason. No other path can send a message twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.template import Context, TemplateDoesNotExist, engines
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from kolk.comms.models import MessageKind, MessageStatus, OutboxAttachment, OutboxMessage
from kolk.comms.unsubscribe import email_channel, unsubscribe_url
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.audit import audit_log
from kolk.privacy.ledger import consenter_ids, objector_ids, restricted_ids
from kolk.privacy.register import get_register

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF = [dt.timedelta(minutes=m) for m in (1, 5, 30, 120, 720)]
LEASE = dt.timedelta(minutes=10)
SMTP_TIMEOUT = 30
CLAIM_BATCH = 50

# (filename, content, mimetype), as Django's EmailMessage.attach takes them.
Attachment = tuple[str, bytes, str]


def _render(name: str, context: Mapping[str, Any], *, required: bool = True, autoescape: bool = False) -> str:
    """Render a mail template; text parts without HTML escaping."""
    try:
        template = engines["django"].engine.get_template(name)  # type: ignore[attr-defined]
    except TemplateDoesNotExist:
        if required:
            raise
        return ""
    return str(template.render(Context(dict(context), autoescape=autoescape)))


def render_text(name: str, context: Mapping[str, Any]) -> str:
    """A plain-text template (mail text, SMS, letter) rendered without HTML escaping."""
    return _render(name, context)


def _primary_email(person: Any) -> str:
    emails = getattr(person, "emails", None)
    if emails is None:
        return ""
    first = emails.order_by("-is_primary", "id").values_list("address", flat=True).first()
    return first or ""


def _language(person: Any, language: str | None) -> str:
    lang = language or getattr(person, "language", "") or settings.LANGUAGE_CODE
    return "en" if str(lang)[:2] == "en" else "nl"


def _check_kind(kind: str, purpose: str) -> None:
    register = get_register()
    if kind not in MessageKind.values:
        raise KolkError(_("Onbekende soort bericht: %(kind)s") % {"kind": kind})
    if purpose not in register.purposes or register.purposes[purpose].system:
        raise KolkError(_("'%(purpose)s' is geen doel uit het verwerkingsregister.") % {"purpose": purpose})
    if kind == MessageKind.MARKETING and purpose not in register.objection_purposes():
        raise KolkError(_("Marketing mag alleen voor een doel waartegen bezwaar kan worden gemaakt."))
    if kind == MessageKind.NOTICE and purpose not in (*register.consent_purposes(), *register.objection_purposes()):
        raise KolkError(_("Een attendering hoort bij een doel met toestemming of bezwaar."))


def message_domain() -> str:
    """The domain of Message-IDs: the sender's own (contact@dnk.nl -> dnk.nl)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "kolk.invalid"


def message_build(
    *,
    template: str,
    context: Mapping[str, Any],
    purpose: str,
    kind: str,
    idempotency_key: str,
    to_person: Any = None,
    to_address: str = "",
    language: str | None = None,
) -> OutboxMessage:
    """Render one message, unsaved (message_queue and campaigns save it)."""
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise KolkError(_("Een bericht heeft een sleutel van 1 tot 200 tekens nodig."))
    _check_kind(kind, purpose)
    address = (to_address or (_primary_email(to_person) if to_person is not None else "")).strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise ValidationError({"to_address": [_("Geen geldig e-mailadres om naar te sturen.")]}) from exc
    lang = _language(to_person, language)
    link = ""
    if kind != MessageKind.SERVICE:
        link = unsubscribe_url(
            person=to_person,
            purpose=purpose,
            channel=email_channel(purpose),
            language=lang,
            subscription_id=context.get("subscription_id"),
        )
    full = {
        **context,
        "person": to_person,
        "to_address": address,
        "centre": get_register().controller,
        "site_url": settings.KOLK_SITE_URL.rstrip("/"),
        "unsubscribe_url": link,
    }
    with translation.override(lang):
        subject = " ".join(_render(f"comms/mail/{template}_subject.txt", full).split())
        text = _render(f"comms/mail/{template}.txt", full)
        html = _render(f"comms/mail/{template}.html", full, required=False, autoescape=True)
    at = now()
    return OutboxMessage(
        person=to_person,
        to_address=address,
        kind=kind,
        purpose=purpose,
        template=template,
        language=lang,
        subject=subject[:255],
        text_body=text,
        html_body=html,
        unsubscribe_url=link,
        queued_at=at,
        next_attempt_at=at,
        idempotency_key=key,
        message_id=make_msgid(domain=message_domain()),
    )


@transaction.atomic
def message_queue(
    *,
    template: str,
    context: Mapping[str, Any],
    purpose: str,
    kind: str,
    actor: Actor,
    idempotency_key: str,
    to_person: Any = None,
    to_address: str = "",
    attachments: Iterable[Attachment] = (),
    language: str | None = None,
) -> OutboxMessage:
    """Queue one email; the same `idempotency_key` never queues a second message.

    `to_address` defaults to the person's primary email address. The templates
    are rendered now, in the person's language, with `context` plus `person`,
    `centre`, `site_url` and, for notice and marketing mail, `unsubscribe_url`.
    """
    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key.strip()).first()
    if existing is not None:
        return existing
    message = message_build(
        template=template,
        context=context,
        purpose=purpose,
        kind=kind,
        idempotency_key=idempotency_key,
        to_person=to_person,
        to_address=to_address,
        language=language,
    )
    try:
        with transaction.atomic():
            message.save(force_insert=True)
            OutboxAttachment.objects.bulk_create(
                [
                    OutboxAttachment(message=message, filename=name, content=bytes(content), mimetype=mimetype)
                    for name, content, mimetype in attachments
                ]
            )
    except IntegrityError:
        # The same key queued at this moment by someone else: theirs stands.
        return OutboxMessage.objects.get(idempotency_key=message.idempotency_key)
    audit_log(
        actor=actor,
        action="message.queued",
        subject=to_person,
        details={"message": message.pk, "template": template, "purpose": purpose, "kind": kind},
    )
    message_id = message.pk
    transaction.on_commit(lambda: _enqueue_send(message_id), robust=True)
    return message


def messages_queue_bulk(messages: list[OutboxMessage]) -> None:
    """Save built messages in one statement (a key already queued is skipped); flush after commit.

    For campaigns: the caller audits the run once.
    """
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    transaction.on_commit(_enqueue_flush, robust=True)


def _enqueue_flush() -> None:
    flush_outbox.enqueue()


def _enqueue_send(message_id: int) -> None:
    send_message.enqueue(message_id)


# Sending.


def claim_due(qs: models.QuerySet[Any], limit: int) -> list[int]:
    """Take up to `limit` due messages of `qs` (mail or text messages) for this sender; nobody else can take them."""
    model = qs.model
    at = now()
    with transaction.atomic():
        due = qs.filter(status__in=[MessageStatus.QUEUED, MessageStatus.FAILED], next_attempt_at__lte=at)
        ids = list(
            due.order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return []
        model.objects.filter(pk__in=ids, status__in=[MessageStatus.QUEUED, MessageStatus.FAILED]).update(
            status=MessageStatus.SENDING, claimed_at=at, sent_at=None, attempts=F("attempts") + 1
        )
    return list(
        model.objects.filter(pk__in=ids, status=MessageStatus.SENDING, claimed_at=at).values_list("pk", flat=True)
    )


def withheld(messages: Sequence[Any]) -> set[int]:
    """The ids among `messages` the ledger no longer allows: a few queries for a whole batch.

    Each message has pk, person_id, purpose and kind (mail, text messages, letters on the print list).
    Checked right before a batch of mail or text messages is sent: service messages always go; notice and
    marketing mail to a restricted person, an objector (on email or in general)
    or someone without the consent it needs does not; a bare newsletter address
    must still be on the list, confirmed.
    """
    register = get_register()
    checked = [m for m in messages if m.kind != MessageKind.SERVICE]
    out: set[int] = set()
    bare = [m for m in checked if m.person_id is None]
    if bare:
        from kolk.comms.models import NewsletterSubscription

        listed = {
            a.lower()
            for a in NewsletterSubscription.objects.filter(
                person__isnull=True,
                ended_at__isnull=True,
                confirmed_at__isnull=False,
                email__in=[getattr(m, "to_address", "") for m in bare],
            ).values_list("email", flat=True)
        }
        out |= {m.pk for m in bare if m.purpose != "newsletter" or getattr(m, "to_address", "").lower() not in listed}
    personal = [m for m in checked if m.person_id is not None]
    if not personal:
        return out
    person_ids = {m.person_id for m in personal}
    restricted = set(restricted_ids().filter(subject_id__in=person_ids).values_list("subject_id", flat=True))
    out |= {m.pk for m in personal if m.person_id in restricted}
    for purpose in {m.purpose for m in personal}:
        mine = [m for m in personal if m.purpose == purpose]
        if purpose in register.objection_purposes():
            objecting = objector_ids(purpose, "email").filter(subject_id__in=person_ids)
            blocked = set(objecting.values_list("subject_id", flat=True))
            out |= {m.pk for m in mine if m.person_id in blocked}
        if purpose in register.consent_purposes():
            consenting = consenter_ids(purpose).filter(subject_id__in=person_ids)
            allowed = set(consenting.values_list("subject_id", flat=True))
            out |= {m.pk for m in mine if m.person_id not in allowed}
    return out


def may_send(message: OutboxMessage) -> bool:
    """Whether the ledger still allows this message, right now."""
    return message.pk not in withheld([message])


def _build(message: OutboxMessage, connection: Any) -> EmailMultiAlternatives:
    headers = {"Message-ID": message.message_id}
    if message.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if message.kind != MessageKind.SERVICE:
        headers["Precedence"] = "bulk" if message.kind == MessageKind.MARKETING else "list"
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.text_body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to_address],
        headers=headers,
        connection=connection,
    )
    if message.html_body:
        email.attach_alternative(message.html_body, "text/html")
    for attachment in message.attachments.all():
        email.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return email


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code >= 500


def _mark_sent(message_id: int) -> None:
    OutboxMessage.objects.filter(pk=message_id, status=MessageStatus.SENDING).update(
        status=MessageStatus.SENT, sent_at=now(), next_attempt_at=None, error=""
    )


def _mark_failed(message: OutboxMessage, exc: BaseException) -> None:
    retry = not _permanent(exc) and message.attempts < MAX_ATTEMPTS
    delay = BACKOFF[min(message.attempts, len(BACKOFF)) - 1] if message.attempts else BACKOFF[0]
    OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
        status=MessageStatus.FAILED,
        sent_at=None,
        next_attempt_at=now() + delay if retry else None,
        error=f"{type(exc).__name__}: {exc}"[:500],
    )


def _deliver(message: OutboxMessage, connection: Any, *, allowed: bool) -> str:
    """Send one claimed message; returns its new status."""
    if not allowed:
        OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(
            status=MessageStatus.CANCELLED, next_attempt_at=None, error="objection, withdrawn consent or restriction"
        )
        return MessageStatus.CANCELLED
    email = _build(message, connection)
    # From here on this message may reach the server: mark it, so that a kill leaves only it in doubt.
    OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(sent_at=now())
    try:
        email.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.warning("outbox message %s failed: %s", message.pk, type(exc).__name__)
        connection.close()
        _mark_failed(message, exc)
        _open(connection)
        return MessageStatus.FAILED
    _mark_sent(message.pk)
    return MessageStatus.SENT


def _deliver_batch(ids: list[int], connection: Any) -> list[str]:
    messages = list(OutboxMessage.objects.filter(pk__in=ids).prefetch_related("attachments").order_by("pk"))
    blocked = withheld(messages)
    return [_deliver(m, connection, allowed=m.pk not in blocked) for m in messages]


def smtp_connection() -> Any:
    return get_connection(fail_silently=False, timeout=SMTP_TIMEOUT)


def _open(connection: Any) -> None:
    """Keep one SMTP session for a whole batch; when the server is away, each send fails on its own."""
    try:
        connection.open()
    except (smtplib.SMTPException, OSError):
        logger.warning("SMTP server not reachable")


def message_send(*, message_id: int) -> str:
    """Send one message now if it is due and nobody else holds it; returns its status."""
    claimed = claim_due(OutboxMessage.objects.filter(pk=message_id), 1)
    if not claimed:
        status = OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first()
        return status or "missing"
    connection = smtp_connection()
    try:
        return _deliver_batch(claimed, connection)[0]
    finally:
        connection.close()


@task()
def send_message(message_id: int) -> str:
    """Send one queued message (enqueued after the commit that queued it)."""
    return message_send(message_id=message_id)


def outbox_recover(*, at: dt.datetime | None = None) -> int:
    """Settle messages whose sender died while holding them (older than LEASE)."""
    at = at or now()
    stale = OutboxMessage.objects.filter(status=MessageStatus.SENDING, claimed_at__lt=at - LEASE)
    # Never handed to the server: back to the queue as if never claimed (any kind).
    requeued = stale.filter(sent_at__isnull=True).update(status=MessageStatus.QUEUED, next_attempt_at=at)
    stale = stale.filter(sent_at__isnull=False)
    resent = stale.exclude(kind=MessageKind.MARKETING).update(
        status=MessageStatus.FAILED, next_attempt_at=at, error="in doubt: resent with the same Message-ID"
    )
    dropped = stale.filter(kind=MessageKind.MARKETING).update(
        status=MessageStatus.FAILED, next_attempt_at=None, error="in doubt: marketing is not resent"
    )
    return requeued + resent + dropped


@dataclass
class FlushReport:
    sent: int = 0
    failed: int = 0
    cancelled: int = 0
    recovered: int = 0


def outbox_due_count() -> int:
    return OutboxMessage.objects.filter(
        status__in=[MessageStatus.QUEUED, MessageStatus.FAILED], next_attempt_at__lte=now()
    ).count()


def outbox_flush(
    *, limit: int | None = None, progress: Callable[[int], Any] | None = None, connection: Any = None
) -> FlushReport:
    """Send every message that is due, in claimed batches over one SMTP connection."""
    report = FlushReport(recovered=outbox_recover())
    done = 0
    connection = connection or smtp_connection()
    _open(connection)
    try:
        while limit is None or done < limit:
            batch = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - done)
            ids = claim_due(OutboxMessage.objects.all(), batch)
            if not ids:
                break
            for status in _deliver_batch(ids, connection):
                report.sent += status == MessageStatus.SENT
                report.failed += status == MessageStatus.FAILED
                report.cancelled += status == MessageStatus.CANCELLED
                done += 1
                if progress is not None:
                    progress(1)
    finally:
        connection.close()
    return report


@task()
def flush_outbox() -> int:
    """Periodic: retry what is due, settle what a dead sender left; returns how many were sent."""
    return outbox_flush().sent
