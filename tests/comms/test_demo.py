"""The comms demo data loads on top of the demo people and nothing leaves the machine."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command

from kolk.comms.models import Campaign, CampaignStatus, CaseStatus, ContactCase, NewsletterSubscription, OutboxMessage

pytestmark = pytest.mark.django_db


def test_demo_has_subscribers_a_sent_newsletter_and_cases_in_each_state(smtp):
    call_command("seed", "--demo", stdout=None)
    assert NewsletterSubscription.objects.filter(person__isnull=True).count() == 2
    assert NewsletterSubscription.objects.filter(person__isnull=False, offered_opt_out=True).exists()
    sent = Campaign.objects.get(status=CampaignStatus.SENT)
    assert sent.recipients == OutboxMessage.objects.filter(idempotency_key__startswith=f"campaign:{sent.pk}:").count()
    assert set(ContactCase.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    ours = OutboxMessage.objects.filter(idempotency_key__regex=r"^(campaign|case):")
    assert set(ours.values_list("status", flat=True)) == {"sent"}  # other apps' notices wait for the worker
    assert smtp.messages == []  # demo addresses never reach an SMTP server
    delivered = {m.extra_headers["Message-ID"] for m in mail.outbox}  # other demos deliver here too
    assert set(ours.values_list("message_id", flat=True)) <= delivered
