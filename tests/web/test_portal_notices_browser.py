"""A member on their phone (390 px) chooses in Mijn berichten how each notice reaches them; the page fits
the phone, a refused choice is said at its group, and axe finds nothing serious."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kolk.comms.notices import notice_choices_of
from tests.browser import axe_findings, scrolls_sideways
from tests.library.factories import ensure_role_groups
from tests.web.factories import PASSWORD, member

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def test_a_member_chooses_sms_for_overdue_and_no_hold_notice_on_a_phone(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.KOLK_SMS_PROVIDER = "cm"
    settings.KOLK_SMS_CM_PRODUCT_TOKEN = "00000000-0000-4000-8000-000000000000"
    ensure_role_groups()
    anna = member(given_name="Anna", phones=["06 12345678"]).person
    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")
    phone.locator("#portal-menu > summary").click()  # on a phone Mijn DNK's menu is one button
    phone.get_by_role("link", name="Mijn berichten").click()
    phone.wait_for_url(f"{live_server.url}/mijn/berichten")
    expect(phone.locator("#mobiel")).to_contain_text("Sms'jes sturen we naar +31612345678.")
    overdue = phone.get_by_role("group", name="Te laat")
    assert overdue.get_by_role("radio", name="E-mail").is_checked()
    assert overdue.get_by_role("radio", name="Niet").count() == 0  # an overdue notice always goes out
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    overdue.get_by_role("radio", name="Sms").tap()
    phone.get_by_role("group", name="Reservering ligt klaar").get_by_role("radio", name="Niet").tap()
    phone.get_by_role("button", name="Keuzes opslaan").tap()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_role("status")).to_contain_text("Opgeslagen.")
    assert phone.get_by_role("group", name="Te laat").get_by_role("radio", name="Sms").is_checked()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    phone.screenshot(path=str(SHOTS / "portal-notices.png"), full_page=True)
    assert notice_choices_of(anna)["overdue"] == "sms"
    assert notice_choices_of(anna)["hold_ready"] == "none"
    # Without the mobile number, SMS is refused at its group, and the member is told why.
    anna.phones.all().delete()
    phone.get_by_role("group", name="Kaartjes").get_by_role("radio", name="Sms").tap()
    phone.get_by_role("button", name="Keuzes opslaan").tap()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_role("alert")).to_contain_text("Niet opgeslagen")
    error = phone.locator("#id_tickets_error")
    assert "mobiele nummer nodig" in error.inner_text()
    expect(error).to_be_visible()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    assert notice_choices_of(anna)["tickets"] == "email"
