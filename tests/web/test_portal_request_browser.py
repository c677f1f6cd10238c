"""A member on their phone (390 px) asks for a correction in the portal: without saying what is wrong the
form says so at the field, with it the request is filed and listed with their own words."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.urls import reverse

from kolk.privacy.models import RightsRequest
from tests.browser import axe_findings, scrolls_sideways
from tests.library.factories import ensure_role_groups
from tests.web.factories import PASSWORD, member

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand
WRONG = "Mijn achternaam is Jansen met één s, niet Janssen."


def test_a_member_asks_for_a_correction_on_a_phone_and_says_what_is_wrong(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    anna = member(given_name="Anna").person
    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")
    phone.goto(live_server.url + reverse("web:portal_rights"))
    assert axe_findings(phone) == []

    phone.get_by_label("correctie", exact=True).check()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Verzoek indienen").tap()
    text = phone.get_by_label("Waar gaat het over?")
    assert text.get_attribute("aria-invalid") == "true"
    assert "Schrijf waar je verzoek over gaat" in phone.locator("#id_text_error").inner_text()
    assert not RightsRequest.objects.exists()
    assert axe_findings(phone) == []

    phone.get_by_label("correctie", exact=True).check()
    phone.get_by_label("Waar gaat het over?").fill(WRONG)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Verzoek indienen").tap()
    made = RightsRequest.objects.get(subject_id=anna.pk)
    assert (made.kind, made.text) == ("correction", WRONG)
    row = phone.locator(f"#verzoek-{made.pk}")
    assert WRONG in row.inner_text()
    assert "correctie" in row.inner_text()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    phone.screenshot(path=str(SHOTS / "portal-request.png"), full_page=True)
