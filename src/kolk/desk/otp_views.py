"""The second login step (TOTP) of privacy officers and administrators: verify, or enrol first.

Role: a logged-in user who needs the second factor (kolk.core.otp). Enrolment is
only for a user without a confirmed device: a stolen password alone can never
add a new device. A wrong code counts as a failed login for django-axes.
"""

from __future__ import annotations

import logging
from typing import Any

import segno
from django import forms
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kolk.core.otp import b32_key, confirmed_device, needs_second_factor
from kolk.core.roles import is_verified
from kolk.privacy.audit import audit_log

security_log = logging.getLogger("kolk.security")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code uit je app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True}),
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("desk:home")


def _guard(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), "desk:login")
    if not needs_second_factor(request.user) or is_verified(request.user):
        return redirect(_next(request))
    return None


def _refused(request: HttpRequest, form: CodeForm, device: TOTPDevice) -> None:
    form.add_error("code", _("Deze code klopt niet. Wacht op een nieuwe code en probeer het opnieuw."))
    audit_log(actor=request.user, action="otp.failed", details={"device": device.pk})
    security_log.warning("otp.failed user:%s", request.user.pk)
    # A wrong code is a failed login: django-axes counts it towards the account's lockout.
    user_login_failed.send(sender=__name__, credentials={"username": request.user.get_username()}, request=request)


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if (response := _guard(request)) is not None:
        return response
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('desk:otp_enrol')}?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            otp_login(request, device)
            audit_log(actor=request.user, action="otp.verified", details={"device": device.pk})
            return redirect(_next(request))
        _refused(request, form, device)
    return render(request, "desk/otp_verify.html", {"form": form, "next": _next(request)})


def _pending(user: Any) -> TOTPDevice:
    """The user's unconfirmed device, made on the first visit (a fresh random secret)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name="kolk", confirmed=False)


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    if (response := _guard(request)) is not None:
        return response
    if confirmed_device(request.user) is not None:
        return redirect(f"{reverse('desk:otp_verify')}?next={_next(request)}")
    device = _pending(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit_log(actor=request.user, action="otp.enrolled", details={"device": device.pk})
            return redirect(_next(request))
        _refused(request, form, device)
    context = {
        "form": form,
        "next": _next(request),
        "qr": segno.make(device.config_url, error="m").svg_inline(scale=4, title=str(_("QR-code voor je app"))),
        "secret": " ".join(b32_key(device)[i : i + 4] for i in range(0, len(b32_key(device)), 4)),
    }
    return render(request, "desk/otp_enrol.html", context)
