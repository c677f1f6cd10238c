"""The portal's sections over the other apps: subscription, loans, reservations,
tickets, invoices, messages and privacy requests; and the public catalogue.

Role: member (kolk.web.portal.member_required) for the portal pages; the
catalogue is public. Every view works on the logged-in member's Person; an id
in a URL goes through owned_or_404 (404 and portal.denied for anyone else's).
Each action is recorded as a PortalEvent with its audit entry.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.billing.pdf import invoice_pdf
from kolk.billing.selectors import active_mandate_of, invoices_for, open_amount_cents
from kolk.boxoffice.models import Order
from kolk.boxoffice.tickets import qr_svg
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.core.money import euros
from kolk.core.roles import Role, has_role
from kolk.library.models import Block, Branch, Reservation, Title
from kolk.library.models.catalogue import MediaType
from kolk.library.search import catalogue_facets, catalogue_matches, catalogue_narrow, catalogue_similar
from kolk.library.selectors import (
    blocks_standing,
    fines_uninvoiced_cents,
    home_branch_of,
    loans_open,
    subscription_current,
)
from kolk.library.services.loans import loan_renew
from kolk.library.services.reservations import reservation_cancel, reservation_place
from kolk.privacy.models import RightsRequest
from kolk.privacy.rights import TEXT_MAX, request_receive, request_text_clean, requests_of
from kolk.web.portal import client_ip, member_required, owned_or_404, register_section
from kolk.web.selectors import catalogue_availability, title_availability, title_queue
from kolk.web.services import portal_event_record
from kolk.web.shop_views import allow_mollie_checkout

register_section("subscription", gettext_lazy("Mijn abonnement"), "web:portal_subscription", order=30)
register_section("loans", gettext_lazy("Wat je hebt geleend"), "web:portal_loans", order=40)
register_section("reservations", gettext_lazy("Mijn reserveringen"), "web:portal_reservations", order=45)
register_section("tickets", gettext_lazy("Mijn kaartjes"), "web:portal_tickets", order=50)
register_section("invoices", gettext_lazy("Mijn facturen"), "web:portal_invoices", order=60)
register_section("messages", gettext_lazy("Mijn berichten"), "web:portal_messages", order=70)
register_section("rights", gettext_lazy("Privacyverzoek"), "web:portal_rights", order=80)

CATALOGUE_PAGE = 20  # results per page of the public catalogue

PORTAL_REQUEST_KINDS = (
    RightsRequest.Kind.EXPLANATION,
    RightsRequest.Kind.ACCESS,
    RightsRequest.Kind.CORRECTION,
    RightsRequest.Kind.ERASURE,
    RightsRequest.Kind.OBJECTION,
    RightsRequest.Kind.RESTRICTION,
    RightsRequest.Kind.COMPLAINT,
)


def _lang() -> str:
    return (get_language() or "nl")[:2]


def _event(request: HttpRequest, person: Any, action: str, **details: Any) -> None:
    portal_event_record(
        person=person, action=action, ip_address=client_ip(request), actor=request.user, details=details or None
    )


def _euros(cents: int) -> str:
    return euros(cents)


@member_required
def subscription(request: HttpRequest, person: Any) -> HttpResponse:
    """My subscription and any blocks on borrowing, with their reason."""
    current = subscription_current(person)
    blocks = [Block.Reason(reason).label for reason in blocks_standing(person)]
    context = {"person": person, "subscription": current, "blocks": blocks}
    return render(request, "web/portal/subscription.html", context)


@member_required
def loans(request: HttpRequest, person: Any) -> HttpResponse:
    """My open loans with their due date; each can be renewed here."""
    rows = list(loans_open(person).order_by("due_on", "pk"))
    return render(request, "web/portal/loans.html", {"person": person, "loans": rows, "today": today()})


@require_POST
@member_required
def loan_renew_view(request: HttpRequest, person: Any, loan_id: int) -> HttpResponse:
    loan = owned_or_404(request, person, loans_open(person), loan_id)
    try:
        renewed = loan_renew(loan=loan, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        _event(request, person, "loan_renewed", loan=loan.pk)
        messages.success(request, _("Verlengd tot %(date)s.") % {"date": date_format(renewed.due_on, "j F Y")})
        if charged := renewed.fine_cents - loan.fine_cents:
            messages.warning(
                request, _("Hij was te laat: je betaalt %(amount)s te-laat-geld.") % {"amount": euros(charged)}
            )
    return redirect("web:portal_loans")


def _reservations(person: Any) -> Any:
    return Reservation.objects.filter(person=person).select_related("title", "pickup_branch")


@member_required
def reservations(request: HttpRequest, person: Any) -> HttpResponse:
    """My reservations; a waiting or ready one can be cancelled."""
    rows = list(_reservations(person).order_by("-placed_at", "-pk")[:50])
    open_states = (Reservation.Status.WAITING, Reservation.Status.READY)
    context = {"person": person, "reservations": rows, "open_states": open_states}
    return render(request, "web/portal/reservations.html", context)


@require_POST
@member_required
def reservation_place_view(request: HttpRequest, person: Any) -> HttpResponse:
    """Reserve a title from the catalogue, for pickup at the chosen branch."""
    title = get_object_or_404(Title, pk=request.POST.get("title") or 0)
    branch = get_object_or_404(Branch, pk=request.POST.get("branch") or 0)
    try:
        made = reservation_place(title=title, person=person, pickup_branch=branch, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        _event(request, person, "reservation_placed", reservation=made.pk)
        messages.success(request, _("Gereserveerd: %(title)s.") % {"title": title.title})
    return redirect("web:portal_reservations")


@require_POST
@member_required
def reservation_cancel_view(request: HttpRequest, person: Any, reservation_id: int) -> HttpResponse:
    reservation = owned_or_404(request, person, _reservations(person), reservation_id)
    try:
        reservation_cancel(reservation=reservation, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        _event(request, person, "reservation_cancelled", reservation=reservation.pk)
        messages.success(request, _("Je reservering is geannuleerd."))
    return redirect("web:portal_reservations")


def _orders(person: Any) -> Any:
    return (
        Order.objects.filter(person=person, status=Order.Status.PAID)
        .select_related("show__hall__venue", "show__film", "show__production")
        .prefetch_related("tickets__seat", "tickets__price")
    )


def _order_row(order: Order, at: Any) -> dict[str, Any]:
    """An order with its tickets in seat order; an upcoming show's tickets carry their QR code."""
    upcoming = order.show.starts_at >= at
    ordered = sorted(order.tickets.all(), key=lambda t: (t.seat.row, t.seat.number, t.pk) if t.seat else (0, 0, t.pk))
    return {
        "order": order,
        "upcoming": upcoming,
        "tickets": [{"ticket": t, "qr": qr_svg(t.code, scale=5) if upcoming else ""} for t in ordered],
    }


