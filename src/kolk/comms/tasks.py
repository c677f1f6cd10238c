"""Background tasks of comms: send one message, flush the outbox. Arguments are ids only."""

from __future__ import annotations

from django_tasks import task

from kolk.comms.outbox import message_send, outbox_flush


@task()
def send_message(message_id: int) -> str:
    """Send one queued message (enqueued after the commit that queued it)."""
    return message_send(message_id=message_id)


@task()
def flush_outbox() -> int:
    """Periodic: retry what is due, settle what a dead sender left; returns how many were sent."""
    return outbox_flush().sent


@task()
def send_campaign(campaign_id: int, actor_id: int | None) -> int:
    """Queue a campaign for all its recipients (can take a while: run by the worker)."""
    from django.contrib.auth import get_user_model

    from kolk.comms.models import Campaign
    from kolk.comms.newsletter import campaign_send

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return campaign_send(campaign=Campaign.objects.get(pk=campaign_id), actor=actor)
