"""The privacy core's retention engine applies comms' rules: rows by their own date, people by their events."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.comms.contact import case_close, case_open
from kolk.comms.models import ContactCase, MessageKind, NewsletterSubscription, OutboxMessage
from kolk.comms.newsletter import newsletter_subscribe, newsletter_unsubscribe
from kolk.comms.outbox import message_queue
from kolk.comms.privacy import newsletter_ended
from kolk.core.clock import today
from kolk.people.models import Person
from kolk.privacy.retention import retention_run
from tests.comms.signup import signed_up_and_confirmed
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def erasure_log(settings, tmp_path):
    settings.KOLK_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def test_a_newsletter_subscriber_is_kept_until_five_years_after_the_end(staff):
    leaver, stayer = PersonFactory(emails=["l@example.nl"]), PersonFactory(emails=["s@example.nl"])
    for p in (leaver, stayer):
        newsletter_subscribe(person=p, source="member_registration", offered_opt_out=True, actor=None)
    bare = signed_up_and_confirmed("lezer@example.nl")
    newsletter_unsubscribe(subscription=NewsletterSubscription.objects.get(person=leaver), actor=None)
    NewsletterSubscription.objects.filter(person=leaver).update(ended_at=at(dt.date(2020, 3, 1)))
    assert list(newsletter_ended()) == [{"subject_id": leaver.pk, "event_date": dt.date(2020, 3, 1)}]
    retention_run(actor=staff, on=dt.date(2025, 2, 28))
    assert Person.objects.filter(pk=leaver.pk).exists()  # five years not yet over
    retention_run(actor=staff, on=dt.date(2025, 3, 2))
    assert not Person.objects.filter(pk=leaver.pk).exists()
    assert not NewsletterSubscription.objects.filter(person_id=leaver.pk).exists()  # gone with the person
    assert Person.objects.filter(pk=stayer.pk).exists()  # still on the list: kept
    NewsletterSubscription.objects.filter(pk=bare.pk).update(ended_at=at(dt.date(2019, 1, 1)))
    retention_run(actor=staff, on=today())
    assert not NewsletterSubscription.objects.filter(pk=bare.pk).exists()  # a bare address goes by its own date


def test_contact_cases_go_a_year_after_closing_and_open_ones_stay(staff):
    member = PersonFactory(emails=["m@example.nl"], with_pass=True)
    closed = case_open(email="m@example.nl", name="M", number=member.pass_number, question="Een", actor=None)
    case_close(case=closed, actor=staff)
    anonymous = case_close(case=case_open(email="x@example.nl", name="X", question="Twee", actor=None), actor=staff)
    other = PersonFactory(emails=["o@example.nl"], with_pass=True)
    still_open = case_open(email="o@example.nl", name="O", number=other.pass_number, question="Drie", actor=None)
    ContactCase.objects.filter(pk__in=[closed.pk, anonymous.pk]).update(closed_at=at(dt.date(2024, 1, 10)))
    ContactCase.objects.filter(pk=still_open.pk).update(opened_at=at(dt.date(2023, 1, 1)))
    retention_run(actor=staff, on=dt.date(2025, 1, 11))
    assert list(ContactCase.objects.values_list("pk", flat=True)) == [still_open.pk]
    assert Person.objects.filter(pk=member.pk).exists()  # a closed question is no reason to erase anyone
    assert Person.objects.filter(pk=other.pk).exists()


def test_outbox_messages_go_a_year_after_they_were_queued(staff):
    person = PersonFactory(emails=["p@example.nl"])
    for key in ("old", "new"):
        message_queue(
            to_person=person,
            template="message",
            context={"subject": "S", "body": "B"},
            purpose="service_mails",
            kind=MessageKind.SERVICE,
            actor=None,
            idempotency_key=key,
        )
    OutboxMessage.objects.filter(idempotency_key="old").update(queued_at=at(today() - dt.timedelta(days=367)))
    retention_run(actor=staff, on=today())
    assert list(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == ["new"]
    assert Person.objects.filter(pk=person.pk).exists()  # a mail log is no reason to erase anyone


def test_text_messages_and_letters_go_a_year_after_they_were_queued_like_mail(staff, settings):
    from kolk.comms.letters import letter_queue
    from kolk.comms.models import Letter, SmsMessage
    from kolk.comms.sms import sms_queue

    settings.KOLK_SMS_PROVIDER = "cm"
    settings.KOLK_SMS_CM_PRODUCT_TOKEN = "00000000-0000-4000-8000-000000000000"
    person = PersonFactory(phones=["06 12345678"])
    context = {"title": "De avonden", "due_on": today()}
    for key in ("old", "new"):
        common = {"template": "library_overdue", "context": context, "purpose": "lending", "actor": None}
        sms_queue(kind=MessageKind.SERVICE, idempotency_key=f"sms-{key}", to_person=person, **common)
        letter_queue(idempotency_key=f"letter-{key}", to_person=person, **common)
    year_ago = at(today() - dt.timedelta(days=367))
    SmsMessage.objects.filter(idempotency_key="sms-old").update(queued_at=year_ago)
    Letter.objects.filter(idempotency_key="letter-old").update(queued_at=year_ago)
    retention_run(actor=staff, on=today())
    assert list(SmsMessage.objects.values_list("idempotency_key", flat=True)) == ["sms-new"]
    assert list(Letter.objects.values_list("idempotency_key", flat=True)) == ["letter-new"]
    assert Person.objects.filter(pk=person.pk).exists()
