"""Box-office staff pages (role: box office): build halls and the programme, sell at the
counter, cancel and refund, and scan tickets at the door."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, PriceKind, Show
from kolk.boxoffice.pdf import PAPERS, tickets_pdf
from kolk.boxoffice.services.age import AgeCheck, age_check, age_check_pass, age_to_check
from kolk.boxoffice.services.checkin import (
    MAX_SYNC,
    CheckIn,
    checkins_sync,
    door_count,
    door_list,
    ticket_check_in,
)
from kolk.boxoffice.services.payments import till_sale
from kolk.boxoffice.services.presale import in_presale, in_words
from kolk.boxoffice.services.programme import (
    film_create,
    hall_create,
    production_create,
    programme_create,
    venue_create,
)
from kolk.boxoffice.services.selling import MAX_TICKETS, order_cancel
from kolk.boxoffice.tickets import qr_svg, tickets_resend
from kolk.core.actors import Actor
from kolk.core.errors import BadRequest, Invalid, KolkError, NotFound, invalid_from
from kolk.core.money import euros
from kolk.desk.season_forms import PRESALE_NAMES, PresaleForm, errors_to_form, member_pass_seen
from kolk.privacy.audit import audit_log
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
    return render(request, "desk/boxoffice/home.html", {"shows": shows, "series": selectors.series_on_sale()})


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


# A start as staff type it: day-month-year as Dutch dates are written (11-12-2026 20:15, 11/12/2026 20.15),
# or year first (2026-12-11 20:15).
START_FORMATS = ("%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M")


def _start(line: str) -> dt.datetime | None:
    text = " ".join(line.split()).replace(".", ":")
    for fmt in START_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


class ProgrammeForm(forms.Form):
    """A run of shows of one film or production. Prices are typed as staff write euros (24,50 or 24.50)."""

    kind = forms.ChoiceField(label=_l("Soort"), choices=Show.Kind.choices)
    title = forms.CharField(label=_l("Titel"), max_length=200)
    company = forms.CharField(label=_l("Gezelschap (theater)"), max_length=200, required=False)
    age_rating = forms.CharField(label=_l("Kijkwijzer (film)"), max_length=4, required=False)
    minutes = forms.IntegerField(label=_l("Duur (minuten)"), min_value=1, max_value=600, initial=100)
    hall = forms.ModelChoiceField(label=_l("Zaal"), queryset=selectors.halls())
    starts = forms.CharField(
        label=_l("Aanvang, één per regel"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_l("Dag-maand-jaar en tijd, bijvoorbeeld 11-12-2026 20:15"),
    )
    regular = forms.DecimalField(label=_l("Normaal (€)"), min_value=0, max_digits=6, decimal_places=2, localize=True)
    youth = forms.DecimalField(
        label=_l("Jeugd (€)"), min_value=0, max_digits=6, decimal_places=2, localize=True, required=False
    )
    senior = forms.DecimalField(
        label=_l("65+ (€)"), min_value=0, max_digits=6, decimal_places=2, localize=True, required=False
    )
    member = forms.DecimalField(
        label=_l("Lid (€)"), min_value=0, max_digits=6, decimal_places=2, localize=True, required=False
    )
    cjp = forms.DecimalField(
        label=_l("CJP (€)"), min_value=0, max_digits=6, decimal_places=2, localize=True, required=False
    )
    stadspas = forms.DecimalField(
        label=_l("Stadspas (€)"), min_value=0, max_digits=6, decimal_places=2, localize=True, required=False
    )
    on_sale = forms.BooleanField(label=_l("Meteen in de verkoop"), required=False, initial=True)

    def clean_starts(self) -> list[dt.datetime]:
        result = []
        for line in self.cleaned_data["starts"].splitlines():
            if not line.strip():
                continue
            naive = _start(line)
            if naive is None:
                raise ValidationError(_("'%(line)s' is geen datum en tijd.") % {"line": " ".join(line.split())})
            result.append(timezone.make_aware(naive))
        if not result:
            raise ValidationError(_("Geef ten minste één aanvangstijd."))
        return result


@allow(purpose="ticket_sales")
def programme_new(request: HttpRequest) -> HttpResponse:
    form = ProgrammeForm(request.POST or None)
    presale = PresaleForm(request.POST or None, prefix="presale")
    if request.method == "POST" and presale.is_valid() and form.is_valid():
        data = form.cleaned_data
        prices = {k: int(data[k] * 100) for k in PriceKind.values if data.get(k) is not None}
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
                members_from=presale.cleaned_data["members_from"],
                public_from=presale.cleaned_data["public_from"],
                actor=request.user,
                **work,
            )
        except ValidationError as exc:
            presale_errors = {k: v for k, v in exc.message_dict.items() if k in PRESALE_NAMES}
            if presale_errors:
                errors_to_form(presale, ValidationError(presale_errors), PRESALE_NAMES)
            rest = {k: v for k, v in exc.message_dict.items() if k not in PRESALE_NAMES}
            if rest:
                _errors(form, ValidationError(rest))
        except KolkError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s voorstelling in het programma gezet.",
                    "%(n)s voorstellingen in het programma gezet.",
                    len(shows),
                )
                % {"n": len(shows)},
            )
            return redirect("desk:boxoffice")
    return render(request, "desk/boxoffice/programme.html", {"form": form, "presale": presale})


def _show(show_id: int) -> Show:
    try:
        return selectors.show_get(show_id)
    except Show.DoesNotExist as exc:
        raise Http404 from exc


AMOUNT = re.compile(r"^(?:€\s*)?(\d{1,6})(?:[,.](\d{1,2}))?$")


def _cents(text: str) -> int:
    """An amount as staff type it (`50`, `50,00`, `€ 20,5`) in cents; Invalid for anything else."""
    text = text.strip()
    if not text:
        return 0
    match = AMOUNT.match(text)
    if match is None:
        raise Invalid(
            _("Ontvangen bedrag: typ een bedrag, bijvoorbeeld 50 of 42,50."),
            fields={"given": [_("Typ een bedrag, bijvoorbeeld 50 of 42,50.")]},
        )
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


@dataclass
class TillInput:
    """The till's POST: chosen seats with a price kind each, or a number of best seats; how it is paid."""

    seat_ids: list[int] = dc_field(default_factory=list)
    prices: dict[int, str] = dc_field(default_factory=dict)
    quantity: int = 0
    method: str = Order.Method.CASH
    given: str = ""


