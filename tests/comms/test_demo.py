"""The comms demo data loads on top of the demo people and nothing leaves the machine."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from kolk.comms.models import Campaign, CampaignStatus, CaseStatus, ContactCase, NewsletterSubscription, OutboxMessage

pytestmark = pytest.mark.django_db


def test_demo_has_subscribers_a_sent_newsletter_and_cases_in_each_state(smtp, settings):
    settings.DEBUG = True  # the demo refuses to run with DEBUG off
    call_command("seed", "--demo", stdout=None)
    assert NewsletterSubscription.objects.filter(person__isnull=True).count() == 2
    assert NewsletterSubscription.objects.filter(person__isnull=False, offered_opt_out=True).exists()
    sent = Campaign.objects.get(status=CampaignStatus.SENT)
    assert sent.recipients == OutboxMessage.objects.filter(idempotency_key__startswith=f"campaign:{sent.pk}:").count()
    assert set(ContactCase.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    ours = OutboxMessage.objects.filter(template__in=["newsletter", "contact_answer"])
    assert set(ours.values_list("status", flat=True)) == {"sent"}
    assert smtp.messages == []  # demo addresses never reach an SMTP server
    # Every demo mail that was sent went to memory (the library's notices wait for the worker).
    assert len(mail.outbox) == OutboxMessage.objects.filter(status="sent").count()
