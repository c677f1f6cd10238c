"""The portal's reading history: the switch records its text, the list shows while on, clearing and
switching off ask once and then unlink at once; on a 390 px phone, nothing sideways, axe clean."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from kolk.library.models import Loan
from kolk.library.reading import READING_HISTORY, reading_history_on
from kolk.library.services.loans import loan_checkin, loan_checkout
from kolk.library.services.members import subscription_start
from kolk.privacy.models import PrivacyChoice
from kolk.privacy.register import get_register
from kolk.web.models import PortalEvent
from tests.browser import axe_findings, scrolls_sideways
from tests.library.factories import (
    CopyFactory,
    LoanRuleFactory,
    SubscriptionTypeFactory,
    TitleFactory,
    ensure_role_groups,
)
from tests.web.factories import PASSWORD, member

URL = "web:portal_reading_history"


def _reader():
    ensure_role_groups()
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10)
    user = member()
    subscription_start(person=user.person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return user


def _returned(person, title: str, days_ago: int = 5) -> Loan:
    copy = CopyFactory(title=TitleFactory(title=title, authors="Jan Terlouw"))
    loan = loan_checkout(copy_barcode=copy.barcode, person=person, actor=None)
    loan_checkin(copy_barcode=copy.barcode, actor=None)
    back = timezone.now() - dt.timedelta(days=days_ago)
    Loan.objects.filter(pk=loan.pk).update(returned_at=back, checked_out_at=back - dt.timedelta(days=20))
    return loan


@pytest.fixture
def reader(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = _reader()
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_off_by_default_the_page_shows_the_text_and_no_list(client, reader):
    _returned(reader.person, "Oorlogswinter")
    page = client.get(reverse(URL)).content.decode()
    assert "Je leesgeschiedenis staat uit" in page
    assert get_register().consent_texts[READING_HISTORY].text.nl in page
    assert "Oorlogswinter" not in page
    assert "Leesgeschiedenis aanzetten" in page


@pytest.mark.django_db
def test_switching_on_records_the_text_shown_and_lists_what_was_borrowed(client, reader):
    _returned(reader.person, "Oorlogswinter")
    response = client.post(reverse("web:portal_reading_switch"), {"value": "1"}, follow=True)
    page = response.content.decode()
    assert "Je leesgeschiedenis staat aan" in page
    assert "Oorlogswinter" in page
    assert "Jan Terlouw" in page
    choice = PrivacyChoice.objects.filter(subject=reader.person, purpose=READING_HISTORY).latest("pk")
    assert choice.decision is True
    assert choice.method == "web"
    assert choice.text_version == get_register().consent_texts[READING_HISTORY].version_tag("nl")
    assert PortalEvent.objects.filter(person=reader.person, action="consent_given").exists()


@pytest.mark.django_db
def test_switching_off_asks_once_then_the_list_is_gone(client, reader):
    client.post(reverse("web:portal_reading_switch"), {"value": "1"})
    loan = _returned(reader.person, "Oorlogswinter")
    asked = client.post(reverse("web:portal_reading_switch"), {"value": "0"}).content.decode()
    assert "Weet je het zeker?" in asked
    assert reading_history_on(reader.person)  # nothing happened yet
    assert Loan.objects.get(pk=loan.pk).person_id == reader.person.pk
    done = client.post(reverse("web:portal_reading_switch"), {"value": "0", "confirm": "1"}, follow=True)
    assert "Je leesgeschiedenis staat uit en je lijst is gewist." in done.content.decode()
    assert not reading_history_on(reader.person)
    assert Loan.objects.get(pk=loan.pk).person_id is None


@pytest.mark.django_db
def test_clearing_asks_once_then_empties_the_list_and_stays_on(client, reader):
    client.post(reverse("web:portal_reading_switch"), {"value": "1"})
    loans = [_returned(reader.person, t) for t in ("Oorlogswinter", "Het Achterhuis")]
    assert "Weet je het zeker?" in client.post(reverse("web:portal_reading_clear")).content.decode()
    assert Loan.objects.filter(person=reader.person).count() == 2
    done = client.post(reverse("web:portal_reading_clear"), {"confirm": "1"}, follow=True).content.decode()
    assert "2 titels gewist." in done
    assert "Er staat nog niets in je leesgeschiedenis." in done
    assert not Loan.objects.filter(pk__in=[x.pk for x in loans], person__isnull=False).exists()
    assert reading_history_on(reader.person)
    assert PortalEvent.objects.get(person=reader.person, action="reading_history_cleared")


@pytest.mark.django_db
def test_a_get_changes_nothing(client, reader):
    assert client.get(reverse("web:portal_reading_switch")).status_code == 405
    assert client.get(reverse("web:portal_reading_clear")).status_code == 405


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_a_member_switches_it_on_sees_the_list_and_turns_it_off(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = _reader()
    long_title = "De ontdekking van de hemel: een roman in drie delen met een heel lange ondertitel"
    _returned(user.person, long_title)
    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")
    phone.locator("#portal-menu > summary").click()  # on a phone Mijn DNK's menu is one button
    phone.get_by_role("link", name="Leesgeschiedenis").click()
    phone.get_by_role("button", name="Leesgeschiedenis aanzetten").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_text(long_title)).to_be_visible()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    if shots := os.environ.get("KOLK_SCREENSHOTS"):  # a folder to look at the page as a member sees it
        phone.screenshot(path=f"{shots}/reading_history.png", full_page=True)
    phone.get_by_role("button", name="Leesgeschiedenis uitzetten").click()
    phone.wait_for_load_state("networkidle")
    confirm = phone.locator("#confirm")
    expect(confirm).to_be_visible()
    assert "meteen weg" in confirm.inner_text()
    assert scrolls_sideways(phone) == 0
    assert axe_findings(phone) == []
    phone.get_by_role("button", name="Ja, zet uit en wis mijn lijst").click()
    phone.wait_for_load_state("networkidle")
    expect(phone.get_by_role("heading", name="Je leesgeschiedenis staat uit")).to_be_visible()
    expect(phone.get_by_text("Je leesgeschiedenis staat uit en je lijst is gewist.")).to_be_visible()
    expect(phone.get_by_text(long_title)).to_have_count(0)
    assert not Loan.objects.filter(person=user.person).exists()


@pytest.mark.django_db
def test_on_the_choices_page_withdrawing_it_goes_to_the_page_that_asks_once(client, reader):
    client.post(reverse("web:portal_reading_switch"), {"value": "1"})
    page = client.get(reverse("web:portal_choices")).content.decode()
    row = page[page.index('id="consent-reading_history"') :]
    row = row[: row.index("</tr>")]
    assert f'href="{reverse(URL)}"' in row
    assert "portal_choice_change" not in row
    assert reverse("web:portal_choice_change") not in row
