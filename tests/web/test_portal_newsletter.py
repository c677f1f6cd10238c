"""The portal's newsletter page: a member signs up by the link in a mail, sees where it stands, and leaves."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.comms.confirmation import newsletter_confirm
from kolk.comms.models import NewsletterSubscription, OutboxMessage
from kolk.privacy.ledger import is_objecting
from tests.comms.signup import confirm_link_token
from tests.web.factories import member

pytestmark = pytest.mark.django_db
PAGE = "/mijn/nieuwsbrief"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_member_signs_up_confirms_by_mail_and_leaves(client):
    user = member()
    client.force_login(user)
    assert reverse("web:portal_newsletter") == PAGE
    first = client.get(PAGE).content.decode()
    assert "sturen we een mail naar lid@example.nl" in first
    answer = client.post(PAGE, follow=True).content.decode()
    assert "Kijk in je mail" in answer
    assert "We wachten op je bevestiging" in answer
    sub = NewsletterSubscription.objects.get(person=user.person)
    assert sub.confirmed_at is None
    (mail,) = OutboxMessage.objects.filter(template="newsletter_confirm", to_address="lid@example.nl")
    client.post(PAGE)  # "send the link again" within the hour: nothing more
    assert OutboxMessage.objects.filter(template="newsletter_confirm").count() == 1
    newsletter_confirm(token=confirm_link_token(mail), actor=None)
    assert "Je ontvangt de nieuwsbrief op lid@example.nl" in client.get(PAGE).content.decode()
    left = client.post(PAGE, {"action": "leave"}, follow=True).content.decode()
    assert "Je bent afgemeld voor de nieuwsbrief" in left
    sub.refresh_from_db()
    assert sub.ended_at is not None
    assert is_objecting(user.person, "newsletter")


def test_without_an_address_the_member_is_told_where_to_add_one_and_nothing_is_written(client):
    user = member(emails=[])
    client.force_login(user)
    answer = client.post(PAGE, follow=True).content.decode()
    assert "We hebben geen e-mailadres van je" in answer
    assert not NewsletterSubscription.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_page_is_for_members_only(client):
    assert client.get(PAGE).status_code == 302
