"""Two senders flushing at once on PostgreSQL: each message goes out once (and the race without the claim)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from kolk.comms import outbox
from kolk.comms.models import MessageKind, MessageStatus, OutboxMessage
from kolk.comms.outbox import message_queue, outbox_flush
from kolk.core.clock import now
from tests.factories import PersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def queue_many(n: int) -> None:
    person = PersonFactory(emails=["veel@example.nl"])
    for i in range(n):
        message_queue(
            to_person=person,
            template="message",
            context={"subject": f"Bericht {i}", "body": "Tekst"},
            purpose="service_mails",
            kind=MessageKind.SERVICE,
            actor=None,
            idempotency_key=f"race:{i}",
        )


def two_senders() -> None:
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            outbox_flush()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def naive_claim(qs, limit):
    """The claim without its lock and status re-check: read, (both senders read), then take."""
    due = qs.filter(status__in=[MessageStatus.QUEUED, MessageStatus.FAILED], next_attempt_at__lte=now())
    ids = list(due.order_by("id").values_list("pk", flat=True)[:limit])
    naive_claim.barrier.wait()
    OutboxMessage.objects.filter(pk__in=ids).update(status=MessageStatus.SENDING, claimed_at=now())
    return ids


def test_without_the_claim_two_senders_send_the_same_mail_twice(smtp, monkeypatch):
    queue_many(10)
    naive_claim.barrier = threading.Barrier(2, timeout=10)
    monkeypatch.setattr(outbox, "CLAIM_BATCH", 10)
    calls: Counter[int] = Counter()

    def one_round(qs, limit):  # one claim round each: both read the same ten before either takes them
        calls[threading.get_ident()] += 1
        return naive_claim(qs, limit) if calls[threading.get_ident()] == 1 else []

    monkeypatch.setattr(outbox, "claim_due", one_round)
    two_senders()
    subjects = Counter(str(m["Subject"]) for m in smtp.messages)
    assert len(smtp.messages) == 20
    assert set(subjects.values()) == {2}


def test_with_the_claim_two_senders_send_each_mail_once(smtp):
    queue_many(60)
    two_senders()
    subjects = Counter(str(m["Subject"]) for m in smtp.messages)
    assert len(subjects) == 60
    assert set(subjects.values()) == {1}
    assert OutboxMessage.objects.filter(status=MessageStatus.SENT, attempts=1).count() == 60
