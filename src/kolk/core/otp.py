"""Two-factor login (TOTP, django-otp) for the staff who can see everyone's data.

A privacy officer or administrator (and a superuser) has those roles only in a
session verified with a TOTP code: `kolk.core.roles.has_role` leaves them out
until then, and `StaffGateMiddleware` leads such a user from any staff page to
the verification step, or to enrolment while they have no confirmed device.
Other roles and members log in with their password alone.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language

from kolk.core.roles import is_verified

# The demo's TOTP secrets (base32), one per strong demo login, and one for any other
# user enrolled by `totp_demo_device` (tests). They are in the source, so with DEBUG off
# the system check `kolk.core.checks.demo_data` refuses a database holding any of them.
DEMO_TOTP_KEY_B32 = "KOLKDEMOKOLKDEMOKOLKDEMOKOLKDEMO"
DEMO_TOTP_KEYS_B32 = {
    "privacy": "KOLKDEMOPRIVACYAKOLKDEMOPRIVACYA",
    "beheer": "KOLKDEMOBEHEERAAKOLKDEMOBEHEERAA",
}

STAFF_AREAS = ("/balie/", "/admin/")
# The steps a user needs before verification: logging in and out, and the OTP pages.
OPEN_PATHS = ("/balie/inloggen/", "/balie/uitloggen/", "/balie/tweestaps/", "/admin/login/", "/admin/logout/")


def needs_second_factor(user: Any) -> bool:
    """True for an active privacy officer, administrator or superuser (regardless of verification)."""
    from kolk.core.roles import STRONG_ROLES, role_names

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or role_names(user) & {r.value for r in STRONG_ROLES})


def confirmed_device(user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def hex_key(b32: str) -> str:
    """A base32 secret (as shown to people) as django-otp's hex key."""
    return binascii.hexlify(base64.b32decode(b32.replace(" ", "").upper())).decode()


def b32_key(device: Any) -> str:
    return base64.b32encode(device.bin_key).decode()


def current_code(device: Any, at: float | None = None) -> str:
    """The code a TOTP app shows now for this device."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def totp_demo_device(user: Any) -> Any:
    """Enrol a demo login with its fixed demo secret, so that `make run` needs no phone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = hex_key(DEMO_TOTP_KEYS_B32.get(user.username, DEMO_TOTP_KEY_B32))
    device, _created = TOTPDevice.objects.update_or_create(
        user=user, name="demo", defaults={"key": key, "confirmed": True}
    )
    return device


def demo_hex_keys() -> list[str]:
    """Every demo TOTP secret as django-otp stores it (hex), in both cases."""
    keys = [hex_key(b32) for b32 in (DEMO_TOTP_KEY_B32, *DEMO_TOTP_KEYS_B32.values())]
    return [*keys, *(key.upper() for key in keys)]


def _area_path(request: HttpRequest) -> str:
    """The path without the language prefix (/en/balie/ is /balie/)."""
    path = request.path_info
    lang = get_language() or ""
    prefix = f"/{lang}/"
    if lang and lang != settings.LANGUAGE_CODE and path.startswith(prefix):
        return path[len(prefix) - 1 :]
    return path


class StaffGateMiddleware:
    """The gate of the staff areas (/balie/, /admin/).

    An unverified privacy officer or administrator is led to the TOTP step (or to
    enrolment); the admin is the administrator's alone (anyone else logged in: 403,
    where Django's admin would send every `is_staff` login to its index).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and needs_second_factor(user) and not is_verified(user):
            path = _area_path(request)
            if path.startswith(STAFF_AREAS) and not path.startswith(OPEN_PATHS):
                step = "desk:otp_verify" if confirmed_device(user) else "desk:otp_enrol"
                target = request.get_full_path()
                if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                    target = reverse("desk:home")
                return redirect(f"{reverse(step)}?next={target}")
        if user is not None and user.is_authenticated:
            path = _area_path(request)
            if path.startswith("/admin/") and not path.startswith(OPEN_PATHS):
                from kolk.core.roles import Role, has_role

                if not has_role(user, Role.ADMINISTRATOR):
                    raise PermissionDenied
        return self.get_response(request)
