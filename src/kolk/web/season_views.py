"""The shop's waiting list and codes: join the list of a sold-out show, open an offer, pay with a code.

Role: anyone. An offer is reached by the signed link in its mail; a code (a gift
voucher's or a discount code's) is typed on the order's payment step.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, Show, WaitlistEntry
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.presale import in_presale, in_words
from kolk.boxoffice.services.vouchers import code_redeem
from kolk.core.errors import BadRequest, KolkError, NotFound
from kolk.core.forms import refusal_to_form
from kolk.core.money import euros
from kolk.core.validators import no_control_characters
from kolk.web.shop_views import member_pass_current


class JoinForm(forms.Form):
    name = forms.CharField(label=_l("Naam"), max_length=200, validators=[no_control_characters])
    email = forms.EmailField(label=_l("E-mailadres"), validators=[no_control_characters])
    quantity = forms.IntegerField(label=_l("Aantal kaartjes"), min_value=1, max_value=waitlist.MAX_WAITING, initial=1)


def waitlist_join_view(request: HttpRequest, show_id: int) -> HttpResponse:
    try:
        show = selectors.show_get(show_id)
    except Show.DoesNotExist as exc:
        raise Http404 from exc
    member = getattr(request.user, "person", None) if request.user.is_authenticated else None
    initial = {}
    if member is not None and request.method != "POST":
        initial = {"name": str(member), "email": getattr(member, "email", "") or ""}
    form = JoinForm(request.POST or None, initial=initial)
    joined = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            joined = waitlist.waitlist_join(
                show=show,
                name=data["name"],
                email=data["email"],
                quantity=data["quantity"],
                person=member,
                # In the members' presale only, the library's yes or no: members are offered freed seats first.
                member=bool(in_presale(show) and member is not None and member_pass_current(member)),
                actor=request.user,
            )
        except ValidationError as exc:
            refusal_to_form(form, exc)
        except KolkError as exc:
            form.add_error(None, str(exc.message))
    for name in form.errors:  # each error is announced with its field
        if name in form.fields:
            form.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"id_{name}-error"})
    return render(
        request,
        "web/shop/waitlist_join.html",
        {
            "show": show,
            "form": form,
            "joined": joined,
            "hours": waitlist.offer_hours(),
            # In the members' presale, freed seats go to members on the list first: the buyer is told so.
            "presale_until": in_words(show.public_from) if show.public_from and in_presale(show) else "",
        },
        status=422 if request.method == "POST" and joined is None else 200,
    )


def waitlist_offer_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        entry = waitlist.offer_by_token(token)
    except NotFound as exc:
        raise Http404 from exc
    order = entry.order
    assert order is not None  # offer_by_token answers only offers with their order
    live = entry.status == WaitlistEntry.Status.OFFERED and order.status in (
        Order.Status.HELD,
        Order.Status.PENDING_PAYMENT,
    )
    if live or order.status == Order.Status.PAID:
        tokens = request.session.setdefault("orders", [])
        if order.token not in tokens:
            tokens.append(order.token)
            request.session.modified = True
    return render(
        request,
        "web/shop/waitlist_offer.html",
        {"entry": entry, "show": entry.show, "order": order, "live": live, "tickets": selectors.order_tickets(order)},
    )


@require_POST
def order_code_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        order = selectors.order_by_token(token[:32])
    except Order.DoesNotExist as exc:
        raise Http404 from exc
    code = request.POST.get("code", "")
    if len(code) > 64:
        raise BadRequest(_("Deze code is te lang."))
    try:
        order, amount, kind = code_redeem(order=order, code=code, actor=request.user)
    except BadRequest:
        raise
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        text = (
            _("Je cadeaubon betaalt %(amount)s.")
            if kind == "voucher"
            else _("Je kortingscode geeft %(amount)s korting.")
        )
        messages.success(request, text % {"amount": euros(amount)})
    return redirect("web:shop:order", token=order.token)
