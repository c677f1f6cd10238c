"""What comms tells the privacy core about retention (auto-imported by the privacy app).

Rows, each by its own date, also when no person is linked:
- outbox messages, text messages and letters, one year after they were queued
  (rule `outbox`; sending follows queuing within minutes, and a failed or
  cancelled mail has no other date);
- contact cases, one year after they were closed (rule `contact`): the contact
  data is the case itself, whoever asked;
- bare newsletter addresses (no person), five years after they left (rule `newsletter`);
- sign-ups never confirmed by their link, 14 days after they were asked for
  (rule `newsletter_pending`), a person's too: a pending sign-up is no relationship.

People: `newsletter_ended` is their start event (rule `newsletter`, five years);
someone on the list (confirmed) or with a case still open is kept. `contact_case_closed` and
`message_sent` are not person events on purpose: their rows go by their own date
(the engine deletes rows before it looks at people, so the event would vanish
with the rows), and a closed question or a mail log is no reason to keep or to
erase a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate

from kolk.comms.models import (
    CaseStatus,
    ContactCase,
    MessageKind,
    MessageStatus,
    NewsletterSubscription,
    OutboxMessage,
)
from kolk.privacy.compliance import BROKEN, Finding, register_check
from kolk.privacy.registry import register_event, register_keep, retain


def newsletter_active() -> QuerySet[Any]:
    """People on the newsletter list now (confirmed): their retention has not started."""
    return NewsletterSubscription.objects.filter(
        ended_at__isnull=True, confirmed_at__isnull=False, person__isnull=False
    ).values("person_id")


def newsletter_ended() -> QuerySet[Any]:
    """Start event `newsletter_ended`: subject_id, event_date (their last subscription's end)."""
    return (
        NewsletterSubscription.objects.filter(person__isnull=False, ended_at__isnull=False)
        .exclude(person_id__in=newsletter_active())
        .values(subject_id=F("person_id"))
        .annotate(event_date=TruncDate(Max("ended_at")))  # the last moment, then its day
        .order_by("subject_id")
    )


def contact_case_pending() -> QuerySet[Any]:
    """People with a question not yet closed: we still owe them an answer."""
    return ContactCase.objects.filter(person__isnull=False).exclude(status=CaseStatus.CLOSED).values("person_id")


register_event("newsletter_ended", newsletter_ended)
register_keep("newsletter_active", newsletter_active)
register_keep("contact_case_pending", contact_case_pending)
retain("comms.OutboxMessage", rule="outbox", action="delete", date_field="queued_at")
# Text messages and letters are kept like mail: a year after they were queued (M02, M03).
retain("comms.SmsMessage", rule="outbox", action="delete", date_field="queued_at")
retain("comms.Letter", rule="outbox", action="delete", date_field="queued_at")
retain("comms.ContactCase", rule="contact", action="delete", date_field="closed_at")
# A person's subscriptions go with the person (newsletter_ended); `done` leaves them to that.
retain(
    "comms.NewsletterSubscription",
    rule="newsletter",
    action="delete",
    date_field="ended_at",
    done=Q(person__isnull=False),
)
# Never confirmed: gone after the short period, whoever signed up (subscribed_at is the last request).
retain(
    "comms.NewsletterSubscription",
    rule="newsletter_pending",
    action="delete",
    date_field="subscribed_at",
    done=Q(confirmed_at__isnull=False),
)


def check_newsletter_confirmed(on: dt.date) -> Iterator[Finding]:
    """N01 with double opt-in: no newsletter goes to an address before its sign-up was confirmed."""
    confirmed = NewsletterSubscription.objects.filter(confirmed_at__lte=OuterRef("queued_at"))
    unconfirmed = (
        OutboxMessage.objects.filter(purpose="newsletter", kind=MessageKind.MARKETING)
        .exclude(status=MessageStatus.CANCELLED)
        .exclude(
            Exists(confirmed.filter(person_id=OuterRef("person_id")))
            | Exists(confirmed.filter(person__isnull=True, email=OuterRef("to_address")))
        )
    )
    count = unconfirmed.count()
    if count:
        yield Finding(
            BROKEN,
            "newsletter",
            f"N01: {count} newsletter mails were queued for an address whose sign-up was not confirmed",
        )


register_check("newsletter confirmed", check_newsletter_confirmed)
