"""Retention start events owned by comms (auto-imported by the privacy app).

Each returns (person_id, date) rows; the retention engine applies the register's
rules: `message_sent` (outbox, P1Y), `newsletter_ended` (P5Y),
`contact_case_closed` (P1Y).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from kolk.comms.contact import contact_case_closed
from kolk.comms.models import MessageStatus, OutboxMessage
from kolk.comms.newsletter import newsletter_ended


def message_sent() -> models.QuerySet[Any]:
    """(person_id, sent_at) per message sent to a person."""
    return OutboxMessage.objects.filter(status=MessageStatus.SENT, person__isnull=False).values_list(
        "person_id", "sent_at"
    )


EVENTS = {
    "message_sent": message_sent,
    "newsletter_ended": newsletter_ended,
    "contact_case_closed": contact_case_closed,
}
