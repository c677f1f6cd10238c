"""The public ticket shop: programme, a show's seat map, the order with checkout and payment.

Role: anyone. A guest reaches their order through its secret token (in the
URL and in their session); a logged-in member buys as themselves.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, PriceKind, Show
from kolk.boxoffice.pdf import tickets_pdf
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.payments import payment_start
from kolk.boxoffice.services.pending import CHECKING, FAILED, PAID, order_payment_state
from kolk.boxoffice.services.presale import in_presale, in_words
from kolk.boxoffice.services.selling import MAX_TICKETS, order_cancel, order_checkout, seats_hold
from kolk.boxoffice.tickets import qr_svg
from kolk.boxoffice.wallet import wallet_pass
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.forms import refusal_to_form
from kolk.core.validators import no_control_characters
from kolk.library.selectors import subscription_current
from kolk.web.basket import basket_lines, current_basket, show_basket
from kolk.web.cookies import cookie_consent
from kolk.web.security import content_security_policy


def member_pass_current(person: Any) -> bool:
    """Whether a member's library pass is current (their own or their family's subscription runs): yes or no,
    read by the library for the member price (purpose ticket_sales, register row T06)."""
    return subscription_current(person) is not None


STEPS = (("seats", _("Stoelen")), ("details", _("Gegevens")), ("pay", _("Betalen")), ("done", _("Klaar")))


def steps(current: str) -> list[dict[str, Any]]:
    """The shop's steps for its step indicator: each done, current or still to come."""
    at = [key for key, _label in STEPS].index(current)
    return [
        {"label": label, "number": i + 1, "state": "done" if i < at else "current" if i == at else "todo"}
        for i, (_key, label) in enumerate(STEPS)
    ]


ORDER_STEP: dict[str, str] = {
    Order.Status.HELD: "details",
    Order.Status.PENDING_PAYMENT: "pay",
    Order.Status.PAID: "done",
}


def _member(request: HttpRequest) -> Any:
    return getattr(request.user, "person", None) if request.user.is_authenticated else None


def _show(show_id: int) -> Show:
    try:
        return selectors.show_get(show_id)
    except Show.DoesNotExist as exc:
        raise Http404 from exc


def _order(token: str) -> Order:
    try:
        return selectors.order_by_token(token[:32])
    except Order.DoesNotExist as exc:
        raise Http404 from exc


def programme(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("soort", "")
    kind = kind if kind in Show.Kind.values else ""
    return render(
        request,
        "web/shop/programme.html",
        {"shows": selectors.programme(kind=kind), "kind": kind, "basket": current_basket(request)},
    )


class HoldForm(forms.Form):
    seat = forms.TypedMultipleChoiceField(coerce=int, required=False)
    quantity = forms.IntegerField(label=_("Aantal kaartjes"), min_value=1, max_value=MAX_TICKETS, required=False)

    def __init__(self, *args: Any, seat_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seat"].choices = [(pk, pk) for pk in seat_ids]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("seat") and not data.get("quantity"):
            raise ValidationError(_("Kies stoelen op de plattegrond of een aantal kaartjes."))
        return data


def _presale_words(show: Show) -> dict[str, str]:
    """A show's presale as the buyer reads it before choosing seats: when the sale starts, or until when
    only members buy (dates in a sentence: 11 december 2026)."""
    at = now()
    if show.members_from is not None and at < show.members_from:
        return {"sale_from": in_words(show.members_from)}
    if in_presale(show) and show.public_from is not None:
        return {"presale_until": in_words(show.public_from)}
    return {}


def show_page(request: HttpRequest, show_id: int) -> HttpResponse:
    show = _show(show_id)
    rows = selectors.seat_map(show) if show.hall.is_seated else []
    seat_ids = [s.seat_id for _row, seats in rows for s in seats]
    form = HoldForm(request.POST or None, seat_ids=seat_ids)
    if request.method == "POST" and form.is_valid():
        try:
            member = _member(request)
            order = seats_hold(
                show=show,
                seat_ids=form.cleaned_data["seat"] or (),
                quantity=form.cleaned_data["quantity"] or 0,
                person=member,
                # A members' presale: only then the library is asked, yes or no, whether the pass is current.
                member=bool(in_presale(show) and member is not None and member_pass_current(member)),
                actor=request.user,
            )
        except (ValidationError, KolkError) as exc:
            form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc.message))
        else:
            request.session.setdefault("orders", []).append(order.token)
            request.session.modified = True
            return redirect("web:shop:order", token=order.token)
    return render(
        request,
        "web/shop/show.html",
        {
            "show": show,
            "rows": rows,
            "form": form,
            "available": selectors.seats_available(show),
            "max": MAX_TICKETS,
            "steps": steps("seats"),
            **show_basket(request, show, rows),  # a basket: this show's seats in it ticked, added to it
            # Free seating goes into an order of its own: a buyer with a basket is told it is paid apart.
            "apart_from": None if show.hall.is_seated else current_basket(request),
            **_presale_words(show),
        },
    )