def _till_input(request: HttpRequest, show: Show) -> TillInput:
    data = request.POST
    kinds = {p.kind for p in show.prices.all()}
    got = TillInput(method=data.get("method", Order.Method.CASH), given=data.get("given", "")[:20])
    for raw in data.getlist("seat")[:50]:
        if not raw.isdigit() or len(raw) > 10:
            raise Invalid(_("Kies stoelen op het stoelenplan."), fields={"seat": [_("Onbekende stoel.")]})
        seat_id = int(raw)
        got.seat_ids.append(seat_id)
        kind = data.get(f"price_{seat_id}", PriceKind.REGULAR)
        if kind not in kinds:
            raise Invalid(_("Dit tarief is er niet voor deze voorstelling."), fields={"seat": [_("Onbekend tarief.")]})
        got.prices[seat_id] = kind
    if not got.seat_ids:
        raw = data.get("quantity", "").strip()
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_TICKETS:
            raise Invalid(
                _("Kies stoelen op het stoelenplan of een aantal beste plaatsen."),
                fields={"seat": [_("Nog geen stoel gekozen.")]},
            )
        got.quantity = int(raw)
    if got.method not in (Order.Method.CASH, Order.Method.CARD):
        raise Invalid(_("Kies contant of pin."), fields={"method": [_("Kies contant of pin.")]})
    return got


def _price_options(show: Show) -> list[dict[str, Any]]:
    """The show's prices for the till's tickets, regular first, then by amount, highest first."""
    ordered = sorted(show.prices.all(), key=lambda p: (p.kind != PriceKind.REGULAR, -p.amount_cents))
    return [{"kind": p.kind, "label": str(p.get_kind_display()), "cents": p.amount_cents} for p in ordered]


