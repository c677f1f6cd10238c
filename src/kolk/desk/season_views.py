"""The theatre season at the box office (role: box office): sell a theaterabonnement at the till, make and
change a series, set a show's presale dates.

The till sells N shows of a series with the same seats in each (kolk.boxoffice.services.series).
In a members' presale the till sells to a member whose pass staff scan: kolk asks the
library one thing, whether that pass is current (yes or no, purpose ticket_sales);
before the members' presale it sells to nobody.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, PriceKind, Series, Show
from kolk.boxoffice.services.presale import Presale, in_presale, in_words
from kolk.boxoffice.services.selling import MAX_TICKETS
from kolk.boxoffice.services.series import (
    NotTogether,
    SeriesIn,
    seats_words,
    series_create,
    series_till_sale,
    series_update,
    show_presale_set,
)
from kolk.core.clock import now
from kolk.core.errors import Invalid, KolkError, invalid_from
from kolk.desk.boxoffice_views import CHANGE_KEY, _cents
from kolk.desk.season_forms import PRESALE_NAMES, PresaleForm, errors_to_form, member_pass_seen
from kolk.privacy.permits import allow

PURPOSE = "ticket_sales"


# --- the member's pass in a presale ---


def _presale_refusal(exc: Presale, *things: Show | Series) -> KolkError:
    """The presale's refusal at the till: in the members' presale told at the pass field (staff scan it there)."""
    if any(t.members_from is not None and now() < t.members_from for t in things):
        return exc  # the sale has not begun: no pass helps
    text = _("%(refusal)s Scan de pas van het lid.") % {"refusal": exc.message}
    return Invalid(text, fields={"pass": [text]})


# --- selling a theaterabonnement at the till ---


@allow(purpose=PURPOSE)
def series_list(request: HttpRequest) -> HttpResponse:
    """Every theaterabonnement: to sell at the till (those on sale), to change."""
    on_sale = {s.pk: s for s in selectors.series_on_sale()}
    rows = [{"series": s, "on_sale": on_sale.get(s.pk)} for s in selectors.series_all()]
    return render(request, "desk/season/series_list.html", {"rows": rows})


@dataclass
class SeriesTillInput:
    """The series till's POST: the chosen shows, seats or a number of best seats, how it is paid."""

    show_ids: list[int] = dc_field(default_factory=list)
    seat_ids: list[int] = dc_field(default_factory=list)
    quantity: int = 0
    method: str = Order.Method.CASH
    given: str = ""
    card_reference: str = ""
    pass_number: str = ""


def _ids(values: list[str], field: str, message: str) -> list[int]:
    found = []
    for raw in values[:50]:
        if not raw.isdigit() or len(raw) > 10:
            raise Invalid(message, fields={field: [message]})
        found.append(int(raw))
    return found