class CheckoutForm(forms.Form):
    buyer_name = forms.CharField(label=_("Naam"), max_length=200, validators=[no_control_characters])
    buyer_email = forms.EmailField(label=_("E-mailadres"), validators=[no_control_characters])
    buyer_phone = forms.CharField(
        label=_("Telefoonnummer (niet verplicht)"), max_length=20, required=False, validators=[no_control_characters]
    )

    def __init__(self, *args: Any, tickets: list[Any], prices: dict[int, list[Any]], **kwargs: Any) -> None:
        """`prices`: per show the prices to choose from (a basket's tickets are of several shows)."""
        super().__init__(*args, **kwargs)
        several = len({t.show_id for t in tickets}) > 1
        free_places: dict[int, int] = {}  # per show, the free places counted 1, 2, 3 (never a ticket's id)
        for ticket in tickets:
            if ticket.seat is None:
                free_places[ticket.show_id] = free_places.get(ticket.show_id, 0) + 1
            label = (
                _("Tarief rij %(row)s stoel %(number)s") % {"row": ticket.seat.row, "number": ticket.seat.number}
                if ticket.seat
                else _("Tarief kaartje %(n)s") % {"n": free_places[ticket.show_id]}
            )
            if several:
                label = f"{ticket.show.title}: {label}"
            self.fields[f"price_{ticket.pk}"] = forms.ChoiceField(
                label=label, choices=[(p.kind, str(p)) for p in prices[ticket.show_id]], initial=PriceKind.REGULAR
            )


def order_page(request: HttpRequest, token: str) -> HttpResponse:
    order = _order(token)
    tickets = selectors.order_tickets_by_show(order) if order.series_id else selectors.order_tickets(order)
    prices = selectors.prices_by_show(t.show_id for t in tickets)  # a basket's tickets are of several shows
    form = None
    # A waiting-list offer is bought as offered: no other seats, no basket; its name and address known.
    offer = waitlist.offer_of(order)
    if order.status == Order.Status.HELD:
        # A theaterabonnement has the series' price: no price to choose per ticket.
        priced = [] if order.series_id else list(tickets)
        known = {"buyer_name": order.buyer_name, "buyer_email": order.buyer_email} if offer else None
        form = CheckoutForm(request.POST or None, tickets=priced, prices=prices, initial=known)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            member = _member(request)
            wants_member_price = any(data[f"price_{t.pk}"] == PriceKind.MEMBER for t in priced)
            try:
                order_checkout(
                    order=order,
                    buyer_name=data["buyer_name"],
                    buyer_email=data["buyer_email"],
                    buyer_phone=data["buyer_phone"],
                    prices={t.pk: data[f"price_{t.pk}"] for t in priced},
                    person=member,
                    # The member price: the pass checked against the library, yes or no (row T06).
                    member_pass_valid=member_pass_current(member) if wants_member_price and member else None,
                    actor=request.user,
                )
            except ValidationError as exc:
                refusal_to_form(form, exc)
            except KolkError as exc:
                form.add_error(None, str(exc.message))
            else:
                return redirect("web:shop:order", token=order.token)
    qr = {t.pk: qr_svg(t.code) for t in tickets} if order.status == Order.Status.PAID else {}
    response = render(
        request,
        "web/shop/order.html",
        {
            "order": order,
            "show": order.show,
            "tickets": [(t, qr.get(t.pk)) for t in tickets],
            "form": form,
            "steps": steps(ORDER_STEP[order.status]) if order.status in ORDER_STEP else None,
            "series": series_summary(order, tickets) if order.series_id else None,
            "basket": None if order.series_id or offer else basket_lines(tickets),
            # Free seating is an order of its own: no seats to change, no show to add to it; a basket the
            # buyer also holds is paid apart, so the page says where it is.
            "seated": order.show.hall.is_seated,
            "other_basket": _other_basket(request, order),
            "offer": offer,
            "invoice_ok": all(t.show.kind == Show.Kind.THEATRE for t in tickets),
        },
    )
    if order.status == Order.Status.PENDING_PAYMENT:
        allow_mollie_checkout(request, response)
    return response


def _other_basket(request: HttpRequest, order: Order) -> Order | None:
    """The buyer's basket, when this held order (free seating) is not it: it is paid apart."""
    if order.status != Order.Status.HELD or order.show.hall.is_seated or order.series_id:
        return None
    basket = current_basket(request)
    return basket if basket is not None and basket.pk != order.pk else None


def series_summary(order: Order, tickets: Any) -> dict[str, Any]:
    """A theaterabonnement on its order page: its shows, and the seats that are the same in each."""
    shows: dict[int, Any] = {}
    seats: dict[int, set[tuple[int, int]]] = {}
    for t in tickets:
        shows.setdefault(t.show_id, t.show)
        seats.setdefault(t.show_id, set()).add((t.seat.row, t.seat.number) if t.seat else (0, 0))
    same = sorted(next(iter(seats.values()), set())) if len({frozenset(s) for s in seats.values()}) == 1 else []
    return {"name": order.series.name if order.series else "", "shows": list(shows.values()), "same_seats": same}


