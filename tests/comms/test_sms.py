"""The SMS outbox: queued in the transaction, sent by the worker through CM.com, retried, once per key.

CM.com's answers are replayed from tests/comms/recorded (cm_replay): no network.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from kolk.comms import outbox, sms, sms_provider
from kolk.comms.models import Letter, MessageKind, MessageStatus, OutboxMessage, SmsMessage
from kolk.comms.sms import SmsNotConfigured, mobile_number, sms_flush, sms_queue, sms_recover, sms_send
from kolk.core.clock import now
from tests.comms.cm_replay import CmReplay
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cm(settings, monkeypatch):
    settings.KOLK_SMS_PROVIDER = "cm"
    settings.KOLK_SMS_CM_PRODUCT_TOKEN = "00000000-0000-4000-8000-000000000000"
    replay = CmReplay()
    monkeypatch.setattr(sms_provider, "http_session", replay.session)
    return replay


@pytest.fixture
def anna():
    return PersonFactory(given_name="Anna", emails=["anna@example.nl"], phones=["06 12345678"])


def queue(person, key="sms-1", **extra):
    args = {
        "template": "library_overdue",
        "context": {"title": "De avonden", "due_on": dt.date(2026, 12, 1)},
        "purpose": "lending",
        "kind": MessageKind.SERVICE,
        **extra,
    }
    return sms_queue(actor=None, idempotency_key=key, to_person=person, **args)


def later(monkeypatch, delta):
    at = now() + delta
    monkeypatch.setattr(sms, "now", lambda: at)
    monkeypatch.setattr(outbox, "now", lambda: at)  # claims due messages for mail and text messages alike


def test_an_accepted_message_is_sent_once_with_our_reference(cm, anna):
    cm.answer("cm_accepted.json")
    message = queue(anna)
    assert message.to_number == "+31612345678"
    assert 'DNK: "De avonden" had op 1 december terug moeten zijn.' in message.text
    assert sms_send(message_id=message.pk) == MessageStatus.SENT
    message.refresh_from_db()
    assert (message.status, message.provider, message.attempts) == (MessageStatus.SENT, "cm", 1)
    [body] = cm.bodies()
    msg = body["messages"]["msg"][0]
    assert body["messages"]["authentication"]["producttoken"] == "00000000-0000-4000-8000-000000000000"
    assert msg["to"] == [{"number": "0031612345678"}]
    assert msg["from"] == "DNK"
    assert msg["reference"] == message.reference
    assert msg["body"]["content"] == message.text
    # Sent is sent: neither the task again nor the periodic job sends it twice.
    assert sms_send(message_id=message.pk) == MessageStatus.SENT
    assert sms_flush().sent == 0
    assert len(cm.requests) == 1


def test_the_same_key_queues_one_message(cm, anna):
    assert queue(anna).pk == queue(anna).pk
    assert SmsMessage.objects.count() == 1


def test_an_invalid_number_is_refused_for_good_and_the_notice_goes_by_email(cm, anna):
    cm.answer("cm_rejected_number.json", status=400)
    message = queue(anna)
    assert sms_send(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.next_attempt_at is None
    assert "is not a number" in message.error
    assert sms_flush().sent == 0
    assert len(cm.requests) == 1
    mail = OutboxMessage.objects.get(person=anna)
    assert mail.subject == "Bericht van DNK"
    assert message.text in mail.text_body
    assert mail.kind == MessageKind.SERVICE


def test_a_refused_number_without_email_becomes_a_letter(cm):
    cm.answer("cm_rejected_number.json", status=400)
    bram = PersonFactory(given_name="Bram", phones=["06 87654321"])
    message = queue(bram)
    sms_send(message_id=message.pk)
    assert Letter.objects.get(person=bram).text_body.count(message.text) == 1


def test_a_landline_is_no_number_for_text_messages(cm):
    home = PersonFactory(phones=["0592 123456"])
    assert mobile_number(home) == ""
    with pytest.raises(ValidationError, match="mobiel nummer"):
        queue(home)


def test_a_5xx_is_retried_with_backoff_and_then_sent(cm, anna, monkeypatch):
    cm.answer("cm_503.html", status=503).answer("cm_balance.json", status=400).answer("cm_accepted.json")
    message = queue(anna)
    assert sms_send(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.next_attempt_at is not None
    assert message.next_attempt_at > now()
    assert "503" in message.error
    # Not before its time.
    assert sms_flush().sent == 0
    later(monkeypatch, dt.timedelta(minutes=2))
    assert sms_flush().failed == 1  # the account refused (balance): no verdict on the message, so again later
    later(monkeypatch, dt.timedelta(minutes=10))
    assert sms_flush().sent == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 3)
    assert {b["messages"]["msg"][0]["reference"] for b in cm.bodies()} == {message.reference}


def test_a_provider_that_stays_away_is_tried_at_most_max_attempts(cm, anna, monkeypatch):
    cm.answer("cm_503.html", status=503)
    message = queue(anna)
    for hour in range(1, 40):
        later(monkeypatch, dt.timedelta(hours=hour * 12))
        sms_flush()
    message.refresh_from_db()
    assert message.attempts == sms.MAX_ATTEMPTS
    assert message.status == MessageStatus.FAILED
    assert message.next_attempt_at is None


def test_queued_in_the_transaction_a_rollback_leaves_nothing(cm, anna, django_capture_on_commit_callbacks):
    def queue_then_fail() -> None:
        with transaction.atomic():
            queue(anna)
            raise RuntimeError

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        queue_then_fail()
    assert SmsMessage.objects.count() == 0
    assert callbacks == []


class Killed(BaseException):
    """The worker killed (not an Exception: nothing catches it)."""


def test_a_worker_killed_before_the_provider_loses_nothing(cm, anna, monkeypatch):
    cm.answer("cm_accepted.json")
    message = queue(anna)

    def killed(*args, **kwargs):
        raise Killed

    with pytest.MonkeyPatch.context() as kill:
        kill.setattr(sms, "_deliver", killed)
        with pytest.raises(Killed):
            sms_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING
    assert message.sent_at is None
    assert sms_flush().sent == 0  # within the lease: the sender may still be at work
    later(monkeypatch, sms.LEASE + dt.timedelta(seconds=1))
    assert sms_flush().sent == 1
    assert len(cm.requests) == 1


def test_a_worker_killed_after_the_provider_took_it_sends_it_again_with_the_same_reference(cm, anna, monkeypatch):
    cm.answer("cm_accepted.json")
    message = queue(anna)
    real = sms_provider.CmProvider.send

    def send_then_die(self, **kwargs):
        real(self, **kwargs)
        raise Killed

    with pytest.MonkeyPatch.context() as kill:
        kill.setattr(sms_provider.CmProvider, "send", send_then_die)
        with pytest.raises(Killed):
            sms_send(message_id=message.pk)
    later(monkeypatch, sms.LEASE + dt.timedelta(seconds=1))
    assert sms_recover() == 1
    sms_flush()
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert [b["messages"]["msg"][0]["reference"] for b in cm.bodies()] == [message.reference] * 2


def test_without_a_provider_sms_is_refused_clearly(settings, anna):
    settings.KOLK_SMS_PROVIDER = ""
    with pytest.raises(SmsNotConfigured, match="niet ingesteld"):
        queue(anna)
    assert sms_provider.sms_provider() is None


def test_no_mobile_number_is_refused(cm):
    with pytest.raises(Exception, match="mobiel nummer"):
        queue(PersonFactory(emails=["x@example.nl"]))
    assert SmsMessage.objects.count() == 0


def test_a_notice_on_consent_is_cancelled_when_the_consent_is_gone_at_send_time(cm, anna):
    cm.answer("cm_accepted.json")
    message = queue(anna, kind=MessageKind.NOTICE, purpose="notices_advice", template="library_pre_due")
    assert sms_send(message_id=message.pk) == MessageStatus.CANCELLED
    assert cm.requests == []


def test_kolk_comms_send_sends_the_text_messages_too(cm, anna, capsys):
    from django.core.management import call_command

    cm.answer("cm_accepted.json")
    queue(anna)
    call_command("comms", "send", "--no-progress")
    assert "sms: sent 1" in capsys.readouterr().out
    assert SmsMessage.objects.get().status == MessageStatus.SENT
