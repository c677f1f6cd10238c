"""The comms API: the public contact form, sign-up and unsubscribe; cases for the desk only."""

from __future__ import annotations

import pytest
from django.utils import translation

from kolk.comms.models import ContactCase, NewsletterSubscription, OutboxMessage
from kolk.comms.unsubscribe import unsubscribe_token_make
from kolk.core.roles import Role
from kolk.privacy.ledger import is_objecting
from tests.comms.signup import confirm_link_token
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/comms"


def test_the_contact_form_opens_a_case_and_refuses_bad_input(client):
    ok = client.post(
        f"{API}/contact",
        {"name": "Ann", "email": "ann@example.nl", "question": "Wanneer open?"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert ContactCase.objects.get().pk == ok.json()["id"]
    bad = client.post(
        f"{API}/contact", {"name": "Ann", "email": "geen", "question": "?"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert "email" in bad.json()["fields"]
    assert ContactCase.objects.count() == 1


def test_signup_and_unsubscribe_need_no_login(client):
    response = client.post(f"{API}/newsletter", {"email": "lezer@example.nl"}, content_type="application/json")
    assert response.status_code == 202
    person = PersonFactory()
    token = unsubscribe_token_make(purpose="offers", person=person, channel="email")
    result = client.post(f"{API}/unsubscribe/{token}")
    assert result.json() == {"purpose": "offers", "channel": "email", "changed": True}
    assert is_objecting(person, "offers", "email")
    assert client.post(f"{API}/unsubscribe/{token}x").status_code == 400
    assert NewsletterSubscription.objects.count() == 1


def test_cases_are_for_the_desk(client, staff):
    member = PersonFactory(emails=["kees@example.nl"], with_pass=True)
    client.post(
        f"{API}/contact",
        {"name": "Kees", "email": "kees@example.nl", "number": member.pass_number, "question": "Pas kwijt"},
        content_type="application/json",
    )
    case = ContactCase.objects.get()
    assert client.get(f"{API}/cases").status_code == 401
    client.force_login(UserFactory(roles=[Role.MARKETING]))
    assert client.get(f"{API}/cases").status_code == 403
    client.force_login(staff)
    (listed,) = client.get(f"{API}/cases").json()
    assert listed["person_id"] == member.pk
    answered = client.post(f"{API}/cases/{case.pk}/answer", {"body": "Aan de balie."}, content_type="application/json")
    assert answered.status_code == 200
    assert answered.json()["status"] == "answered"
    assert [m["body"] for m in answered.json()["messages"]] == ["Aan de balie."]
    assert OutboxMessage.objects.get().to_address == "kees@example.nl"
    assert client.post(f"{API}/cases/{case.pk}/close").json()["status"] == "closed"
    refused = client.post(f"{API}/cases/{case.pk}/answer", {"body": "Nog iets"}, content_type="application/json")
    assert refused.status_code == 409  # the case is closed: a rule of the business, not bad input
    assert refused.json()["message"] == "Deze vraag is gesloten; open een nieuwe."
    assert client.get(f"{API}/cases/999999").status_code == 404


def test_a_sign_up_is_accepted_pending_and_says_the_same_for_a_known_address(client):
    def sign_up(address: str):
        return client.post(f"{API}/newsletter", {"email": address}, content_type="application/json")

    first = sign_up("lezer@example.nl")
    assert first.status_code == 202
    assert first.json() == {"status": "pending", "message": "Kijk in je mail om je aanmelding te bevestigen."}
    sub = NewsletterSubscription.objects.get()
    assert sub.confirmed_at is None
    mail = OutboxMessage.objects.get(template="newsletter_confirm")
    token = confirm_link_token(mail)
    assert client.post(f"{API}/newsletter/confirm/{token}").json() == {"changed": True}
    assert client.post(f"{API}/newsletter/confirm/{token}").json() == {"changed": False}
    again = sign_up("lezer@example.nl")  # on the list already: the same answer, no mail
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert OutboxMessage.objects.filter(template="newsletter_confirm").count() == 1
    tampered = client.post(f"{API}/newsletter/confirm/{token[:-1]}x")
    assert tampered.status_code == 400
    assert tampered.json()["code"] == "bad_token"
    bad = sign_up("geen adres")
    assert bad.status_code == 422
    assert NewsletterSubscription.objects.count() == 1
    try:
        english = client.post(
            f"{API}/newsletter",
            {"email": "reader@example.com"},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    finally:
        translation.activate("nl")  # the request activated English in this thread
    assert english.status_code == 202
    assert OutboxMessage.objects.get(to_address="reader@example.com").language == "en"
