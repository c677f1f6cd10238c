"""Double opt-in: a sign-up waits for the link in its mail, and only a confirmed address gets the newsletter."""

from __future__ import annotations

import datetime as dt
import importlib
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.urls import reverse

from kolk.comms import confirmation, newsletter
from kolk.comms.confirmation import CONFIRM_MAX_AGE, confirm_token_make, newsletter_confirm
from kolk.comms.models import MessageKind, MessageStatus, NewsletterSubscription, OutboxMessage
from kolk.comms.newsletter import campaign_create, campaign_send, newsletter_recipients, newsletter_subscribe
from kolk.comms.outbox import message_queue
from kolk.comms.privacy import check_newsletter_confirmed
from kolk.comms.selectors import newsletter_pending_of, newsletter_subscription_of
from kolk.core.clock import now, today
from kolk.core.errors import BadRequest, KolkError
from kolk.core.roles import Role
from kolk.privacy.compliance import run_checks
from kolk.privacy.ledger import is_objecting, objection_record
from kolk.privacy.models import AuditEntry, ChoiceKind, PrivacyChoice
from kolk.privacy.register import get_register
from kolk.privacy.retention import retention_run
from kolk.privacy.statement import statement_context
from tests.comms.signup import confirm_link_token, signed_up_and_confirmed
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def mails(address: str) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(to_address=address, template="newsletter_confirm").order_by("pk"))


def test_a_sign_up_on_the_site_is_pending_and_gets_one_mail_with_a_link():
    sub = newsletter_subscribe(email="lezer@example.nl", source="site_signup", actor=None)
    assert sub.confirmed_at is None
    (mail,) = mails("lezer@example.nl")
    assert (mail.kind, mail.purpose, mail.language) == (MessageKind.SERVICE, "newsletter", "nl")
    assert mail.subject == "Bevestig je aanmelding voor de nieuwsbrief"
    assert "http://127.0.0.1:8000/nieuwsbrief/bevestigen/" in mail.text_body
    assert "7 dagen" in mail.text_body
    assert "lezer@example.nl" not in confirm_link_token(mail)  # no address in a URL
    assert mail.unsubscribe_url == ""  # it is no newsletter
    # Pending: in no selection, no campaign, no count.
    assert list(newsletter_recipients(actor=None)) == []
    assert campaign_send(campaign=campaign_create(subject="Nieuws", body="Tekst", actor=None), actor=None) == 0
    assert not OutboxMessage.objects.filter(kind=MessageKind.MARKETING).exists()


def test_the_mail_speaks_the_language_of_the_sign_up():
    newsletter_subscribe(email="reader@example.com", source="site_signup", language="en", actor=None)
    (mail,) = mails("reader@example.com")
    assert mail.language == "en"
    assert "/en/nieuwsbrief/bevestigen/" in mail.text_body
    member = PersonFactory(emails=["anna@example.nl"])
    newsletter_subscribe(person=member, source="portal", language="en-gb", actor=None)
    (mail,) = mails("anna@example.nl")
    assert mail.language == "en"  # the portal's language when the member signed up


def test_asking_again_sends_the_link_again_at_most_once_an_hour_and_never_to_a_confirmed_address(monkeypatch):
    first = newsletter_subscribe(email="lezer@example.nl", source="site_signup", actor=None)
    assert newsletter_subscribe(email="Lezer@example.nl", source="site_signup", actor=None).pk == first.pk
    assert len(mails("lezer@example.nl")) == 1  # the same hour: nothing more
    later = now() + dt.timedelta(hours=2)
    monkeypatch.setattr(confirmation, "now", lambda: later)
    monkeypatch.setattr(newsletter, "now", lambda: later)
    newsletter_subscribe(email="lezer@example.nl", source="site_signup", language="en", actor=None)
    second = mails("lezer@example.nl")[-1]
    assert len(mails("lezer@example.nl")) == 2
    assert second.language == "en"
    first.refresh_from_db()
    assert first.subscribed_at == later  # its retention starts anew with the new mail
    # Both links work until they expire; the first one confirms.
    assert newsletter_confirm(token=confirm_link_token(mails("lezer@example.nl")[0]), actor=None).changed
    assert not newsletter_confirm(token=confirm_link_token(second), actor=None).changed
    monkeypatch.setattr(confirmation, "now", lambda: later + dt.timedelta(hours=5))
    again = newsletter_subscribe(email="lezer@example.nl", source="site_signup", actor=None)
    assert again.pk == first.pk
    assert len(mails("lezer@example.nl")) == 2  # confirmed: no mail to a stranger's attempt


