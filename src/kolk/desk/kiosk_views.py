"""Desk pages of self-service: the kiosks' accounts (administrator) and a member's kiosk PIN (desk).

A kiosk's password is shown once, on the page that made it (never in a URL, a
message or a log); rotating makes a new one and ends the kiosk's open session.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kolk.core.errors import KolkError, NotFound
from kolk.core.roles import Role
from kolk.library.kiosks import kiosks_all, pin_set_on
from kolk.library.models import Branch, Kiosk
from kolk.library.services.kiosks import kiosk_create, kiosk_disable, kiosk_enable, kiosk_rotate, pin_set
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail
from kolk.privacy.permits import allow

ADMIN = (Role.ADMINISTRATOR,)


class KioskForm(forms.Form):
    name = forms.SlugField(
        label=gettext_lazy("Naam"), max_length=40, help_text=gettext_lazy("kleine letters, cijfers en -, bijv. assen-1")
    )
    branch = forms.ModelChoiceField(
        label=gettext_lazy("Vestiging"), queryset=Branch.objects.order_by("name"), to_field_name="code"
    )


class PinForm(forms.Form):
    pin = forms.CharField(
        label=gettext_lazy("Nieuwe pincode"),
        min_length=4,
        max_length=8,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("4 tot 8 cijfers; het lid typt hem zelf in."),
    )


def _page(request: HttpRequest, form: KioskForm, issued: tuple[Kiosk, str] | None = None) -> HttpResponse:
    context = {"kiosks": list(kiosks_all()), "form": form, "issued": issued}
    return render(request, "desk/kiosk/list.html", context)


@allow(roles=ADMIN)
def kiosks(request: HttpRequest) -> HttpResponse:
    """Every kiosk with its branch and state; a new one is made here and its password shown once."""
    form = KioskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = kiosk_create(name=form.cleaned_data["name"], branch=form.cleaned_data["branch"],
                                  actor=request.user)  # fmt: skip
        except KolkError as exc:
            for field, errors in exc.fields.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return _page(request, KioskForm(), issued)
    return _page(request, form)


def _kiosk(pk: int) -> Kiosk:
    kiosk = kiosks_all().filter(pk=pk).first()
    if kiosk is None:
        raise NotFound()
    return kiosk


@require_POST
@allow(roles=ADMIN)
def rotate(request: HttpRequest, pk: int) -> HttpResponse:
    kiosk = _kiosk(pk)
    secret = kiosk_rotate(kiosk=kiosk, actor=request.user)
    return _page(request, KioskForm(), (kiosk, secret))


@require_POST
@allow(roles=ADMIN)
def switch(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch a kiosk off (it can no longer sign in) or on again."""
    kiosk = _kiosk(pk)
    if request.POST.get("on") == "1":
        kiosk_enable(kiosk=kiosk, actor=request.user)
        messages.success(request, _("Zuil %(name)s staat aan.") % {"name": kiosk.name})
    else:
        kiosk_disable(kiosk=kiosk, actor=request.user)
        messages.success(request, _("Zuil %(name)s staat uit.") % {"name": kiosk.name})
    return redirect("desk:kiosks")


@allow(purpose="lending")
def member_pin(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk sets a member's kiosk PIN (the member types it; the desk never sees it afterwards)."""
    person = person_reach(actor=request.user, person_id=pk, purpose="lending", load=person_detail, viewed=False)
    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            pin_set(person=person, pin=form.cleaned_data["pin"], actor=request.user)
        except KolkError as exc:
            for error in exc.fields.get("pin", [str(exc.message)]):
                form.add_error("pin", error)
        else:
            messages.success(request, _("Pincode voor de zelfbediening ingesteld."))
            return redirect("desk:library_member", pk=person.pk)
    return render(request, "desk/kiosk/pin.html", {"person": person, "form": form, "set_on": pin_set_on(person)})
