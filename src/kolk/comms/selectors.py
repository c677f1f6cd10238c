"""Reads of comms that pages (portal, desk) and the API share."""

from __future__ import annotations

from typing import Any

from django.db import models

from kolk.comms.models import ContactCase, Letter, NewsletterSubscription, OutboxMessage, SmsMessage


def messages_for_person(person: Any, *, limit: int = 50) -> models.QuerySet[OutboxMessage]:
    """A person's mails, newest first, for 'my messages' (portal) and the desk."""
    return (
        OutboxMessage.objects.filter(person=person)
        .only("id", "subject", "kind", "purpose", "template", "status", "queued_at", "sent_at", "to_address")
        .order_by("-queued_at", "-id")[:limit]
    )


def newsletter_subscription_of(person: Any) -> NewsletterSubscription | None:
    """The person's running, confirmed newsletter subscription, if any."""
    return NewsletterSubscription.objects.filter(
        person=person, ended_at__isnull=True, confirmed_at__isnull=False
    ).first()


def newsletter_pending_of(person: Any) -> NewsletterSubscription | None:
    """The person's sign-up that waits for its confirmation link, if any."""
    return NewsletterSubscription.objects.filter(
        person=person, ended_at__isnull=True, confirmed_at__isnull=True
    ).first()


def cases_for_person(person: Any) -> models.QuerySet[ContactCase]:
    return ContactCase.objects.filter(person=person).order_by("-opened_at", "-id")


def sms_for_person(person: Any, *, limit: int = 50) -> models.QuerySet[SmsMessage]:
    """A person's text messages, newest first, for 'my messages'."""
    return (
        SmsMessage.objects.filter(person=person)
        .only("id", "text", "status", "queued_at", "sent_at", "to_number")
        .order_by("-queued_at", "-id")[:limit]
    )


def letters_for_person(person: Any, *, limit: int = 50) -> models.QuerySet[Letter]:
    """A person's letters, newest first, for 'my messages'."""
    return (
        Letter.objects.filter(person=person)
        .only("id", "subject", "queued_at", "printed_at")
        .order_by("-queued_at", "-id")[:limit]
    )
