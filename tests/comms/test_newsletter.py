"""The newsletter list and campaigns: objectors never receive one, and nobody receives one twice."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kolk.comms import newsletter
from kolk.comms.models import CampaignStatus, MessageStatus, NewsletterSubscription, OutboxMessage
from kolk.comms.newsletter import (
    campaign_create,
    campaign_send,
    newsletter_subscribe,
    newsletter_unsubscribe,
)
from kolk.comms.outbox import outbox_flush
from kolk.comms.unsubscribe import unsubscribe_apply, unsubscribe_token_make
from kolk.core.errors import KolkError
from kolk.core.roles import Role
from kolk.privacy.ledger import is_objecting, objection_record, restriction_record
from tests.comms.signup import signed_up_and_confirmed
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def member(name: str, *emails: str):
    person = PersonFactory(given_name=name, emails=list(emails))
    newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=None)
    return person


def test_a_new_member_is_added_only_with_the_opt_out_offered():
    person = PersonFactory(emails=["a@example.nl"])
    with pytest.raises(KolkError):
        newsletter_subscribe(person=person, source="member_registration", actor=None)
    sub = newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=None)
    assert sub.offered_opt_out
    again = newsletter_subscribe(person=person, source="desk", actor=UserFactory(roles=[Role.DESK]))
    assert again.pk == sub.pk
    with pytest.raises(ValidationError):
        newsletter_subscribe(email="not an address", source="site_signup", actor=None)
    bare = newsletter_subscribe(email="Lezer@Example.NL", source="site_signup", actor=None)
    assert bare.email == "Lezer@example.nl"
    assert newsletter_subscribe(email="lezer@example.nl", source="site_signup", actor=None).pk == bare.pk


def test_signing_up_again_withdraws_an_earlier_objection():
    person = member("Bea", "bea@example.nl")
    newsletter_unsubscribe(subscription=NewsletterSubscription.objects.get(person=person), actor=None)
    assert is_objecting(person, "newsletter")
    newsletter_subscribe(person=person, source="portal", actor=None)
    assert is_objecting(person, "newsletter")  # pending: the objection stands until the link is used
    signed_up_and_confirmed(person=person)
    assert not is_objecting(person, "newsletter")


def test_a_campaign_reaches_subscribers_and_never_objectors(smtp):
    anna = member("Anna", "anna@example.nl", "anna.werk@example.nl")
    objector = member("Otto", "otto@example.nl")
    restricted = member("Rita", "rita@example.nl")
    offers_only = member("Olga", "olga@example.nl")
    PersonFactory(emails=["not.subscribed@example.nl"])
    signed_up_and_confirmed("lezer@example.nl")
    newsletter_subscribe(email="nog.niet.bevestigd@example.nl", source="site_signup", actor=None)
    objection_record(subject=objector, purpose="newsletter", objects=True, method="web", actor=None)
    restriction_record(subject=restricted, restricted=True, reason="art. 18 verzoek", actor=None)
    objection_record(subject=offers_only, purpose="offers", objects=True, method="web", actor=None)
    campaign = campaign_create(subject="Nieuws uit de Kolk", body="Het nieuwe seizoen begint.", actor=None)
    assert campaign_send(campaign=campaign, actor=None) == 3
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipients == 3
    outbox_flush()
    newsletters = [m for m in smtp.messages if str(m["Subject"]) == "Nieuws uit de Kolk"]
    assert sorted(str(m["To"]) for m in newsletters) == ["anna@example.nl", "lezer@example.nl", "olga@example.nl"]
    # The address that never confirmed got its confirmation mail, and nothing else.
    assert [str(m["Subject"]) for m in smtp.to("nog.niet.bevestigd@example.nl")] == [
        "Bevestig je aanmelding voor de nieuwsbrief"
    ]
    for received in newsletters:
        assert str(received["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
        assert "/afmelden/" in smtp.text(received)
    anna_mail = smtp.to("anna@example.nl")[0]
    assert "Beste Anna," in smtp.text(anna_mail)
    with pytest.raises(KolkError):
        campaign_send(campaign=campaign, actor=None)
    assert anna.pk  # the member with two addresses got one mail, at the primary


class Killed(BaseException):
    pass


def test_a_killed_campaign_run_finishes_on_rerun_and_nobody_gets_it_twice(smtp, monkeypatch):
    people = [member(f"Lid{i}", f"lid{i}@example.nl") for i in range(7)]
    campaign = campaign_create(subject="Nieuws", body="Tekst", actor=None)
    monkeypatch.setattr(newsletter, "CAMPAIGN_CHUNK", 2)
    real = newsletter.messages_queue_bulk
    calls = {"n": 0}

    def dies_on_third_chunk(messages):
        calls["n"] += 1
        if calls["n"] == 3:
            raise Killed
        real(messages)

    monkeypatch.setattr(newsletter, "messages_queue_bulk", dies_on_third_chunk)
    with pytest.raises(Killed):
        campaign_send(campaign=campaign, actor=None)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENDING
    assert OutboxMessage.objects.count() == 4  # two chunks committed, the third rolled back
    outbox_flush()  # the worker already sends what was queued
    assert len(smtp.messages) == 4
    monkeypatch.setattr(newsletter, "messages_queue_bulk", real)
    assert campaign_send(campaign=campaign, actor=None) == 7
    outbox_flush()
    addresses = sorted(str(m["To"]) for m in smtp.messages)
    assert addresses == sorted(f"lid{i}@example.nl" for i in range(7))
    assert len(people) == len(set(addresses))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}


def test_the_link_in_a_newsletter_unsubscribes_a_member_and_a_bare_address(client, smtp):
    anna = member("Anna", "anna@example.nl")
    bare = signed_up_and_confirmed("lezer@example.nl")
    campaign_send(campaign=campaign_create(subject="Een", body="Tekst", actor=None), actor=None)
    outbox_flush()
    for received in smtp.messages:
        link = str(received["List-Unsubscribe"]).strip().strip("<>")
        path = link.split("127.0.0.1:8000", 1)[1]
        assert client.get(path).status_code == 200
        response = client.post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        assert "afgemeld" in response.content.decode()
    assert is_objecting(anna, "newsletter")
    bare.refresh_from_db()
    assert bare.ended_at is not None
    assert NewsletterSubscription.objects.filter(ended_at__isnull=True).count() == 0
    assert campaign_send(campaign=campaign_create(subject="Twee", body="Tekst", actor=None), actor=None) == 0


def test_a_bare_address_that_left_after_queuing_is_not_sent_to(smtp):
    bare = signed_up_and_confirmed("lezer@example.nl")
    campaign_send(campaign=campaign_create(subject="Een", body="Tekst", actor=None), actor=None)
    token = unsubscribe_token_make(purpose="newsletter", subscription_id=bare.pk)
    assert unsubscribe_apply(token=token, actor=None).changed
    assert not unsubscribe_apply(token=token, actor=None).changed  # a second click changes nothing
    assert outbox_flush().cancelled == 1
    assert smtp.messages == []


def test_a_campaign_queued_under_the_tasks_module_still_runs(django_capture_on_commit_callbacks):
    """Tasks live beside their services; a campaign queued before under `kolk.comms.tasks` is still sent."""
    from django_tasks_db.models import DBTaskResult

    from kolk.comms.newsletter import campaign_start

    member("Anna", "anna@example.nl")
    campaign = campaign_create(subject="Nieuws uit de Kolk", body="Het nieuwe seizoen begint.", actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_start(campaign=campaign, actor=None)
    queued = DBTaskResult.objects.ready().filter(task_path="kolk.comms.newsletter.send_campaign")
    assert queued.update(task_path="kolk.comms.tasks.send_campaign") == 1
    result = DBTaskResult.objects.ready().get()
    result.claim("tests")
    assert result.task.call(*result.task_result.args, **result.task_result.kwargs) == 1
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