def _series_till_input(request: HttpRequest) -> SeriesTillInput:
    data = request.POST
    got = SeriesTillInput(
        method=data.get("method", Order.Method.CASH),
        given=data.get("given", "")[:20],
        card_reference=data.get("card_reference", "")[:60],
        pass_number=data.get("pass", "")[:40],
    )
    got.show_ids = _ids(data.getlist("show"), "show", _("Onbekende voorstelling."))
    got.seat_ids = _ids(data.getlist("seat"), "seat", _("Onbekende stoel."))
    if not got.show_ids:
        raise Invalid(_("Kies de voorstellingen."), fields={"show": [_("Kies de voorstellingen.")]})
    if not got.seat_ids:
        raw = data.get("quantity", "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_TICKETS:
            text = _("Kies stoelen op het stoelenplan of een aantal beste plaatsen.")
            raise Invalid(text, fields={"seat": [_("Nog geen stoel gekozen.")]})
        got.quantity = int(raw)
    if got.method not in (Order.Method.CASH, Order.Method.CARD):
        raise Invalid(_("Kies contant of pin."), fields={"method": [_("Kies contant of pin.")]})
    return got


# The service's names for the fields, as the page calls them.
TILL_FIELDS = {"show_ids": "show", "seat_ids": "seat", "quantity": "seat", "prices": "seat"}


def _on_page(error: KolkError) -> dict[str, str]:
    """Each field's first error, under the page's field names."""
    return {TILL_FIELDS.get(name, name): msgs[0] for name, msgs in error.fields.items() if msgs}


def _series(series_id: int) -> Series:
    try:
        return selectors.series_get(series_id)
    except Series.DoesNotExist as exc:
        raise Http404 from exc


def _regular(show: Show) -> int:
    return next((p.amount_cents for p in show.prices.all() if p.kind == PriceKind.REGULAR), 0)


@allow(purpose=PURPOSE)
def series_till(request: HttpRequest, series_id: int) -> HttpResponse:
    """The till of a theaterabonnement: the shows, the same seats in each, a member's pass in the presale, cash or pin."""
    series = _series(series_id)
    shows: list[Show] = list(series.upcoming)  # type: ignore[attr-defined]
    presale = in_presale(series, *shows)
    error: KolkError | None = None
    alternative: list[Any] = []
    chosen = SeriesTillInput(show_ids=[s.pk for s in shows])
    if request.method == "POST":
        try:
            chosen = _series_till_input(request)
            picked = [s for s in shows if s.pk in set(chosen.show_ids)]
            sale = series_till_sale(
                series=series,
                show_ids=chosen.show_ids,
                seat_ids=chosen.seat_ids,
                quantity=chosen.quantity,
                method=chosen.method,
                given_cents=_cents(chosen.given) if chosen.method == Order.Method.CASH else 0,
                card_reference=chosen.card_reference,
                # Only in a presale is the library asked, and only about the pass staff scanned.
                member_pass_seen=member_pass_seen(request, chosen.pass_number)
                if in_presale(series, *picked)
                else False,
                actor=request.user,
            )
        except ValidationError as exc:
            error = invalid_from(exc)
        except NotTogether as exc:
            error, alternative = exc, exc.alternative
        except Presale as exc:
            error = _presale_refusal(exc, series, *[s for s in shows if s.pk in set(chosen.show_ids)])
        except KolkError as exc:
            error = exc
        else:
            request.session[CHANGE_KEY] = {"order": sale.order.pk, "given": sale.given_cents}
            return redirect("desk:boxoffice_order", order_id=sale.order.pk)
    rows = selectors.seat_map(shows[0]) if shows and shows[0].hall.is_seated else []
    lines = [
        {"show": s, "cents": _regular(s) * (100 - series.discount_percent) // 100, "regular": _regular(s)}
        for s in shows
    ]
    return render(
        request,
        "desk/season/series_till.html",
        {
            "series": series,
            "show": shows[0] if shows else None,
            "lines": lines,
            "rows": rows,
            "chosen": chosen,
            "error": error,
            "field_errors": _on_page(error) if error is not None else {},
            "alternative": alternative,
            "alternative_words": seats_words(alternative),
            "presale": presale,
            "presale_until": in_words(series.public_from) if series.public_from and in_presale(series) else "",
            "max_tickets": MAX_TICKETS,
        },
        status=error.status if error is not None else 200,
    )


# --- the season: series and presale dates ---


class SeriesForm(PresaleForm):
    name = forms.CharField(label=_l("Naam"), max_length=200)
    season = forms.CharField(label=_l("Seizoen"), max_length=20, help_text=_l("Bijvoorbeeld 2026-2027"))
    shows = forms.TypedMultipleChoiceField(label=_l("Voorstellingen"), coerce=int, widget=forms.CheckboxSelectMultiple)
    min_shows = forms.IntegerField(label=_l("Minimaal aantal voorstellingen"), min_value=1, max_value=50, initial=4)
    discount_percent = forms.IntegerField(label=_l("Korting (%)"), min_value=0, max_value=100, initial=10)

    field_order = ["name", "season", "shows", "min_shows", "discount_percent"]

    def __init__(self, *args: Any, series: Series | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shows = list(selectors.theatre_upcoming())
        if series is not None:  # its shows stay choosable, also those played already
            have = {s.pk for s in shows}
            shows += [s for s in series.shows.select_related("production", "hall") if s.pk not in have]
            shows.sort(key=lambda s: (s.starts_at, s.pk))
        self.fields["shows"].choices = [  # type: ignore[attr-defined]
            (s.pk, f"{s.title} · {_when(s.starts_at)} · {s.hall.name}") for s in shows
        ]

    def series_in(self) -> SeriesIn:
        data = self.cleaned_data
        return SeriesIn(
            name=data["name"],
            season=data["season"],
            show_ids=data["shows"],
            min_shows=data["min_shows"],
            discount_percent=data["discount_percent"],
            members_from=data["members_from"],
            public_from=data["public_from"],
        )


def _when(moment: dt.datetime) -> str:
    """vr 11 dec 2026, 20:15, as tables write it."""
    return date_format(timezone.localtime(moment), "D j b Y, H:i")


SERIES_NAMES = {"show_ids": "shows", **PRESALE_NAMES}


def _series_form_page(request: HttpRequest, series: Series | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if series is not None:
        initial = {
            "name": series.name,
            "season": series.season,
            "shows": [s.pk for s in series.shows.all()],
            "min_shows": series.min_shows,
            "discount_percent": series.discount_percent,
            **PresaleForm.initial_for(series),
        }
    form = SeriesForm(request.POST or None, initial=initial, series=series)
    if request.method == "POST" and form.is_valid():
        try:
            if series is None:
                saved = series_create(data=form.series_in(), actor=request.user)
            else:
                saved = series_update(series=series, data=form.series_in(), actor=request.user)
        except (ValidationError, KolkError) as exc:
            errors_to_form(form, exc, SERIES_NAMES)
        else:
            messages.success(request, _("Theaterabonnement %(name)s opgeslagen.") % {"name": saved})
            return redirect("desk:boxoffice_series")
    return render(
        request,
        "desk/season/series_form.html",
        {"form": form, "series": series},
        status=422 if form.errors else 200,
    )


@allow(purpose=PURPOSE)
def series_new(request: HttpRequest) -> HttpResponse:
    return _series_form_page(request, None)


@allow(purpose=PURPOSE)
def series_edit(request: HttpRequest, series_id: int) -> HttpResponse:
    try:
        series = Series.objects.get(pk=series_id)
    except Series.DoesNotExist as exc:
        raise Http404 from exc
    return _series_form_page(request, series)


@allow(purpose=PURPOSE)
def show_presale(request: HttpRequest, show_id: int) -> HttpResponse:
    """A show's presale: members (a current pass) from one moment, everyone from another; both empty: none."""
    try:
        show = selectors.show_get(show_id)
    except Show.DoesNotExist as exc:
        raise Http404 from exc
    form = PresaleForm(request.POST or None, initial=PresaleForm.initial_for(show))
    if request.method == "POST" and form.is_valid():
        try:
            show_presale_set(
                show=show,
                members_from=form.cleaned_data["members_from"],
                public_from=form.cleaned_data["public_from"],
                actor=request.user,
            )
        except (ValidationError, KolkError) as exc:
            errors_to_form(form, exc, PRESALE_NAMES)
        else:
            messages.success(request, _("Voorverkoop van %(show)s opgeslagen.") % {"show": show.title})
            return redirect("desk:boxoffice_show", show_id=show.pk)
    return render(
        request,
        "desk/season/show_presale.html",
        {"form": form, "show": show},
        status=422 if form.errors else 200,
    )
