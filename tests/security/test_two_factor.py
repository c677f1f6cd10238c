"""Two-factor login for privacy officers and administrators (django-otp, TOTP).

Without the second step they get no privacy-office page, no admin and none of
their roles' API; they are led to verify, or to enrol when they have no device.
Other roles and members log in with their password alone. Sessions expire.
"""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from kolk.core.otp import DEMO_TOTP_KEYS_B32, b32_key, current_code, hex_key, needs_second_factor, totp_demo_device
from kolk.core.roles import Role, has_role
from kolk.privacy.models import AuditEntry
from tests.factories import UserFactory, staff_login

pytestmark = pytest.mark.django_db

VERIFY = reverse("desk:otp_verify")
ENROL = reverse("desk:otp_enrol")


@pytest.fixture
def officer():
    user = UserFactory(username="henk", roles=[Role.PRIVACY_OFFICER])
    totp_demo_device(user)
    return user


@pytest.mark.parametrize("role", [Role.PRIVACY_OFFICER, Role.ADMINISTRATOR])
def test_without_the_second_step_the_strong_roles_are_led_to_verify(client, role):
    user = UserFactory(roles=[role])
    totp_demo_device(user)
    client.force_login(user)  # the password step only
    for page in ("/balie/privacy/", "/admin/", "/en/balie/privacy/"):
        response = client.get(page)
        assert response.status_code == 302
        lang = "/en" if page.startswith("/en/") else ""
        assert response["Location"].startswith(f"{lang}{VERIFY}?next=")  # in the page's language
        assert response["Location"].endswith(page)
    assert client.get("/api/v1/comms/cases").status_code == 403  # the role's API too


def test_without_a_device_they_are_led_to_enrol(client):
    client.force_login(UserFactory(roles=[Role.PRIVACY_OFFICER]))
    response = client.get("/balie/privacy/")
    assert response["Location"] == f"{ENROL}?next=/balie/privacy/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "<svg" in page.content.decode()  # the QR code
    secret = b32_key(TOTPDevice.objects.get(confirmed=False))
    assert secret[:4] in page.content.decode()  # and the secret as text


def test_the_right_code_opens_the_privacy_office(client, officer):
    client.force_login(officer)
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(VERIFY, {"code": current_code(device), "next": "/balie/privacy/"})
    assert response["Location"] == "/balie/privacy/"
    assert client.get("/balie/privacy/").status_code == 200
    assert AuditEntry.objects.filter(action="otp.verified", actor=f"user:{officer.pk}").exists()


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(client, officer):
    client.force_login(officer)
    device = TOTPDevice.objects.get(user=officer)
    wrong = f"{(int(current_code(device)) + 500000) % 1000000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "klopt niet" in response.content.decode()
    assert client.get("/balie/privacy/").status_code == 302  # still not verified
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp waits longer after each failure
    assert AccessAttempt.objects.get(username="henk").failures_since_start == 1  # axes counts it
    assert AuditEntry.objects.filter(action="otp.failed").count() == 1


def test_five_wrong_codes_lock_the_account_like_five_wrong_passwords(client, officer, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # axes' lockout is what is tested here
    client.force_login(officer)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(VERIFY, {"code": "000000"})
    assert response.status_code == 429
    client.logout()
    login = client.post(reverse("desk:login"), {"username": "henk", "password": "correct horse battery"})
    assert login.status_code == 429


def test_no_new_device_while_one_is_confirmed(client, officer):
    client.force_login(officer)
    response = client.get(ENROL)
    assert response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_enrolment_with_a_code_confirms_the_device_and_verifies_the_session(client):
    user = UserFactory(roles=[Role.ADMINISTRATOR], is_superuser=True)
    client.force_login(user)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(ENROL, {"code": current_code(device), "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="otp.enrolled").exists()


@pytest.mark.parametrize("role", [Role.DESK, Role.LIBRARY_STAFF, Role.BOX_OFFICE, Role.MARKETING])
def test_other_roles_need_no_second_step(client, role):
    user = UserFactory(roles=[role])
    assert not needs_second_factor(user)
    client.force_login(user)
    assert client.get("/balie/").status_code == 200
    assert client.get(VERIFY)["Location"] == reverse("desk:home")  # nothing to verify: sent on


def test_a_verified_session_has_the_roles(rf, officer, client):
    staff_login(client, officer)
    assert client.get("/balie/privacy/").status_code == 200
    request = rf.get("/")
    request.user = officer
    assert not has_role(officer, Role.PRIVACY_OFFICER)  # no request, no verified session: no role


def test_sessions_expire():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY


def test_a_staff_login_cookie_lasts_until_the_browser_closes(client):
    UserFactory(username="sanne", roles=[Role.DESK])
    client.post(reverse("desk:login"), {"username": "sanne", "password": "correct horse battery"})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert not cookie["max-age"]
    assert not cookie["expires"]


def test_the_demo_code_command_refuses_without_debug(officer, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("otp", "code", "henk")


def test_the_demo_code_command_prints_a_code_that_verifies(client, officer, settings):
    settings.DEBUG = True
    out = io.StringIO()
    call_command("otp", "code", "henk", stdout=out)
    client.force_login(officer)
    response = client.post(VERIFY, {"code": out.getvalue().strip(), "next": "/balie/privacy/"})
    assert response["Location"] == "/balie/privacy/"
    url = io.StringIO()
    call_command("otp", "url", "henk", stdout=url)
    assert url.getvalue().startswith("otpauth://totp/DNK%20kolk%3Ahenk?secret=")


def test_the_demo_enrols_privacy_and_beheer_with_demo_keys_of_their_own():
    from kolk.core.demo import DemoContext
    from kolk.people.demo import seed_demo
    from tests.library.factories import ensure_role_groups

    ensure_role_groups()
    ctx = DemoContext(seed=1)
    seed_demo(ctx, load=True)
    keys = dict(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", "key"))
    assert keys == {"privacy": hex_key(DEMO_TOTP_KEYS_B32["privacy"]), "beheer": hex_key(DEMO_TOTP_KEYS_B32["beheer"])}
    assert keys["privacy"] != keys["beheer"]  # one demo second factor does not open the other
    roles = {username: role for username, _password, role in ctx.logins}
    assert "kolk otp code privacy" in roles["privacy"]
    assert "otp" not in roles["balie"]
