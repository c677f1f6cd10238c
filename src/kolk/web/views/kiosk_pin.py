"""The portal's section for the self-service PIN: a member sets or changes the PIN they use at the kiosks.

Role: member (kolk.web.portal.member_required). The PIN is hashed by the
library's service (kolk.library.services.kiosks.pin_set); the change is a
PortalEvent with its audit entry, like every act in the portal.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kolk.core.errors import KolkError
from kolk.library.kiosks import pin_set_on
from kolk.library.services.kiosks import pin_set
from kolk.web.portal import client_ip, member_required, register_section
from kolk.web.services import portal_event_record

register_section("kiosk_pin", gettext_lazy("Pincode zelfbediening"), "web:portal_kiosk_pin", order=47)


def _pin_field(label: Any) -> forms.CharField:  # a lazy text, as web.forms._line takes
    return forms.CharField(
        label=label,
        min_length=4,
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )


class KioskPinForm(forms.Form):
    pin = _pin_field(gettext_lazy("Nieuwe pincode"))
    again = _pin_field(gettext_lazy("Nog een keer"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("pin") and data.get("again") and data["pin"] != data["again"]:
            self.add_error("again", _("De twee pincodes zijn niet gelijk."))
        return data


@member_required
def kiosk_pin(request: HttpRequest, person: Any) -> HttpResponse:
    """Set or change my PIN for the self-service kiosks (4 to 8 digits)."""
    form = KioskPinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pin_set(person=person, pin=form.cleaned_data["pin"], actor=request.user)
        except KolkError as exc:
            for error in exc.fields.get("pin", [str(exc.message)]):
                form.add_error("pin", error)
        else:
            portal_event_record(person=person, action="kiosk_pin_set", ip_address=client_ip(request),
                                actor=request.user)  # fmt: skip
            messages.success(request, _("Je pincode voor de zelfbediening is ingesteld."))
            return redirect("web:portal_kiosk_pin")
    return render(request, "web/portal/kiosk_pin.html", {"person": person, "form": form, "set_on": pin_set_on(person)})
