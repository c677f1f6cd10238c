"""Logging in and out of the portal and resetting a password (A01, A02, X01). Role: anyone.

The password reset uses Django's token views: a link works once (the token
covers the password hash and last login) and expires after
PASSWORD_RESET_TIMEOUT. Asking for one only queues it (kolk.web.password_reset):
the same work and the same answer whether or not the address is known, a limit
per address and per client. Lockout after repeated failures is django-axes'.
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from kolk.web.forms import PortalLoginForm, PortalPasswordResetForm
from kolk.web.password_reset import password_reset_request
from kolk.web.portal import client_ip
from kolk.web.services import portal_event_record


class LoginView(auth_views.LoginView):
    template_name = "web/portal/login.html"
    authentication_form = PortalLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return reverse("web:portal")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        person = getattr(form.get_user(), "person", None)
        if person is not None:
            self.request.session.set_expiry(settings.KOLK_PORTAL_IDLE_SECONDS)
            portal_event_record(
                person=person, action="login", ip_address=client_ip(self.request), actor=form.get_user()
            )
        return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    person = getattr(request.user, "person", None) if request.user.is_authenticated else None
    if person is not None:
        portal_event_record(person=person, action="logout", ip_address=client_ip(request), actor=request.user)
    response: HttpResponse = auth_views.LogoutView.as_view(next_page=reverse_lazy("web:home"))(request)
    return response


class PasswordResetView(FormView[PortalPasswordResetForm]):
    """Ask for a link by address: the request is queued, the worker mails it (kolk.web.password_reset)."""

    template_name = "web/portal/password_reset.html"
    form_class = PortalPasswordResetForm
    success_url = reverse_lazy("web:password_reset_done")

    def form_valid(self, form: PortalPasswordResetForm) -> HttpResponse:
        queued = password_reset_request(
            address=form.cleaned_data["email"], ip_address=client_ip(self.request), language=get_language() or "nl"
        )
        if not queued:
            # Counted whether or not the address is known: this says nothing about an account.
            form.add_error(
                "email",
                _(
                    "Voor dit adres of vanaf deze verbinding is het afgelopen uur al vaak een nieuw wachtwoord "
                    "gevraagd. Probeer het over een uur opnieuw, of vraag het aan de balie."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "web/portal/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "web/portal/password_reset_confirm.html"
    success_url = reverse_lazy("web:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponseRedirect:
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())  # a new password lifts a lockout
        person = getattr(form.user, "person", None)
        if person is not None:
            portal_event_record(
                person=person, action="password_reset", ip_address=client_ip(self.request), actor=form.user
            )
        return response  # type: ignore[return-value]


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/portal/password_reset_complete.html"