CHANGE_KEY = "kolk.till.change"
# The till lists a show's newest orders; an older one is found by its number, email or name.
ORDERS_SHOWN = 100


def _show_orders(show: Show) -> list[Order]:
    return list(selectors.orders_for_show(show)[:ORDERS_SHOWN])


def _sold(show: Show) -> list[tuple[str, int]]:
    """Tickets sold per price, in the till's words (normaal, jeugd, 65+ ...), in the order of the prices."""
    stats = selectors.show_stats(show)
    return [(str(label), stats[kind]) for kind, label in PriceKind.choices if stats.get(kind, 0) > 0]


@allow(purpose="ticket_sales")
def show_page(request: HttpRequest, show_id: int) -> HttpResponse:
    """The till of one show: seats picked on the map, a price per ticket, cash (change due) or pin."""
    show = _show(show_id)
    error: KolkError | None = None
    chosen: TillInput = TillInput()
    if request.method == "POST":
        try:
            chosen = _till_input(request, show)
            sale = till_sale(
                show=show,
                seat_ids=chosen.seat_ids,
                quantity=chosen.quantity,
                prices=chosen.prices,
                method=chosen.method,
                given_cents=_cents(chosen.given) if chosen.method == Order.Method.CASH else 0,
                code=request.POST.get("code", "")[:64],
                # In the members' presale only: the pass staff scanned, current or not (the library's yes or no).
                member_pass_seen=member_pass_seen(request, request.POST.get("pass", "")) if in_presale(show) else False,
                actor=request.user,
            )
        except ValidationError as exc:
            error = invalid_from(exc)
        except KolkError as exc:
            error = exc
        else:
            request.session[CHANGE_KEY] = {"order": sale.order.pk, "given": sale.given_cents}
            return redirect("desk:boxoffice_order", order_id=sale.order.pk)
    rows = selectors.seat_map(show) if show.hall.is_seated else []
    return render(
        request,
        "desk/boxoffice/till.html",
        {
            "show": show,
            "rows": rows,
            "available": selectors.seats_available(show),
            "stats": _sold(show),
            "prices": _price_options(show),
            "error": error,
            "chosen": chosen,
            "max_tickets": MAX_TICKETS,
            "age": age_to_check(show),
            "presale_until": in_words(show.public_from) if show.public_from and in_presale(show) else "",
            "orders": _show_orders(show),
            "orders_shown": ORDERS_SHOWN,
        },
        status=error.status if error is not None else 200,
    )


@allow(purpose="age_check")
@require_POST
def age_view(request: HttpRequest, show_id: int) -> HttpResponse:
    """The till's Kijkwijzer check: a scanned member pass answered "16+: ja / nee / onbekend", never the date."""
    show = _show(show_id)
    answer: AgeCheck | None = None
    problem = ""
    raw = request.POST.get("pass", "")[:40]
    try:
        answer = age_check_pass(pass_number=raw, show=show, actor=request.user)
    except NotFound:
        problem = _("Onbekende pas: vraag een legitimatiebewijs.")
    if answer is None and not problem:
        problem = _("Voor deze voorstelling is geen leeftijdscontrole nodig.")
    context = {"show": show, "age_answer": answer, "age_problem": problem}
    if request.headers.get("HX-Request"):
        return render(request, "desk/boxoffice/_age.html", context)
    return render(
        request,
        "desk/boxoffice/till.html",
        {
            **context,
            "rows": selectors.seat_map(show) if show.hall.is_seated else [],
            "available": selectors.seats_available(show),
            "stats": _sold(show),
            "prices": _price_options(show),
            "chosen": TillInput(),
            "max_tickets": MAX_TICKETS,
            "age": age_to_check(show),
            "orders": _show_orders(show),
            "orders_shown": ORDERS_SHOWN,
        },
    )


def _order(order_id: int) -> Order:
    try:
        return selectors.order_for_till(order_id)
    except Order.DoesNotExist as exc:
        raise Http404 from exc


