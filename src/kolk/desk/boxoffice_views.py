"""Box-office staff pages (role: box office): build halls and the programme, sell at the
counter, cancel and refund, and scan tickets at the door."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, Show
from kolk.boxoffice.services.checkin import ticket_check_in
from kolk.boxoffice.services.payments import box_office_sale
from kolk.boxoffice.services.programme import (
    film_create,
    hall_create,
    production_create,
    programme_create,
    venue_create,
)
from kolk.boxoffice.services.selling import order_cancel
from kolk.core.errors import KolkError
from kolk.privacy.permits import allow


def _errors(form: forms.Form, exc: ValidationError | KolkError) -> None:
    if isinstance(exc, KolkError):
        form.add_error(None, str(exc.message))
        return
    for field, msgs in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, msgs)


@allow(purpose="ticket_sales")
def boxoffice_home(request: HttpRequest) -> HttpResponse:
    shows = selectors.programme(days=120, on_sale_only=False)
    return render(request, "desk/boxoffice/home.html", {"shows": shows})


class HallForm(forms.Form):
    venue = forms.CharField(label=_l("Locatie"), max_length=120, initial="DNK")
    name = forms.CharField(label=_l("Zaal"), max_length=80)
    seat_map = forms.CharField(
        label=_l("Stoelenplan"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_l("Bijvoorbeeld: 10x20; 2x18; rolstoel 12:1-2; begeleider 12:3; achtergehouden 1:10-11"),
    )
    capacity = forms.IntegerField(label=_l("Of: vrije zitplaatsen"), required=False, min_value=1, max_value=5000)


@allow(purpose="ticket_sales")
def halls(request: HttpRequest) -> HttpResponse:
    form = HallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            venue = selectors.venue_named(data["venue"]) or venue_create(name=data["venue"], actor=request.user)
            hall = hall_create(
                venue=venue,
                name=data["name"],
                seat_map=data["seat_map"] or "",
                capacity=data["capacity"] or 0,
                actor=request.user,
            )
        except (ValidationError, KolkError) as exc:
            _errors(form, exc)
        else:
            messages.success(
                request, _("Zaal %(name)s gemaakt met %(n)s plaatsen.") % {"name": hall, "n": hall.capacity}
            )
            return redirect("desk:boxoffice_halls")
    return render(request, "desk/boxoffice/halls.html", {"form": form, "halls": selectors.halls()})


class ProgrammeForm(forms.Form):
    kind = forms.ChoiceField(label=_l("Soort"), choices=Show.Kind.choices)
    title = forms.CharField(label=_l("Titel"), max_length=200)
    company = forms.CharField(label=_l("Gezelschap (theater)"), max_length=200, required=False)
    age_rating = forms.CharField(label=_l("Kijkwijzer (film)"), max_length=4, required=False)
    minutes = forms.IntegerField(label=_l("Duur (minuten)"), min_value=1, max_value=600, initial=100)
    hall = forms.ModelChoiceField(label=_l("Zaal"), queryset=selectors.halls())
    starts = forms.CharField(
        label=_l("Aanvang, één per regel"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_l("JJJJ-MM-DD UU:MM, bijvoorbeeld 2026-12-05 20:00"),
    )
    regular = forms.DecimalField(label=_l("Normaal (€)"), min_value=0, max_digits=6, decimal_places=2)
    youth = forms.DecimalField(label=_l("Jeugd (€)"), min_value=0, max_digits=6, decimal_places=2, required=False)
    senior = forms.DecimalField(label=_l("65+ (€)"), min_value=0, max_digits=6, decimal_places=2, required=False)
    member = forms.DecimalField(label=_l("Lid (€)"), min_value=0, max_digits=6, decimal_places=2, required=False)
    on_sale = forms.BooleanField(label=_l("Meteen in de verkoop"), required=False, initial=True)

    def clean_starts(self) -> list[dt.datetime]:
        result = []
        for line in self.cleaned_data["starts"].splitlines():
            if not line.strip():
                continue
            try:
                naive = dt.datetime.strptime(line.strip(), "%Y-%m-%d %H:%M")
            except ValueError as exc:
                raise ValidationError(_("'%(line)s' is geen datum en tijd.") % {"line": line.strip()}) from exc
            result.append(timezone.make_aware(naive))
        if not result:
            raise ValidationError(_("Geef ten minste één aanvangstijd."))
        return result


@allow(purpose="ticket_sales")
def programme_new(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        prices = {k: int(data[k] * 100) for k in ("regular", "youth", "senior", "member") if data[k] is not None}
        try:
            work: dict[str, Any] = (
                {
                    "film": film_create(
                        title=data["title"], minutes=data["minutes"], age_rating=data["age_rating"], actor=request.user
                    )
                }
                if data["kind"] == Show.Kind.FILM
                else {
                    "production": production_create(
                        title=data["title"], company=data["company"], minutes=data["minutes"], actor=request.user
                    )
                }
            )
            shows = programme_create(
                hall=data["hall"],
                starts=data["starts"],
                prices=prices,
                on_sale=data["on_sale"],
                actor=request.user,
                **work,
            )
        except (ValidationError, KolkError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("%(n)s shows in het programma gezet.") % {"n": len(shows)})
            return redirect("desk:boxoffice")
    return render(request, "desk/boxoffice/programme.html", {"form": form})


def _show(show_id: int) -> Show:
    try:
        return selectors.show_get(show_id)
    except Show.DoesNotExist as exc:
        raise Http404 from exc


class SaleForm(forms.Form):
    quantity = forms.IntegerField(label=_l("Aantal (beste plaatsen)"), min_value=1, max_value=10)
    method = forms.ChoiceField(
        label=_l("Betaling"), choices=[(Order.Method.CARD, _l("pin")), (Order.Method.CASH, _l("contant"))]
    )


@allow(purpose="ticket_sales")
def show_page(request: HttpRequest, show_id: int) -> HttpResponse:
    show = _show(show_id)
    form = SaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            order = box_office_sale(
                show=show,
                quantity=form.cleaned_data["quantity"],
                method=form.cleaned_data["method"],
                actor=request.user,
            )
        except (ValidationError, KolkError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Verkocht: bestelling %(id)s.") % {"id": order.pk})
            return redirect("desk:boxoffice_show", show_id=show.pk)
    return render(
        request,
        "desk/boxoffice/show.html",
        {
            "show": show,
            "rows": selectors.seat_map(show) if show.hall.is_seated else [],
            "available": selectors.seats_available(show),
            "stats": selectors.show_stats(show),
            "orders": selectors.orders_for_show(show)[:200],
            "form": form,
        },
    )


@allow(purpose="ticket_sales")
def checkin(request: HttpRequest, show_id: int) -> HttpResponse:
    show = _show(show_id)
    result = None
    if request.method == "POST":
        result = ticket_check_in(code=request.POST.get("code", ""), show=show, actor=request.user)
    return render(request, "desk/boxoffice/checkin.html", {"show": show, "result": result})


@allow(purpose="ticket_sales")
@require_POST
def order_cancel_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        order = selectors.order_by_token(token[:32])
    except Order.DoesNotExist as exc:
        raise Http404 from exc
    try:
        order_cancel(order=order, refund=request.POST.get("refund") == "1", actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Bestelling %(id)s geannuleerd.") % {"id": order.pk})
    return redirect("desk:boxoffice_show", show_id=order.show_id)
