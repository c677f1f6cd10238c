"""The shop's theaterabonnement: choose N shows of a series and a number of seats, the same seats in each.

Role: anyone. During a members' presale kolk asks the library one thing, whether
the signed-in buyer's pass is current (yes or no, the member price's check,
purpose ticket_sales); before and after, nothing.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from kolk.boxoffice import selectors
from kolk.boxoffice.models import PriceKind, Series
from kolk.boxoffice.services.selling import MAX_TICKETS
from kolk.boxoffice.services.series import NotTogether, in_presale, in_words, seats_words, series_hold
from kolk.core.errors import KolkError
from kolk.core.forms import refusal_to_form
from kolk.web.shop_views import _member, member_pass_current, steps


class SeriesForm(forms.Form):
    shows = forms.TypedMultipleChoiceField(label=_("Voorstellingen"), coerce=int, widget=forms.CheckboxSelectMultiple)
    quantity = forms.IntegerField(
        label=_("Aantal stoelen"), min_value=1, max_value=MAX_TICKETS, initial=2, required=False
    )
    seat = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args: Any, series: Series, seat_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.series = series
        self.fields["shows"].choices = [(s.pk, s.pk) for s in series.shows.all()]  # type: ignore[attr-defined]
        self.fields["seat"].choices = [(pk, pk) for pk in seat_ids]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("seat") and not data.get("quantity"):
            self.add_error("quantity", _("Kies stoelen op de plattegrond of een aantal stoelen."))
        return data

    def clean_shows(self) -> list[int]:
        chosen: list[int] = self.cleaned_data["shows"]
        if len(chosen) < self.series.min_shows:
            raise ValidationError(_("Kies minstens %(n)s voorstellingen.") % {"n": self.series.min_shows})
        return chosen


def series_page(request: HttpRequest, series_id: int) -> HttpResponse:
    try:
        series = Series.objects.prefetch_related("shows__prices", "shows__hall__venue").get(pk=series_id)
    except Series.DoesNotExist as exc:
        raise Http404 from exc
    shows = sorted(series.shows.all(), key=lambda s: (s.starts_at, s.pk))
    # The buyer picks seats on the first show's map; kolk checks them in every chosen show.
    rows = selectors.seat_map(shows[0]) if shows and shows[0].hall.is_seated else []
    form = SeriesForm(request.POST or None, series=series, seat_ids=[s.seat_id for _r, seats in rows for s in seats])
    member = _member(request)
    alternative: list[Any] = []
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["shows"]
        presale = in_presale(series, *[s for s in shows if s.pk in chosen])
        try:
            order = series_hold(
                series=series,
                show_ids=chosen,
                quantity=form.cleaned_data["quantity"] or 0,
                seat_ids=form.cleaned_data["seat"] or (),
                person=member,
                # Only during a presale, and only yes or no: is the pass current (the member price's check).
                member=bool(presale and member is not None and member_pass_current(member)),
                actor=request.user,
            )
        except ValidationError as exc:
            refusal_to_form(form, exc)
        except NotTogether as exc:
            form.add_error(None, str(exc.message))
            alternative = exc.alternative
        except KolkError as exc:
            form.add_error(None, str(exc.message))
        else:
            request.session.setdefault("orders", []).append(order.token)
            request.session.modified = True
            return redirect("web:shop:order", token=order.token)
    lines = []
    for show in shows:
        regular = next((p for p in show.prices.all() if p.kind == PriceKind.REGULAR), None)
        price = regular.amount_cents * (100 - series.discount_percent) // 100 if regular else None
        lines.append({"show": show, "price": price, "regular": regular})
    public_from = series.public_from if in_presale(series) else None
    return render(
        request,
        "web/shop/series.html",
        {
            "series": series,
            "lines": lines,
            "form": form,
            "chosen": {str(v) for v in form["shows"].value() or []},
            "rows": rows,
            "picked": {str(v) for v in form["seat"].value() or []},
            "alternative": alternative,
            "alternative_words": seats_words(alternative),
            "first_show": shows[0] if shows else None,
            "presale_until": in_words(public_from) if public_from else "",
            "steps": steps("seats"),
        },
    )
