"""Public pages in both languages, and the language switch there and back."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/privacy",
        "/cookies",
        "/mijn/inloggen",
        "/mijn/wachtwoord-vergeten",
        "/mijn/wachtwoord-vergeten/verstuurd",
        "/mijn/wachtwoord/gewijzigd",
    ],
)
def test_public_pages_in_dutch_and_english(client, path):
    dutch = client.get(path)
    assert dutch.status_code == 200
    assert '<html lang="nl">' in dutch.content.decode()
    english = client.get("/en" + path)
    assert english.status_code == 200
    assert '<html lang="en">' in english.content.decode()


def test_the_language_switch_goes_there_and_back(client):
    to_english = client.post(reverse("set_language"), {"language": "en", "next": "/privacy"})
    assert to_english["Location"] == "/en/privacy"
    page = client.get("/en/privacy").content.decode()
    assert 'name="next" type="hidden" value="/privacy"' in page  # the switch posts the Dutch path
    to_dutch = client.post(reverse("set_language"), {"language": "nl", "next": "/privacy"})
    assert to_dutch["Location"] == "/privacy"
    assert '<html lang="nl">' in client.get("/privacy").content.decode()


def test_an_unknown_page_is_a_friendly_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "Niet gevonden" in response.content.decode()


def test_a_broken_reset_link_says_so(client):
    response = client.get("/mijn/wachtwoord/MQ/ongeldig-token")
    assert response.status_code == 200
    assert "Deze link werkt niet meer" in response.content.decode()