@allow(purpose="ticket_sales")
def order_page(request: HttpRequest, order_id: int) -> HttpResponse:
    """An order at the till: its seats and tickets (with their QR codes), the receipt, and what can be done."""
    order = _order(order_id)
    tickets = selectors.order_tickets(order)
    change = request.session.get(CHANGE_KEY) or {}
    given = int(change.get("given", 0)) if change.get("order") == order.pk else 0
    return render(
        request,
        "desk/boxoffice/order.html",
        {
            "order": order,
            "show": order.show,
            "tickets": [(t, qr_svg(t.code, scale=4)) for t in tickets],
            "several": len({t.show_id for t in tickets}) > 1,  # a basket: each ticket names its show
            "show_count": len({t.show_id for t in tickets}),
            "given": given,
            "change": max(0, given - order.total_cents) if given else 0,
            "paid": order.status == Order.Status.PAID,
            # A 16+ film: the buyer's age as yes, no or unknown (a walk-in is unknown: ask for an ID).
            "age_answer": age_check(person_id=order.person_id, show=order.show, actor=request.user),
        },
    )


@allow(purpose="ticket_sales")
def order_tickets_pdf(request: HttpRequest, order_id: int, paper: str) -> HttpResponse:
    """A paid order's tickets to print at the till: A4, or strips for the 80 mm receipt printer."""
    order = _order(order_id)
    if paper not in PAPERS:
        raise Http404
    if order.status != Order.Status.PAID:
        raise KolkError(_("Alleen een betaalde bestelling heeft kaartjes."), code="not_paid")
    pdf = tickets_pdf(order, list(selectors.order_tickets(order)), paper=paper)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="kaartjes-{order.pk}-{paper}.pdf"'
    return response


@allow(purpose="ticket_sales")
def orders_find_view(request: HttpRequest) -> HttpResponse:
    """Find an order by number, email or name: POSTed, so no buyer's name or address is in a URL."""
    query = request.POST.get("q", "")[:200] if request.method == "POST" else ""
    found = selectors.orders_find(query) if query else None
    if found is not None:
        audit_log(actor=request.user, action="order.searched", details={"found": [o.pk for o in found]})
    if found is not None and len(found) == 1 and query.strip().lstrip("#").isdigit():
        return redirect("desk:boxoffice_order", order_id=found[0].pk)
    return render(request, "desk/boxoffice/orders.html", {"query": query, "found": found})


@allow(purpose="ticket_sales")
@require_POST
def order_resend(request: HttpRequest, order_id: int) -> HttpResponse:
    """Mail a paid order's tickets again, to the address it was bought with."""
    order = _order(order_id)
    if order.status != Order.Status.PAID or not order.buyer_email:
        messages.error(request, _("Deze bestelling heeft geen e-mailadres of is niet betaald: print de kaartjes."))
    else:
        tickets_resend(order=order, actor=request.user)
        messages.success(request, _("De kaartjes gaan opnieuw naar %(email)s.") % {"email": order.buyer_email})
    return redirect("desk:boxoffice_order", order_id=order.pk)


@allow(purpose="ticket_sales")
def checkin(request: HttpRequest, show_id: int) -> HttpResponse:
    """The door: one scan (scanner, camera or typed), a result readable from two metres, who is in."""
    show = _show(show_id)
    result = None
    answer = None
    if request.method == "POST":
        result = ticket_check_in(code=request.POST.get("code", "")[:64], show=show, actor=request.user)
        answer = _door_age(result, show, request.user)
    return render(
        request,
        "desk/boxoffice/checkin.html",
        {"show": show, "result": result, "count": door_count(show), "age_answer": answer, "age": age_to_check(show)},
    )


def _door_age(result: CheckIn, show: Show, actor: Actor) -> AgeCheck | None:
    """At the door of a 16+ film, a ticket let in (or seen before) says whether its buyer is old enough."""
    if result.ticket is None or result.result not in ("ok", "already"):
        return None
    return age_check(person_id=result.ticket.order.person_id, show=show, actor=actor)


@allow(purpose="ticket_sales")
def door_count_view(request: HttpRequest, show_id: int) -> HttpResponse:
    """The door's counter alone, for polling."""
    show = _show(show_id)
    return render(request, "desk/boxoffice/_door_count.html", {"show": show, "count": door_count(show)})


