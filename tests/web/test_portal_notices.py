"""Mijn berichten: the member chooses per kind how notices reach them; refusals are said at the field."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.comms.models import NoticeChannel, NoticeKind, NoticePreference
from kolk.comms.notices import notice_choices_of, notice_choices_set
from tests.web.factories import member

pytestmark = pytest.mark.django_db
URL = "/mijn/berichten"


@pytest.fixture
def signed_in(client):
    user = member(given_name="Anna", phones=["06 12345678"])
    client.force_login(user)
    return user.person


@pytest.fixture
def sms_on(settings):
    settings.KOLK_SMS_PROVIDER = "cm"
    settings.KOLK_SMS_CM_PRODUCT_TOKEN = "00000000-0000-4000-8000-000000000000"


def choices(**changes):
    return {**dict.fromkeys(NoticeKind.values, "email"), **changes}


def test_the_page_offers_what_each_kind_allows_and_no_sms_without_a_provider(client, signed_in):
    assert reverse("web:portal_messages") == URL
    html = client.get(URL).content.decode()
    assert "Hoe wil je je berichten krijgen?" in html
    assert 'name="overdue" value="none"' not in html  # overdue always reaches you
    assert 'name="hold_ready" value="none"' in html
    assert 'name="tickets" value="post"' not in html
    assert 'value="sms"' not in html  # no provider configured: no SMS choice
    assert "Sms'jes sturen we naar" not in html


def test_a_member_chooses_sms_and_post(client, signed_in, sms_on):
    html = client.get(URL).content.decode()
    assert 'name="overdue" value="sms"' in html
    assert "Sms'jes sturen we naar +31612345678." in html
    response = client.post(URL, choices(overdue="sms", hold_ready="none", due_soon="post"))
    assert response.status_code == 302
    assert notice_choices_of(signed_in) == {
        "due_soon": "post",
        "overdue": "sms",
        "hold_ready": "none",
        "tickets": "email",
    }
    html = client.get(URL).content.decode()
    assert 'value="sms" id="id_overdue_1" required checked' in html
    assert "Opgeslagen." in html


def test_a_refused_choice_is_said_at_its_field_and_nothing_is_saved(client, signed_in, sms_on):
    signed_in.phones.all().delete()
    response = client.post(URL, choices(overdue="none"))
    assert response.status_code == 422
    assert 'aria-describedby="id_overdue_error id_overdue_helptext"' in response.content.decode()
    response = client.post(URL, choices(tickets="sms", hold_ready="none"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Voor sms hebben we je mobiele nummer nodig" in html
    assert 'aria-describedby="id_tickets_error id_tickets_helptext"' in html
    assert not NoticePreference.objects.exists()


def test_bad_bytes_are_a_4xx(client, signed_in):
    response = client.post(URL, {"overdue": "email\x00", "due_soon": "x" * 5000})
    assert 400 <= response.status_code < 500
    assert notice_choices_of(signed_in)[NoticeKind.OVERDUE] == NoticeChannel.EMAIL


def test_an_sms_choice_while_sms_is_off_shows_email_which_is_how_it_goes(client, signed_in, settings):
    settings.KOLK_SMS_PROVIDER = "cm"
    settings.KOLK_SMS_CM_PRODUCT_TOKEN = "00000000-0000-4000-8000-000000000000"
    notice_choices_set(person=signed_in, choices={NoticeKind.OVERDUE: "sms"}, actor=None)
    settings.KOLK_SMS_PROVIDER = ""
    html = client.get(URL).content.decode()
    assert 'value="email" id="id_overdue_0" required checked' in html
