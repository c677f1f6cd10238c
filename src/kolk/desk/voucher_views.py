"""Box-office staff: sell gift vouchers (cadeaubonnen) at the till and make discount codes (kortingscodes).

Role: box office (purpose ticket_sales).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import DiscountCode, GiftVoucher, Order
from kolk.boxoffice.services.vouchers import discount_create, voucher_issue
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.forms import refusal_to_form
from kolk.core.money import euros
from kolk.core.roles import Role
from kolk.core.validators import no_control_characters
from kolk.privacy.permits import allow


def _cents(value: str) -> int:
    """Euros as staff type them (10, 10,00, 12.50) to cents."""
    text = value.strip().replace("€", "").replace(" ", "").replace(".", ",")
    whole, _sep, part = text.partition(",")
    if not whole.isdigit() or (part and not (part.isdigit() and len(part) <= 2)):
        raise ValidationError(_("Vul een bedrag in, bijvoorbeeld 25,00."))
    return int(whole) * 100 + int((part or "0").ljust(2, "0"))


class VoucherForm(forms.Form):
    value = forms.CharField(label=_l("Waarde in euro"), max_length=12, initial="25,00")
    method = forms.ChoiceField(
        label=_l("Betaald met"), choices=[(Order.Method.CASH, _l("contant")), (Order.Method.CARD, _l("pin"))]
    )
    buyer_name = forms.CharField(
        label=_l("Naam koper (niet verplicht)"), max_length=200, required=False, validators=[no_control_characters]
    )
    buyer_email = forms.EmailField(label=_l("E-mailadres koper (niet verplicht)"), required=False)

    def clean_value(self) -> int:
        return _cents(self.cleaned_data["value"])


class DiscountForm(forms.Form):
    kind = forms.ChoiceField(label=_l("Soort korting"), choices=DiscountCode.Kind.choices)
    value = forms.IntegerField(label=_l("Percentage, of bedrag in centen"), min_value=1, max_value=100_000, initial=10)
    days = forms.IntegerField(label=_l("Geldig (dagen vanaf vandaag)"), min_value=1, max_value=366, initial=30)
    max_uses = forms.IntegerField(label=_l("Hoe vaak te gebruiken"), min_value=1, max_value=100_000, initial=100)


@allow(purpose="ticket_sales", roles=(Role.BOX_OFFICE,))
def vouchers_page(request: HttpRequest) -> HttpResponse:
    is_voucher = request.POST.get("form") == "voucher"
    voucher_form = VoucherForm(request.POST if request.method == "POST" and is_voucher else None, prefix="v")
    discount_form = DiscountForm(request.POST if request.method == "POST" and not is_voucher else None, prefix="d")
    form = voucher_form if is_voucher else discount_form
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if is_voucher:
                voucher = voucher_issue(
                    value_cents=data["value"],
                    method=data["method"],
                    buyer_name=data["buyer_name"],
                    buyer_email=data["buyer_email"],
                    actor=request.user,
                )
                messages.success(
                    request,
                    _("Cadeaubon van %(value)s verkocht: code %(code)s.")
                    % {"value": euros(voucher.value_cents), "code": code_display(voucher.code)},
                )
            else:
                start = now()
                discount = discount_create(
                    kind=data["kind"],
                    value=data["value"],
                    valid_from=start,
                    valid_until=timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0)
                    + dt.timedelta(days=data["days"] + 1),
                    max_uses=data["max_uses"],
                    actor=request.user,
                )
                messages.success(request, _("Kortingscode gemaakt: %(code)s.") % {"code": code_display(discount.code)})
        except ValidationError as exc:
            refusal_to_form(form, exc)
        except KolkError as exc:
            form.add_error(None, str(exc.message))
        else:
            return redirect("desk:boxoffice_vouchers")
    return render(
        request,
        "desk/boxoffice/vouchers.html",
        {
            "voucher_form": voucher_form,
            "discount_form": discount_form,
            "vouchers": GiftVoucher.objects.order_by("-created_at")[:50],
            "discounts": DiscountCode.objects.order_by("-created_at")[:50],
        },
    )