@allow(purpose="ticket_sales")
def door_codes(request: HttpRequest, show_id: int) -> JsonResponse:
    """The show's valid codes for a door that may lose the network: a hash of each, with its seat."""
    show = _show(show_id)
    return JsonResponse({"show": show.pk, "codes": dict(door_list(show))})


def _scan_time(raw: Any, show: Show) -> dt.datetime:
    """When a door scanned offline: an ISO time on the show's day, not in the future."""
    try:
        at = dt.datetime.fromisoformat(str(raw)[:40])
    except ValueError as exc:
        raise BadRequest(_("Onbekend tijdstip van een scan.")) from exc
    if timezone.is_naive(at):
        raise BadRequest(_("Onbekend tijdstip van een scan."))
    if at > timezone.now() + dt.timedelta(minutes=5) or abs(at - show.starts_at) > dt.timedelta(hours=12):
        raise BadRequest(_("Deze scan hoort niet bij deze voorstelling."))
    return at.replace(microsecond=(at.microsecond // 1000) * 1000)


@allow(purpose="ticket_sales")
@require_POST
def door_sync(request: HttpRequest, show_id: int) -> JsonResponse:
    """Scans from the door's page as JSON {"scans": [{"code", "at"?}]}: one scan online, the queue when back.

    Each is applied once (a scan sent again is the same check-in); the answer has a result per scan
    and the counter."""
    show = _show(show_id)
    if request.content_type != "application/json":
        raise BadRequest(_("Deze scans kan de deur niet lezen."))
    try:
        body = json.loads(request.body or b"{}")
        raw = body["scans"]
        if not isinstance(raw, list) or len(raw) > MAX_SYNC:
            raise TypeError
        scans = [(str(s["code"])[:64], _scan_time(s["at"], show) if s.get("at") else timezone.now()) for s in raw]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadRequest(_("Deze scans kan de deur niet lezen.")) from exc
    results = checkins_sync(show=show, scans=scans, actor=request.user)
    count = door_count(show)
    # A scan made now (not one from the offline queue) of a 16+ film carries its buyer's age check.
    live = len(raw) == 1 and not raw[0].get("at")
    ages = [_door_age(r, show, request.user) if live else None for r in results]
    return JsonResponse(
        {
            "results": [
                {
                    "code": code,
                    "result": r.result,
                    "tone": r.tone,
                    "message": r.message,
                    "seat": r.seat,
                    "age": {"label": a.label, "tone": a.tone, "advice": a.advice} if a is not None else None,
                }
                for (code, _at), r, a in zip(sorted(scans, key=lambda s: s[1]), results, ages, strict=True)
            ],
            "inside": count.inside,
            "sold": count.sold,
        }
    )


@allow(purpose="ticket_sales")
@require_POST
def order_cancel_view(request: HttpRequest, token: str) -> HttpResponse:
    """Cancel (and refund) an order: the first POST asks once what will happen, the confirmed one does it."""
    try:
        order = selectors.order_by_token(token[:32])
    except Order.DoesNotExist as exc:
        raise Http404 from exc
    refund = order.status == Order.Status.PAID
    if request.POST.get("confirm") != "1":
        tickets = selectors.order_tickets(order)
        return render(
            request,
            "desk/boxoffice/cancel.html",
            {
                "order": order,
                "show": order.show,
                "refund": refund,
                "tickets": tickets,
                # Freed seats of a show people wait for go to its waiting list first: staff say so.
                "waiting": selectors.waiting_count(sorted({t.show_id for t in tickets})),
            },
        )
    try:
        order_cancel(order=order, refund=refund, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        if refund:
            messages.success(
                request,
                _("Bestelling %(id)s geannuleerd; %(amount)s terugbetalen (%(method)s).")
                % {"id": order.pk, "amount": euros(order.total_cents), "method": order.get_method_display()},
            )
        else:
            messages.success(request, _("Bestelling %(id)s geannuleerd.") % {"id": order.pk})
    return redirect("desk:boxoffice_order", order_id=order.pk)