@member_required
def tickets(request: HttpRequest, person: Any) -> HttpResponse:
    """My paid orders and their tickets: the next show first, then the ones that were; an upcoming
    ticket shows its QR code."""
    at = now()
    rows = [_order_row(order, at) for order in _orders(person).order_by("-show__starts_at", "-pk")[:50]]
    upcoming = [row for row in rows if row["upcoming"]]
    rows = upcoming[::-1] + rows[len(upcoming) :]
    return render(request, "web/portal/tickets.html", {"person": person, "orders": rows})


@member_required
def order_detail(request: HttpRequest, person: Any, order_id: int) -> HttpResponse:
    """One of my orders (by id: someone else's is 404 and logged)."""
    order = owned_or_404(request, person, _orders(person), order_id)
    context = {"person": person, "orders": [_order_row(order, now())], "one": True}
    return render(request, "web/portal/tickets.html", context)


@member_required
def invoices(request: HttpRequest, person: Any) -> HttpResponse:
    """My invoices with what is still open on each, and a button to pay it (and open fines) by iDEAL."""
    rows = []
    for inv in invoices_for(person)[:100]:
        unpaid = max(inv.total_cents - getattr(inv, "paid_cents", 0), 0) if inv.status == inv.Status.OPEN else 0
        rows.append({"invoice": inv, "open": _euros(unpaid) if unpaid else "", "total": _euros(inv.total_cents)})
    fines = fines_uninvoiced_cents(person)
    context = {
        "person": person,
        "invoices": rows,
        "open_total": _euros(open_amount_cents(person) + fines),
        "fines": _euros(fines) if fines else "",
        "mandate": active_mandate_of(person),
    }
    response = render(request, "web/portal/invoices.html", context)
    allow_mollie_checkout(request, response)  # "Betalen" is answered with a redirect to Mollie's checkout
    return response