MOLLIE_CHECKOUT = "https://www.mollie.com"


def allow_mollie_checkout(request: HttpRequest, response: HttpResponse) -> None:
    """The pay form is answered with a redirect to Mollie's checkout: let this page's form go there."""
    consent = cookie_consent(request)
    policy = content_security_policy(
        analytics=consent.analytics and bool(settings.KOLK_GA_MEASUREMENT_ID), social=consent.social
    )
    response["Content-Security-Policy"] = policy.replace("form-action 'self'", f"form-action 'self' {MOLLIE_CHECKOUT}")


@require_POST
def order_pay_view(request: HttpRequest, token: str) -> HttpResponse:
    order = _order(token)
    method = request.POST.get("method", "ideal")
    # Back from iDEAL (paid, failed or cancelled at the bank), the buyer waits on the payment page.
    back = request.build_absolute_uri(reverse("web:shop:payment", args=[order.token]))
    try:
        started = payment_start(
            order=order,
            method=method,
            actor=request.user,
            return_url=back,
            webhook_url=request.build_absolute_uri(reverse("api:boxoffice_mollie_webhook")),
        )
    except KolkError as exc:
        messages.error(request, str(exc.message))
        return redirect("web:shop:order", token=order.token)
    if started.redirect_url:
        return HttpResponseRedirect(started.redirect_url)
    return redirect("web:shop:order", token=order.token)


def _paid_order(token: str) -> Order:
    order = _order(token)
    if order.status != Order.Status.PAID:
        raise KolkError(_("Deze bestelling is (nog) niet betaald: er zijn nog geen kaartjes."), code="not_paid")
    return order


def tickets_pdf_view(request: HttpRequest, token: str) -> HttpResponse:
    """A paid order's tickets as a PDF on A4, for whoever holds the order's secret."""
    order = _paid_order(token)
    pdf = tickets_pdf(order, list(selectors.order_tickets(order)), paper="a4")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="kaartjes.pdf"'
    return response


def ticket_wallet(request: HttpRequest, token: str, code: str) -> HttpResponse:
    """One ticket as an Apple Wallet pass; refused with a clear message while kolk has no pass certificate."""
    order = _paid_order(token)
    ticket = next((t for t in selectors.order_tickets(order) if t.code == code[:24]), None)
    if ticket is None:
        raise Http404
    built = wallet_pass(order, ticket)
    if not built.signed:
        raise KolkError(built.message, code="wallet_unsigned")
    response = HttpResponse(built.content, content_type="application/vnd.apple.pkpass")
    response["Content-Disposition"] = f'attachment; filename="kaartje-{ticket.code}.pkpass"'
    return response


@require_POST
def order_release(request: HttpRequest, token: str) -> HttpResponse:
    """The buyer goes back: the held (or unpaid) seats are given back at once, to choose others."""
    order = _order(token)
    if order.status not in (Order.Status.HELD, Order.Status.PENDING_PAYMENT):
        raise KolkError(_("Deze bestelling kan niet meer worden vrijgegeven."), code="not_releasable")
    several = order.tickets.values("show_id").distinct().count() > 1
    order_cancel(order=order, actor=request.user)
    messages.success(request, _("Je plaatsen zijn vrijgegeven. Kies opnieuw."))
    if order.series_id:  # a theaterabonnement: choose its seats again for the series' shows
        return redirect("web:shop:series", series_id=order.series_id)
    if several:  # a basket of several shows: back to the programme
        return redirect("web:shop:programme")
    return redirect("web:shop:show", show_id=order.show_id)


def payment_page(request: HttpRequest, token: str) -> HttpResponse:
    """Back from iDEAL: the payment is being checked (the page asks again by itself, shop.js), then
    the tickets; failed, the buyer pays again or chooses other seats (the held ones go back)."""
    order = _order(token)
    state = order_payment_state(order=order)
    if state == PAID:
        return redirect("web:shop:order", token=order.token)
    tickets = selectors.order_tickets(order)
    response = render(
        request,
        "web/shop/payment.html",
        {
            "order": order,
            "show": order.show,
            "state": state,
            "tickets": tickets,
            "several": len({t.show_id for t in tickets}) > 1,  # a basket or a theaterabonnement
            "steps": steps("pay"),
        },
    )
    if state == FAILED:
        allow_mollie_checkout(request, response)
    return response


def payment_status(request: HttpRequest, token: str) -> JsonResponse:
    """The payment page's own question, every few seconds: still checking, or where to go now."""
    order = _order(token)
    state = order_payment_state(order=order)
    target = "web:shop:order" if state == PAID else "web:shop:payment"
    return JsonResponse({"state": state, "checking": state == CHECKING, "next": reverse(target, args=[order.token])})
