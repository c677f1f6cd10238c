"""Enrolling the second factor in a real browser: password, QR code and secret, code, the privacy office."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from kolk.core.roles import Role
from tests.factories import UserFactory
from tests.library.factories import ensure_role_groups

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def submit(page, action) -> None:
    with page.expect_navigation():
        action()


def test_a_privacy_officer_enrols_and_reaches_the_office(live_server, page):
    ensure_role_groups()
    user = UserFactory(username="henk", roles=[Role.PRIVACY_OFFICER])

    page.goto(f"{live_server.url}/balie/privacy/")
    page.fill("#id_username", "henk")
    page.fill("#id_password", "correct horse battery")
    submit(page, lambda: page.keyboard.press("Enter"))
    assert page.url.startswith(f"{live_server.url}/balie/tweestaps/instellen/")
    expect(page.locator("h1")).to_have_text("Tweestapsverificatie instellen")
    expect(page.locator(".qr svg")).to_have_count(1)

    secret = page.locator("#otp-secret").inner_text().replace(" ", "")
    code = f"{totp(base64.b32decode(secret)):06d}"  # what the phone's app shows
    page.fill("#id_code", code)
    submit(page, lambda: page.keyboard.press("Enter"))
    assert page.url == f"{live_server.url}/balie/privacy/"
    assert TOTPDevice.objects.get(user=user).confirmed


def test_a_wrong_code_in_the_browser_is_refused(live_server, page):
    ensure_role_groups()
    UserFactory(username="ingrid", roles=[Role.ADMINISTRATOR], is_superuser=True)
    page.goto(f"{live_server.url}/admin/")
    page.fill("#id_username", "ingrid")
    page.fill("#id_password", "correct horse battery")
    submit(page, lambda: page.keyboard.press("Enter"))
    assert "/balie/tweestaps/instellen/" in page.url
    page.fill("#id_code", "000000")
    submit(page, lambda: page.keyboard.press("Enter"))
    assert "klopt niet" in page.content()
    page.goto(f"{live_server.url}/admin/")
    assert "/balie/tweestaps/" in page.url  # still no admin
