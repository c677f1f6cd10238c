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