def test_confirming_records_the_date_the_audit_entry_and_for_a_person_the_ledger():
    anna = PersonFactory(emails=["anna@example.nl"])
    objection_record(subject=anna, purpose="newsletter", objects=True, method="desk", actor=None)
    sub = newsletter_subscribe(person=anna, source="portal", actor=None)
    assert newsletter_pending_of(anna) == sub
    assert newsletter_subscription_of(anna) is None  # the portal shows only what is confirmed
    assert is_objecting(anna, "newsletter")  # nothing changes before the link is used
    token = confirm_link_token(mails("anna@example.nl")[0])
    result = newsletter_confirm(token=token, actor=None)
    assert result.changed
    sub.refresh_from_db()
    assert sub.confirmed_at is not None
    assert newsletter_subscription_of(anna) == sub
    assert not is_objecting(anna, "newsletter")
    choice = PrivacyChoice.objects.filter(subject=anna, kind=ChoiceKind.OBJECTION).latest("pk")
    assert (choice.purpose, choice.decision, choice.method) == ("newsletter", False, "email")
    entry = AuditEntry.objects.filter(action="newsletter.confirmed").get()
    assert entry.details["subscription"] == sub.pk
    assert entry.details["method"] == "email"
    assert entry.details["choice"] == choice.pk
    # A second use of the link writes nothing.
    assert not newsletter_confirm(token=token, actor=None).changed
    assert AuditEntry.objects.filter(action="newsletter.confirmed").count() == 1
    assert [r["address"] for r in newsletter_recipients(actor=None)] == ["anna@example.nl"]


def test_a_bare_address_keeps_its_proof_on_the_subscription_and_in_the_audit_log():
    sub = signed_up_and_confirmed("lezer@example.nl")
    entry = AuditEntry.objects.get(action="newsletter.confirmed")
    assert entry.details == {"subscription": sub.pk, "source": "site_signup", "method": "email", "choice": None}
    assert [r["address"] for r in newsletter_recipients(actor=None)] == ["lezer@example.nl"]


def test_a_tampered_an_expired_and_a_spent_link_write_nothing(monkeypatch):
    sub = newsletter_subscribe(email="lezer@example.nl", source="site_signup", actor=None)
    token = confirm_link_token(mails("lezer@example.nl")[0])
    with pytest.raises(BadRequest) as bad:
        newsletter_confirm(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"), actor=None)
    assert bad.value.code == "bad_token"
    # Another sign-up's id in a token signed for this one: refused.
    forged = signing.dumps({"s": sub.pk + 1, "h": "0" * 20}, salt=confirmation.SALT)
    with pytest.raises(KolkError) as gone:
        newsletter_confirm(token=forged, actor=None)
    assert gone.value.code == "gone"
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + CONFIRM_MAX_AGE.total_seconds() + 60)
    with pytest.raises(BadRequest) as expired:
        newsletter_confirm(token=token, actor=None)
    assert expired.value.code == "expired_token"
    assert "verlopen" in str(expired.value.message)
    monkeypatch.setattr(signing.time, "time", real_time)
    sub.refresh_from_db()
    assert sub.confirmed_at is None
    assert not AuditEntry.objects.filter(action="newsletter.confirmed").exists()
    # Removed (retention) or ended: the link is spent.
    sub.delete()
    with pytest.raises(KolkError) as spent:
        newsletter_confirm(token=token, actor=None)
    assert spent.value.code == "gone"


def test_the_desk_and_registration_count_at_once_with_staff_on_record(staff):
    with pytest.raises(KolkError):
        newsletter_subscribe(person=PersonFactory(), source="desk", actor=None)
    with pytest.raises(KolkError):
        newsletter_subscribe(
            person=PersonFactory(), source="desk", actor=UserFactory(is_staff=False, roles=[Role.MEMBER])
        )
    bea = PersonFactory(emails=["bea@example.nl"])
    sub = newsletter_subscribe(person=bea, source="desk", actor=staff)
    assert sub.confirmed_at is not None
    choice = PrivacyChoice.objects.get(subject=bea)
    assert (choice.decision, choice.method, choice.recorded_by_id) == (False, "desk", staff.pk)
    member = PersonFactory(emails=["m@example.nl"])
    registered = newsletter_subscribe(person=member, source="member_registration", offered_opt_out=True, actor=staff)
    assert registered.confirmed_at is not None
    assert not OutboxMessage.objects.filter(template="newsletter_confirm").exists()
    # A pending portal sign-up that staff then record at the desk counts from then on.
    cor = PersonFactory(emails=["cor@example.nl"])
    pending = newsletter_subscribe(person=cor, source="portal", actor=None)
    assert newsletter_subscribe(person=cor, source="desk", actor=staff).pk == pending.pk
    pending.refresh_from_db()
    assert pending.confirmed_at is not None


