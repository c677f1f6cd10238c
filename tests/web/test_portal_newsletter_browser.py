"""A member on their phone (390 px) signs up for the newsletter in the portal and is told to look in
their mail; the page fits the phone and axe finds nothing serious."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kolk.comms.models import NewsletterSubscription, OutboxMessage
from tests.browser import axe_findings, scrolls_sideways
from tests.library.factories import ensure_role_groups
from tests.web.factories import PASSWORD, member

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def test_a_member_signs_up_in_the_portal_on_a_phone(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    anna = member(given_name="Anna").person
    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")
    phone.locator("#portal-menu > summary").click()  # on a phone Mijn DNK's menu is one button
    phone.get_by_role("link", name="Mijn nieuwsbrief").click()
    phone.wait_for_url(f"{live_server.url}/mijn/nieuwsbrief")
    assert "lid@example.nl" in phone.locator("#nieuwsbrief-stand").inner_text()
    assert axe_findings(phone) == []
    phone.get_by_role("button", name="Aanmelden voor de nieuwsbrief").tap()
    phone.wait_for_load_state("networkidle")
    assert "Kijk in je mail" in phone.get_by_role("status").inner_text()
    assert "We wachten op je bevestiging" in phone.locator("#nieuwsbrief-stand").inner_text()
    expect(phone.get_by_role("button", name="Stuur de link opnieuw")).to_be_visible()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    phone.screenshot(path=str(SHOTS / "portal-newsletter.png"), full_page=True)
    assert NewsletterSubscription.objects.get(person=anna).confirmed_at is None
    assert OutboxMessage.objects.filter(template="newsletter_confirm", to_address="lid@example.nl").count() == 1