@member_required
def invoice_download(request: HttpRequest, person: Any, invoice_id: int) -> HttpResponse:
    invoice = owned_or_404(request, person, invoices_for(person).prefetch_related("lines"), invoice_id)
    _event(request, person, "invoice_downloaded", invoice=invoice.pk)
    response = HttpResponse(invoice_pdf(invoice, lang=_lang()), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dnk-factuur-{invoice.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


class RightsRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Wat wil je vragen?"),
        choices=[(k.value, k.label) for k in PORTAL_REQUEST_KINDS],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=gettext_lazy("Waar gaat het over?"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "Nodig bij correctie, bezwaar en een klacht: welke gegevens, welk gebruik of wat er misging."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "kind" in data and "text" in data:
            try:
                data["text"] = request_text_clean(kind=data["kind"], text=data["text"])
            except KolkError as exc:
                for message in exc.fields.get("text", [str(exc.message)]):
                    self.add_error("text", message)
        return data


@member_required
def rights(request: HttpRequest, person: Any) -> HttpResponse:
    """Make a privacy request (D01-D08) and follow the ones made, with status and deadline."""
    form = RightsRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = request_receive(
                subject=person,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                channel="portal",
                actor=request.user,
            )
        except KolkError as exc:
            form.add_error(None, str(exc.message))
        else:
            _event(request, person, "rights_request", rights_request=made.pk, kind=made.kind)
            messages.success(
                request,
                _("Je verzoek is ontvangen. We antwoorden uiterlijk op %(date)s.")
                % {"date": date_format(made.due_on, "j F Y")},
            )
            return redirect("web:portal_rights")
    made_requests = list(requests_of(person.pk)[:50])
    status = 400 if request.method == "POST" else 200
    context = {"person": person, "form": form, "requests": made_requests}
    return render(request, "web/portal/rights.html", context, status=status)


def catalogue(request: HttpRequest) -> HttpResponse:
    """Role: public. Search the library's catalogue; each result with its availability and share links."""
    query = request.GET.get("q", "").strip()[:200]
    matches = catalogue_matches(query) if query else Title.objects.none()
    facets = catalogue_facets(matches) if query else {"media_type": [], "branch": []}
    similar = bool(query) and not facets["media_type"]  # every match has a media type: none means none
    if similar:  # nothing matches every word: a typo? show what is close, and say so
        matches = catalogue_similar(query)
        facets = catalogue_facets(matches)
    kind = request.GET.get("soort", "")
    kind = kind if kind in MediaType.values else ""
    branch_param = request.GET.get("vestiging", "")
    branch_id = int(branch_param) if branch_param.isdigit() and len(branch_param) < 10 else None
    available = request.GET.get("aanwezig") == "1"
    narrowed = catalogue_narrow(matches, media_type=kind, branch_id=branch_id, available=available)
    found = Paginator(narrowed, CATALOGUE_PAGE)
    page = found.get_page(request.GET.get("pagina"))
    titles = list(page.object_list)
    counts = catalogue_availability([t.pk for t in titles])
    results = [
        {
            "title": t,
            "available": counts.get(t.pk, (0, 0))[0],
            "copies": counts.get(t.pk, (0, 0))[1],
        }
        for t in titles
    ]
    person = _member_person(request) if results else None
    branches = list(Branch.objects.order_by("name")) if person is not None else []
    context = {
        "query": query,
        "results": results,
        "branches": branches,
        "usual_branch": getattr(home_branch_of(person), "pk", None) if person is not None else None,
        "page": page,
        "count": found.count,
        "facets": facets,
        "similar": similar,
        "chosen": {"soort": kind, "vestiging": branch_id, "aanwezig": available},
    }
    return render(request, "web/catalogue.html", context)


def _member_person(request: HttpRequest) -> Any:
    user = request.user
    person = getattr(user, "person", None)
    return person if person is not None and has_role(user, Role.MEMBER) else None


def catalogue_title(request: HttpRequest, title_id: int) -> HttpResponse:
    """Role: public. One title: its copies per branch, the queue, and (for a member) reserve for a branch."""
    title = get_object_or_404(Title, pk=title_id)
    person = _member_person(request)
    branches = list(Branch.objects.order_by("name")) if person is not None else []
    context = {
        "title": title,
        "availability": title_availability(title),
        "queue": title_queue(title, person),
        "branches": branches,
        "usual_branch": getattr(home_branch_of(person), "pk", None) if person is not None else None,
        "query": request.GET.get("q", "").strip()[:200],
    }
    return render(request, "web/catalogue_title.html", context)
