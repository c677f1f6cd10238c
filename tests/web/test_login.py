"""Portal login with user name or pass number (A01, A02, X01), lockout, reset, logout, session expiry."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kolk.core.periodic import jobs
from kolk.privacy.checks import field_map_errors
from kolk.privacy.models import AuditEntry
from kolk.web.models import PortalEvent
from kolk.web.tasks import failed_logins_expire
from tests.boxoffice.factories import worker_turn
from tests.web.factories import PASSWORD, member

pytestmark = pytest.mark.django_db
LOGIN = "/mijn/inloggen"


def _login(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_login_with_user_name_records_the_event_with_time_and_ip(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]  # as in production
    user = member()
    response = _login(client, "lid")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:portal")
    event = PortalEvent.objects.get(person=user.person)
    assert (event.action, event.ip_address) == ("login", "127.0.0.1")
    assert AuditEntry.objects.filter(action="portal.login", details__event=event.pk).exists()
    assert client.session.get_expiry_age() == settings.KOLK_PORTAL_IDLE_SECONDS
    assert user.password.startswith("argon2")


def test_login_with_pass_number_spaces_allowed(client):
    user = member()
    number = user.person.pass_number
    spaced = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    assert _login(client, spaced).status_code == 302
    assert client.get(reverse("web:portal")).status_code == 200


def test_a_wrong_password_is_refused_with_a_dutch_message(client):
    member()
    response = _login(client, "lid", "verkeerd")
    assert response.status_code == 200
    assert "Deze combinatie van gebruikersnaam of pasnummer en wachtwoord kennen we niet" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not PortalEvent.objects.exists()


def test_five_failures_lock_the_account_even_switching_to_the_pass_number(client):
    user = member()
    for attempt in range(4):
        assert _login(client, "lid", f"fout{attempt}").status_code == 200
    assert _login(client, user.person.pass_number, "fout").status_code == 429  # fifth: locked
    response = _login(client, "lid")  # the right password no longer helps
    assert response.status_code == 429
    assert "15 minuten" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get().username == "lid"


def test_the_lockout_page_in_english(client):
    member()
    for attempt in range(5):
        client.post("/en" + LOGIN, {"username": "lid", "password": f"x{attempt}"})
    response = client.post("/en" + LOGIN, {"username": "lid", "password": PASSWORD})
    assert response.status_code == 429
    assert 'lang="en"' in response.content.decode()


def test_logout_is_recorded_and_ends_the_session(client):
    user = member()
    _login(client, "lid")
    assert client.post(reverse("web:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
    assert list(PortalEvent.objects.filter(person=user.person).values_list("action", flat=True).order_by("id")) == [
        "login",
        "logout",
    ]


def _reset_link(client, address):
    client.post(reverse("web:password_reset"), {"email": address})
    worker_turn()  # the request only queues the mail (tests/web/test_password_reset.py)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [address.lower()]  # the address as kolk keeps it
    return re.search(r"https?://[^/\s]+(/mijn/wachtwoord/\S+)", mail.outbox[0].body).group(1)


def test_password_reset_by_email_works_once(client):
    user = member(emails=["lid@example.nl", "werk@example.nl"])
    link = _reset_link(client, "WERK@example.nl")
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "een-nieuw-lang-wachtwoord-42"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("web:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(new)
    assert set(PortalEvent.objects.filter(person=user.person).values_list("action", flat=True)) == {
        "password_reset_requested",
        "password_reset",
    }
    again = client.get(link, follow=True)
    assert "Deze link werkt niet meer" in again.content.decode()


def test_a_reset_link_expires(client, settings):
    member()
    link = _reset_link(client, "lid@example.nl")
    real_now = PasswordResetTokenGenerator._now

    def later(self):
        return real_now(self) + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)

    with mock.patch.object(PasswordResetTokenGenerator, "_now", later):
        response = client.get(link, follow=True)
    assert "Deze link werkt niet meer" in response.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    member()
    response = client.post(reverse("web:password_reset"), {"email": "niemand@example.nl"})
    assert response["Location"] == reverse("web:password_reset_done")
    worker_turn()
    assert mail.outbox == []


def test_axes_tables_are_declared():
    from django.apps import apps

    assert field_map_errors(apps.get_app_config("axes").get_models()) == []


def test_a_new_password_lifts_the_lockout(client):
    member()
    for attempt in range(5):
        _login(client, "lid", f"fout{attempt}")
    assert _login(client, "lid").status_code == 429
    link = _reset_link(client, "lid@example.nl")
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    new = "een-nieuw-lang-wachtwoord-42"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    assert _login(client, "lid", new).status_code == 302


def test_failed_logins_are_deleted_after_their_cool_off(client, settings):
    member()
    _login(client, "lid", "fout")
    assert failed_logins_expire() == 0
    with mock.patch("kolk.web.tasks.now", return_value=timezone.now() + settings.AXES_COOLOFF_TIME):
        assert failed_logins_expire() == 1
    assert not AccessAttempt.objects.exists()
    assert "web.expire_failed_logins" in [job.name for job in jobs()]
