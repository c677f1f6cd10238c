"""Two senders flushing the SMS outbox at once on PostgreSQL: each text message goes to CM.com once."""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest
from django.db import connection

from kolk.comms import sms_provider
from kolk.comms.models import MessageKind, MessageStatus, SmsMessage
from kolk.comms.sms import sms_flush, sms_queue
from tests.comms.cm_replay import CmReplay
from tests.factories import PersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class LockedReplay(CmReplay):
    """The replay, safe for two threads (each sender posts from its own)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def send(self, request, **kwargs):
        with self.lock:
            return super().send(request, **kwargs)


def test_two_senders_send_each_text_message_once(settings, monkeypatch):
    settings.KOLK_SMS_PROVIDER = "cm"
    settings.KOLK_SMS_CM_PRODUCT_TOKEN = "00000000-0000-4000-8000-000000000000"
    replay = LockedReplay().answer("cm_accepted.json")
    monkeypatch.setattr(sms_provider, "http_session", replay.session)
    person = PersonFactory(phones=["06 12345678"])
    for i in range(30):
        sms_queue(
            template="library_overdue",
            context={"title": f"Boek {i}", "due_on": None},
            purpose="lending",
            kind=MessageKind.SERVICE,
            actor=None,
            idempotency_key=f"race:{i}",
            to_person=person,
        )
    monkeypatch.setattr("kolk.comms.sms.CLAIM_BATCH", 3)  # many small claims, so the two senders interleave
    start = threading.Barrier(2)
    errors: list[BaseException] = []
    sent: list[int] = []

    def sender() -> None:
        try:
            start.wait()
            sent.append(sms_flush().sent)
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
    assert sum(sent) == 30
    references = Counter(json.loads(r.body)["messages"]["msg"][0]["reference"] for r in replay.requests)
    assert len(references) == 30
    assert set(references.values()) == {1}
    assert SmsMessage.objects.filter(status=MessageStatus.SENT).count() == 30
