"""The shop's gift voucher (cadeaubon): choose a value, pay by iDEAL, then the code on the page and by mail.

Role: anyone. A sale is reached by its secret token; its code is shown only in the
browser that bought it (its session holds the token), the mail brings it too.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import VoucherSale
from kolk.boxoffice.selectors import voucher_sale_by_token
from kolk.boxoffice.services.voucher_sales import (
    AMOUNTS,
    CHECKING,
    PAID,
    value_error,
    voucher_sale_create,
    voucher_sale_pay,
    voucher_sale_state,
)
from kolk.boxoffice.voucher_mail import voucher_pdf
from kolk.core.errors import KolkError
from kolk.core.forms import refusal_to_form
from kolk.core.money import euros
from kolk.core.validators import no_control_characters, no_control_characters_in_text
from kolk.web.shop_views import allow_mollie_checkout

OTHER = "other"
SESSION_KEY = "voucher_sales"
_EUROS = re.compile(r"(\d{1,5})(?:[,.](\d{1,2}))?")


class VoucherForm(forms.Form):
    amount = forms.ChoiceField(label=_("Waarde"), widget=forms.RadioSelect, initial=str(AMOUNTS[1]))
    other_amount = forms.CharField(
        label=_("Ander bedrag in euro"), max_length=12, required=False, validators=[no_control_characters]
    )
    buyer_name = forms.CharField(label=_("Je naam"), max_length=200, validators=[no_control_characters])
    buyer_email = forms.EmailField(
        label=_("Je e-mailadres"),
        help_text=_("Hierheen mailen we de cadeaubon."),
        validators=[no_control_characters],
    )
    recipient_name = forms.CharField(
        label=_("Voor wie is de bon? (niet verplicht)"),
        max_length=100,
        required=False,
        validators=[no_control_characters],
    )
    message = forms.CharField(
        label=_("Boodschap op de bon (niet verplicht)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[no_control_characters_in_text],  # a line break is fine; it prints as a space
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["amount"].choices = [(str(c), euros(c)) for c in AMOUNTS] + [(OTHER, _("Ander bedrag"))]  # type: ignore[attr-defined]
        self.fields["other_amount"].widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})
        self.fields["buyer_name"].widget.attrs["autocomplete"] = "name"
        self.fields["buyer_email"].widget.attrs["autocomplete"] = "email"
        self.fields["buyer_email"].widget.attrs["aria-describedby"] = "id_buyer_email-help"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount = data.get("amount")
        if amount == OTHER:
            typed = (data.get("other_amount") or "").strip().replace("€", "").replace(" ", "")
            found = _EUROS.fullmatch(typed)
            if not typed:
                self.add_error("other_amount", _("Vul het bedrag in, bijvoorbeeld 35 of 37,50."))
                return data
            if found is None:
                self.add_error("other_amount", _("Vul een bedrag in euro in, bijvoorbeeld 35 of 37,50."))
                return data
            cents = int(found[1]) * 100 + int((found[2] or "0").ljust(2, "0"))
            if (problem := value_error(cents)) is not None:
                self.add_error("other_amount", problem)
                return data
            data["value_cents"] = cents
        elif amount:
            data["value_cents"] = int(amount)
        return data


def _sale(token: str) -> VoucherSale:
    try:
        return voucher_sale_by_token(token[:32])
    except VoucherSale.DoesNotExist as exc:
        raise Http404 from exc


def _bought_here(request: HttpRequest, sale: VoucherSale) -> bool:
    return sale.token in request.session.get(SESSION_KEY, [])


def voucher_buy(request: HttpRequest) -> HttpResponse:
    """The form: a value, who buys it, for whom; sent, the buyer goes to iDEAL."""
    form = VoucherForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sale = voucher_sale_create(
                value_cents=data["value_cents"],
                buyer_name=data["buyer_name"],
                buyer_email=data["buyer_email"],
                recipient_name=data["recipient_name"],
                message=data["message"],
                language=get_language() or "nl",
                actor=request.user,
            )
            request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], sale.token]
            started = voucher_sale_pay(
                sale=sale,
                return_url=request.build_absolute_uri(reverse("web:shop:voucher_sale", args=[sale.token])),
                webhook_url=request.build_absolute_uri(reverse("api:boxoffice_mollie_webhook")),
                actor=request.user,
            )
        except ValidationError as exc:
            refusal_to_form(form, exc, renamed={"value": "other_amount"})
        except KolkError as exc:
            form.add_error(None, str(exc.message))
        else:
            return HttpResponseRedirect(started.redirect_url)
    for name in form.errors:  # each error is announced with its field
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            described = " ".join(filter(None, [f"id_{name}-error", attrs.get("aria-describedby", "")]))
            attrs.update({"aria-invalid": "true", "aria-describedby": described})
    response = render(request, "web/shop/voucher.html", {"form": form}, status=422 if request.method == "POST" else 200)
    allow_mollie_checkout(request, response)
    return response


def voucher_sale_page(request: HttpRequest, token: str) -> HttpResponse:
    """Back from iDEAL: the payment being checked (shop.js asks again), then the voucher, or why there is none."""
    sale = _sale(token)
    state = voucher_sale_state(sale=sale)
    voucher = sale.voucher if state == PAID else None
    here = _bought_here(request, sale)
    return render(
        request,
        "web/shop/voucher_sale.html",
        {
            "sale": sale,
            "state": state,
            "voucher": voucher,
            "code": code_display(voucher.code) if voucher is not None and here else "",
            "here": here,
        },
    )


def voucher_sale_status(request: HttpRequest, token: str) -> JsonResponse:
    """The waiting page's own question, every few seconds: still checking, or show the outcome."""
    sale = _sale(token)
    state = voucher_sale_state(sale=sale)
    return JsonResponse(
        {
            "state": state,
            "checking": state == CHECKING,
            "next": reverse("web:shop:voucher_sale", args=[sale.token]),
        }
    )


def voucher_sale_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The paid voucher to print, in the browser that bought it."""
    sale = _sale(token)
    if sale.status != VoucherSale.Status.PAID or sale.voucher_id is None:
        raise KolkError(_("Deze cadeaubon is (nog) niet betaald."), code="not_paid")
    if not _bought_here(request, sale):
        raise KolkError(_("De cadeaubon om te printen staat in de mail aan wie hem kocht."), code="not_here")
    response = HttpResponse(voucher_pdf(sale, lang=get_language() or "nl"), content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="cadeaubon.pdf"'
    return response
