"""The outbox sends through a real SMTP server, once per key, with the unsubscribe headers."""

from __future__ import annotations

import datetime as dt
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command

from kolk.comms import outbox
from kolk.comms.models import MessageKind, MessageStatus, OutboxMessage
from kolk.comms.outbox import message_queue, message_send, outbox_flush, outbox_recover
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.privacy.ledger import is_objecting, objection_record
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def queue(person, key="k1", kind=MessageKind.MARKETING, purpose="offers", **extra):
    return message_queue(
        to_person=person,
        template="message",
        context={"subject": "Twee kaarten voor één", "body": "Deze week: 2 voor 1 <b>bij</b> de film."},
        purpose=purpose,
        kind=kind,
        actor=None,
        idempotency_key=key,
        **extra,
    )


@pytest.fixture
def anna():
    return PersonFactory(given_name="Anna", emails=["anna@example.nl"])


def test_a_marketing_mail_arrives_with_one_click_unsubscribe(
    smtp, immediate_tasks, anna, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue(anna)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    (received,) = smtp.messages
    assert received["To"] == "anna@example.nl"
    assert received["Subject"] == "Twee kaarten voor één"
    assert received["Message-ID"] == message.message_id
    assert str(received["List-Unsubscribe"]).strip() == f"<{message.unsubscribe_url}>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = smtp.text(received)
    assert "Beste Anna," in text
    assert "2 voor 1 <b>bij</b> de film" in text  # text part is not HTML-escaped
    assert message.unsubscribe_url in text
    html = received.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;bij&lt;/b&gt;" in html
    assert message.unsubscribe_url.replace("&", "&amp;") in html


def test_the_same_key_is_queued_and_sent_once(smtp, immediate_tasks, anna, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(anna, key="ticket:7")
        second = queue(anna, key="ticket:7")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert message_send(message_id=first.pk) == MessageStatus.SENT  # a second send changes nothing
    assert len(smtp.messages) == 1


def test_service_mail_has_no_unsubscribe_link_and_carries_attachments(smtp, anna):
    message = queue(
        anna,
        kind=MessageKind.SERVICE,
        purpose="service_mails",
        attachments=[("tickets.pdf", b"%PDF-1.4 tickets", "application/pdf")],
    )
    assert message_send(message_id=message.pk) == MessageStatus.SENT
    (received,) = smtp.messages
    assert received["List-Unsubscribe"] is None
    (attachment,) = list(received.iter_attachments())
    assert attachment.get_filename() == "tickets.pdf"
    assert attachment.get_content() == b"%PDF-1.4 tickets"


def test_kind_and_purpose_are_checked(anna):
    with pytest.raises(KolkError):
        queue(anna, kind=MessageKind.MARKETING, purpose="lending")  # no objection possible: not marketing
    with pytest.raises(KolkError):
        queue(anna, purpose="no_such_purpose")
    nobody = PersonFactory()
    with pytest.raises(Exception, match="e-mailadres"):
        queue(nobody)
    assert OutboxMessage.objects.count() == 0


def test_an_objection_after_queuing_cancels_the_mail(smtp, anna):
    message = queue(anna)
    objection_record(subject=anna, purpose="offers", objects=True, method="phone", channel="email", actor=None)
    assert message_send(message_id=message.pk) == MessageStatus.CANCELLED
    assert smtp.messages == []
    # an objection to offers by phone only does not stop email offers
    other = PersonFactory(emails=["bob@example.nl"])
    objection_record(subject=other, purpose="offers", objects=True, method="phone", channel="phone", actor=None)
    assert message_send(message_id=queue(other, key="k2").pk) == MessageStatus.SENT


def test_a_notice_needs_consent_at_send_time(smtp, anna):
    message = queue(anna, kind=MessageKind.NOTICE, purpose="notices_advice")
    assert message_send(message_id=message.pk) == MessageStatus.CANCELLED
    assert smtp.messages == []


def test_a_temporary_refusal_is_retried_with_backoff(smtp, anna, monkeypatch):
    message = queue(anna)
    smtp.refuse = "451 4.3.0 try again later"
    assert message_send(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.next_attempt_at > now()
    assert "451" in message.error
    assert outbox_flush().sent == 0  # not due yet
    smtp.refuse = None
    later = now() + dt.timedelta(minutes=2)
    monkeypatch.setattr(outbox, "now", lambda: later)
    report = outbox_flush()
    assert report.sent == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 2
    assert len(smtp.messages) == 1


def test_a_permanent_refusal_is_not_retried(smtp, anna, monkeypatch):
    message = queue(anna)
    smtp.refuse = "550 5.1.1 no such user"
    assert message_send(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.next_attempt_at is None
    smtp.refuse = None
    later = now() + dt.timedelta(days=1)
    monkeypatch.setattr(outbox, "now", lambda: later)
    assert outbox_flush().sent == 0
    assert smtp.messages == []


def test_no_smtp_server_is_a_temporary_failure(settings, anna):
    from tests.comms.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    message = queue(anna)
    assert message_send(message_id=message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.next_attempt_at is not None


class Killed(BaseException):
    """Stands for the worker being killed (not an Exception: nothing catches it)."""


@pytest.mark.parametrize(
    ("kind", "purpose", "resent"),
    [(MessageKind.MARKETING, "offers", False), (MessageKind.SERVICE, "service_mails", True)],
)
def test_killed_after_smtp_accepted(smtp, anna, monkeypatch, kind, purpose, resent):
    message = queue(anna, kind=kind, purpose=purpose)

    def killed(message_id: int) -> None:
        raise Killed

    monkeypatch.setattr(outbox, "_mark_sent", killed)
    with pytest.raises(Killed):
        message_send(message_id=message.pk)
    monkeypatch.undo()
    assert len(smtp.messages) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SENDING
    # A retry within the lease leaves it alone: the sender may still be at work.
    assert message_send(message_id=message.pk) == MessageStatus.SENDING
    assert outbox_flush().sent == 0
    assert len(smtp.messages) == 1
    # After the lease, the periodic job settles it by kind.
    later = now() + outbox.LEASE + dt.timedelta(seconds=1)
    monkeypatch.setattr(outbox, "now", lambda: later)
    assert outbox_recover() == 1
    outbox_flush()
    outbox_flush()
    message.refresh_from_db()
    if resent:
        assert message.status == MessageStatus.SENT
        assert [m["Message-ID"] for m in smtp.messages] == [message.message_id] * 2
    else:
        assert message.status == MessageStatus.FAILED
        assert message.next_attempt_at is None
        assert len(smtp.messages) == 1


def test_kolk_comms_send_flushes_the_outbox(smtp, anna, capsys):
    for i in range(3):
        queue(anna, key=f"bulk:{i}")
    call_command("comms", "send", "--no-progress")
    assert "sent 3" in capsys.readouterr().out
    assert len(smtp.messages) == 3
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


@pytest.mark.django_db(transaction=True)
def test_the_received_link_unsubscribes_in_one_click(smtp, site_url, anna):
    message = queue(anna)
    message_send(message_id=message.pk)
    (received,) = smtp.messages
    link = str(received["List-Unsubscribe"]).strip().strip("<>")
    assert link.startswith(site_url + "/afmelden/")
    with urllib.request.urlopen(link) as page:  # noqa: S310 - our own live server
        assert page.status == 200
        assert "Ja, meld mij af" in page.read().decode()
    assert not is_objecting(anna, "offers", "email")
    body = urllib.parse.urlencode({"List-Unsubscribe": "One-Click"}).encode()
    with urllib.request.urlopen(urllib.request.Request(link, data=body, method="POST")) as page:  # noqa: S310
        assert page.status == 200
    assert is_objecting(anna, "offers", "email")
    assert not is_objecting(anna, "offers", "phone")  # the email link objects to email only
    assert message_send(message_id=queue(anna, key="k2").pk) == MessageStatus.CANCELLED


def test_a_forged_link_is_refused(client):
    response = client.post("/afmelden/eyJ1Ijoib2ZmZXJzIiwicCI6MX0:forged")
    assert response.status_code == 400


def test_a_notice_with_consent_is_sent_and_its_link_withdraws_the_consent(smtp, client, anna):
    from kolk.privacy.ledger import consent_record, has_consent

    consent_record(subject=anna, purpose="notices_advice", given=True, method="web", actor=None)
    message = queue(anna, kind=MessageKind.NOTICE, purpose="notices_advice", key="advice:1")
    assert message_send(message_id=message.pk) == MessageStatus.SENT
    (received,) = smtp.messages
    link = str(received["List-Unsubscribe"]).strip().strip("<>")
    assert client.post(link.split("127.0.0.1:8000", 1)[1], {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not has_consent(anna, "notices_advice")
    later = queue(anna, kind=MessageKind.NOTICE, purpose="notices_advice", key="advice:2")
    assert message_send(message_id=later.pk) == MessageStatus.CANCELLED


def test_queuing_and_sending_take_a_bounded_number_of_queries(smtp, anna, django_assert_max_num_queries):
    queue(anna, key="warm-up")  # the register and templates are loaded once per process
    # key check, primary address, insert, audit entry, plus two savepoints
    with django_assert_max_num_queries(8):
        message = queue(anna, key="counted")
    # claim (select, update, read back), gate, attachments, hand-over mark, sent mark, savepoints
    with django_assert_max_num_queries(11):
        assert message_send(message_id=message.pk) == MessageStatus.SENT
