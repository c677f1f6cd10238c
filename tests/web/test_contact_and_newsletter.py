"""The public contact form and newsletter sign-up: records made, bad input refused, floods held off."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from kolk.comms.models import ContactCase, NewsletterSubscription, OutboxMessage
from tests.comms.signup import signed_up_and_confirmed
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()


def test_a_question_opens_a_case_linked_by_pass_number(client):
    person = PersonFactory(with_pass=True, emails=["anna@example.nl"])  # number and address must both match
    response = client.post(
        reverse("web:contact"),
        {
            "name": "Anna de Vries",
            "email": "anna@example.nl",
            "number": person.pass_number,
            "question": "Wanneer open?",
        },
    )
    assert response.status_code == 302
    case = ContactCase.objects.get()
    assert (case.email, case.person) == ("anna@example.nl", person)
    assert "We beantwoorden je vraag per e-mail" in client.get(response["Location"]).content.decode()


def test_bad_input_writes_nothing_and_says_why(client):
    page = client.post(reverse("web:contact"), {"name": "", "email": "geen-adres", "question": ""}).content.decode()
    assert not ContactCase.objects.exists()
    assert 'aria-invalid="true"' in page or "errorlist" in page


def test_newsletter_sign_up_and_a_flood_held_off(client):
    assert client.post(reverse("web:newsletter"), {"email": "lezer@example.nl"}).status_code == 302
    assert NewsletterSubscription.objects.filter(email="lezer@example.nl", confirmed_at__isnull=True).exists()
    for i in range(20):
        client.post(reverse("web:newsletter"), {"email": f"bot{i}@example.nl"})
    page = client.post(reverse("web:newsletter"), {"email": "one-more@example.nl"}).content.decode()
    assert "Te veel aanmeldingen" in page
    assert not NewsletterSubscription.objects.filter(email="one-more@example.nl").exists()


def test_both_pages_are_in_the_menu_in_english_too(client):
    html = client.get("/en/").content.decode()
    assert 'href="/en/contact"' in html
    assert 'href="/en/nieuwsbrief"' in html


def test_the_page_says_look_in_your_mail_and_never_whether_the_address_was_known(client):
    def answer(address: str) -> str:
        response = client.post(reverse("web:newsletter"), {"email": address}, follow=True)
        html = response.content.decode()
        start = html.index('role="status"') if 'role="status"' in html else html.index("Kijk in je mail")
        return html[start : html.index("</", start)]

    new = answer("lezer@example.nl")
    assert "Kijk in je mail" in new
    assert OutboxMessage.objects.filter(to_address="lezer@example.nl", template="newsletter_confirm").count() == 1
    assert answer("lezer@example.nl") == new  # pending, asked again
    signed_up_and_confirmed("vaste.lezer@example.nl")
    assert answer("vaste.lezer@example.nl") == new  # confirmed long ago
    assert OutboxMessage.objects.filter(to_address="vaste.lezer@example.nl").count() == 1  # only its first mail