def test_unconfirmed_sign_ups_go_after_the_registers_short_period_confirmed_ones_stay(staff):
    rule = get_register().retention["newsletter_pending"]
    assert rule.duration.iso == "P14D"
    assert dt.timedelta(days=14) > CONFIRM_MAX_AGE  # a working link always finds its sign-up
    old = newsletter_subscribe(email="oud@example.nl", source="site_signup", actor=None)
    fresh = newsletter_subscribe(email="nieuw@example.nl", source="site_signup", actor=None)
    kept = signed_up_and_confirmed("lezer@example.nl")
    member = PersonFactory(emails=["p@example.nl"], with_pass=True)
    person_pending = newsletter_subscribe(person=member, source="portal", actor=None)
    long_ago = now() - dt.timedelta(days=15)
    NewsletterSubscription.objects.filter(pk__in=[old.pk, kept.pk, person_pending.pk]).update(subscribed_at=long_ago)
    NewsletterSubscription.objects.filter(pk=kept.pk).update(confirmed_at=long_ago)
    retention_run(actor=staff, on=today())
    left = set(NewsletterSubscription.objects.values_list("pk", flat=True))
    assert left == {fresh.pk, kept.pk}
    assert member.__class__.objects.filter(pk=member.pk).exists()  # the sign-up goes, not the member


def test_the_statement_and_the_article_30_register_name_the_period():
    section = next(s for s in statement_context("nl")["sections"] if s["key"] == "newsletter")
    assert section["retention"] == (
        "5 jaar nadat jouw abonnement is opgezegd, of tot 14 dagen na een aanmelding "
        "die je niet met de link in de mail bevestigt"
    )


def test_the_privacy_check_finds_a_newsletter_queued_for_an_unconfirmed_address():
    signed_up_and_confirmed("lezer@example.nl")
    campaign_send(campaign=campaign_create(subject="Nieuws", body="Tekst", actor=None), actor=None)
    assert list(check_newsletter_confirmed(today())) == []
    pending = newsletter_subscribe(email="nog.niet@example.nl", source="site_signup", actor=None)
    message_queue(
        template="newsletter",
        context={"subject": "Nieuws", "body": "Tekst", "subscription_id": pending.pk},
        purpose="newsletter",
        kind=MessageKind.MARKETING,
        actor=None,
        idempotency_key="by-hand:1",
        to_address="nog.niet@example.nl",
    )
    (finding,) = check_newsletter_confirmed(today())
    assert "1 newsletter mails" in finding.message
    assert finding in run_checks()  # `kolk privacy check` reports it, and fails
    OutboxMessage.objects.filter(idempotency_key="by-hand:1").update(status=MessageStatus.CANCELLED)
    assert list(check_newsletter_confirmed(today())) == []


def test_existing_subscriptions_count_as_confirmed_after_the_migration():
    from django.apps import apps

    migration = importlib.import_module("kolk.comms.migrations.0005_newsletter_confirmation")
    at = now() - dt.timedelta(days=400)
    old = NewsletterSubscription.objects.create(email="oud@example.nl", source="site_signup", subscribed_at=at)
    member = NewsletterSubscription.objects.create(
        person=PersonFactory(), source="member_registration", offered_opt_out=True, subscribed_at=at
    )
    migration.existing_count_as_confirmed(apps, None)
    assert {s.confirmed_at for s in NewsletterSubscription.objects.filter(pk__in=[old.pk, member.pk])} == {at}


def test_a_confirm_page_shows_a_button_and_only_the_button_confirms(client):
    sub = newsletter_subscribe(email="lezer@example.nl", source="site_signup", actor=None)
    path = reverse("comms:newsletter_confirm", kwargs={"token": confirm_token_make(sub)})
    page = client.get(path)  # what a mail scanner does
    assert page.status_code == 200
    assert "Ja, ik wil de nieuwsbrief" in page.content.decode()
    sub.refresh_from_db()
    assert sub.confirmed_at is None
    done = client.post(path)
    assert "Je aanmelding is bevestigd" in done.content.decode()
    sub.refresh_from_db()
    assert sub.confirmed_at is not None
    assert "al bevestigd" in client.get(path).content.decode()
    bad = client.get(path[:-3] + "xyz")
    assert bad.status_code == 400
    assert "niet geldig" in bad.content.decode()
    assert "Stuur me een nieuwe link" in bad.content.decode()
    assert client.post(path[:-3] + "xyz").status_code == 400
    assert client.get(path + "%00").status_code == 400  # bad bytes
