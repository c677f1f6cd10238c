"""Box-office endpoints: programme, seats, hold, checkout, pay, the till's sale, the Mollie webhook,
check-in, refunds.

Who may: anyone may read the programme and buy (a guest holds the order's secret
token); cash and card payments, the till's walk-in sale, check-in and
cancellation are for the staff roles that serve 'ticket_sales' in the register.
Refusals leave through the API's one error handler (kolk.api.api).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Form, Router, Schema, Status
from ninja.utils import check_csrf

from kolk.api.auth import API_AUTH
from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, Series, Show
from kolk.boxoffice.services.age import age_check
from kolk.boxoffice.services.checkin import ticket_check_in
from kolk.boxoffice.services.payments import box_office_sale, mollie_webhook, payment_start
from kolk.boxoffice.services.presale import in_presale
from kolk.boxoffice.services.selling import order_cancel, order_checkout, seats_hold
from kolk.boxoffice.services.voucher_sales import voucher_sale_webhook
from kolk.core.edge import on_site
from kolk.core.errors import Invalid, NotAllowed, NotFound
from kolk.library.selectors import subscription_current
from kolk.people.reach import person_reach
from kolk.people.selectors import person_id_by_pass
from kolk.privacy.permits import allow

router = Router(tags=["boxoffice"])


def _session_csrf(request: HttpRequest) -> None:
    """Open endpoints that honour a signed-in session check its CSRF token.

    Anyone may hold, check out and pay with a token and no session; but a
    session lends its roles (the box office's cash payment) and its member,
    so a cross-site request riding on it is refused like on any staff endpoint.
    """
    if request.user.is_authenticated and check_csrf(request) is not None:
        raise NotAllowed(_("De beveiligingscode van het formulier ontbreekt."), code="csrf")


def _member(request: HttpRequest) -> Any:
    user = request.user
    return getattr(user, "person", None) if user.is_authenticated else None


def presale_member(request: HttpRequest, *things: Show | Series) -> bool:
    """In a members' presale only, the library says yes or no: is the signed-in buyer's pass current?"""
    member = _member(request)
    return bool(in_presale(*things) and member is not None and subscription_current(member) is not None)


def _show(show_id: int) -> Show:
    try:
        return selectors.show_get(show_id)
    except Show.DoesNotExist as exc:
        raise NotFound(_("Deze voorstelling bestaat niet (meer).")) from exc


def _show_for_sale(show_id: int) -> Show:
    try:
        return selectors.show_for_sale(show_id)
    except Show.DoesNotExist as exc:
        raise NotFound(_("Deze voorstelling bestaat niet (meer).")) from exc


def _order(token: str) -> Order:
    try:
        return selectors.order_row(token)
    except Order.DoesNotExist as exc:
        raise NotFound(_("Deze bestelling bestaat niet (meer).")) from exc


class PriceOut(Schema):
    kind: str
    amount_cents: int
    vat_percent: int


class ShowOut(Schema):
    id: int
    kind: str
    title: str
    starts_at: dt.datetime
    venue: str
    hall: str
    seated: bool
    prices: list[PriceOut]


def _show_out(show: Show) -> ShowOut:
    return ShowOut(
        id=show.pk,
        kind=show.kind,
        title=show.title,
        starts_at=show.starts_at,
        venue=show.hall.venue.name,
        hall=show.hall.name,
        seated=show.hall.is_seated,
        prices=[
            PriceOut(kind=p.kind, amount_cents=p.amount_cents, vat_percent=p.vat_percent) for p in show.prices.all()
        ],
    )


@router.get("/programme", response=list[ShowOut], auth=None, summary="Upcoming shows on sale (anyone)")
@allow(public=True)
def programme_view(request: HttpRequest, kind: str = "", days: int = 60) -> list[ShowOut]:
    return [_show_out(s) for s in selectors.programme(kind=kind, days=min(max(days, 1), 366))]


@router.get("/shows/{show_id}", response=ShowOut, auth=None, summary="One show (anyone)")
@allow(public=True)
def show_view(request: HttpRequest, show_id: int) -> Any:
    return _show_out(_show(show_id))


class SeatOut(Schema):
    seat_id: int
    row: int
    number: int
    kind: str
    status: str


class SeatsOut(Schema):
    available: int
    seats: list[SeatOut]


@router.get("/shows/{show_id}/seats", response=SeatsOut, auth=None, summary="Seat availability")
@allow(public=True)
def seats_view(request: HttpRequest, show_id: int) -> Any:
    show = _show(show_id)
    seats = [SeatOut(**s.__dict__) for _row, row in selectors.seat_map(show) for s in row]
    return SeatsOut(available=selectors.seats_available(show), seats=seats)


class HoldIn(Schema):
    seat_ids: list[int] = []
    quantity: int = 0


class TicketOut(Schema):
    id: int
    show_id: int  # a theaterabonnement's tickets are for several shows
    row: int | None
    number: int | None
    price: str
    amount_cents: int
    code: str | None  # only once paid
    checked_in_at: dt.datetime | None


class OrderOut(Schema):
    id: int
    token: str
    show_id: int
    status: str
    total_cents: int
    expires_at: dt.datetime | None
    tickets: list[TicketOut]


def _order_out(order: Order) -> OrderOut:
    paid = order.status == Order.Status.PAID
    return OrderOut(
        id=order.pk,
        token=order.token,
        show_id=order.show_id,
        status=order.status,
        total_cents=order.total_cents,
        expires_at=order.expires_at,
        tickets=[
            TicketOut(
                id=t.pk,
                show_id=t.show_id,
                row=t.seat.row if t.seat else None,
                number=t.seat.number if t.seat else None,
                price=t.price.kind,
                amount_cents=t.amount_cents,
                code=t.code if paid else None,
                checked_in_at=t.checked_in_at,
            )
            for t in selectors.order_tickets(order)
        ],
    )


@router.post(
    "/shows/{show_id}/hold",
    response={201: OrderOut},
    auth=None,
    summary="Hold seats (anyone; keep the token)",
)
@allow(public=True)
def hold_view(request: HttpRequest, show_id: int, body: HoldIn) -> Any:
    _session_csrf(request)
    show = _show_for_sale(show_id)
    order = seats_hold(
        show=show,
        seat_ids=body.seat_ids,
        quantity=body.quantity,
        person=_member(request),
        member=presale_member(request, show),
        actor=request.user,
    )
    return Status(201, _order_out(order))


@router.get("/orders/{token}", response=OrderOut, auth=None, summary="An order by its token")
@allow(public=True)
def order_view(request: HttpRequest, token: str) -> Any:
    return _order_out(_order(token))


class CheckoutIn(Schema):
    buyer_name: str
    buyer_email: str
    buyer_phone: str = ""
    prices: dict[int, str] = {}


@router.post("/orders/{token}/checkout", response=OrderOut, auth=None, summary="Name, email, prices")
@allow(public=True)
def checkout_view(request: HttpRequest, token: str, body: CheckoutIn) -> Any:
    _session_csrf(request)
    order = order_checkout(
        order=_order(token),
        buyer_name=body.buyer_name,
        buyer_email=body.buyer_email,
        buyer_phone=body.buyer_phone,
        prices=body.prices,
        person=_member(request),
        actor=request.user,
    )
    return _order_out(order)


class PayIn(Schema):
    method: str  # ideal (anyone), cash or card (box office), invoice (theatre)
    return_url: str = ""


class PayOut(Schema):
    status: str
    redirect_url: str


def webhook_url() -> str:
    return settings.KOLK_SITE_URL.rstrip("/") + reverse("api:boxoffice_mollie_webhook")


@router.post("/orders/{token}/pay", response=PayOut, auth=None, summary="Pay (iDEAL or at the box office)")
@allow(public=True)
def pay_view(request: HttpRequest, token: str, body: PayIn) -> Any:
    _session_csrf(request)
    order = _order(token)
    # Back to kolk only: the same scheme, host and port as the site, never a look-alike host.
    return_url = body.return_url if on_site(body.return_url, settings.KOLK_SITE_URL) else settings.KOLK_SITE_URL
    started = payment_start(
        order=order, method=body.method, actor=request.user, return_url=return_url, webhook_url=webhook_url()
    )
    return PayOut(status=started.order.status, redirect_url=started.redirect_url)


@router.post(
    "/payments/mollie/webhook",
    auth=None,
    url_name="boxoffice_mollie_webhook",
    summary="Mollie's webhook: the status is fetched from Mollie, never taken from the call",
)
@allow(public=True)
def mollie_webhook_view(request: HttpRequest, id: Form[str]) -> dict[str, str]:  # Mollie posts `id`
    result = mollie_webhook(payment_id=id)
    if result == "unknown":  # no order's payment: a gift voucher bought online, or none of ours
        result = voucher_sale_webhook(payment_id=id)
    return {"result": result}


class CheckInIn(Schema):
    code: str
    show_id: int


class AgeCheckOut(Schema):
    """A 16+ (18+) film's Kijkwijzer check of the ticket's buyer: yes, no or unknown, never a birth date."""

    age: int
    answer: str  # yes, no, unknown
    label: str


class CheckInOut(Schema):
    result: str
    message: str
    at: dt.datetime | None
    age_check: AgeCheckOut | None = None


@router.post("/checkin", response=CheckInOut, auth=API_AUTH, summary="Scan a ticket (box office)")
@allow(purpose="ticket_sales")
def checkin_view(request: HttpRequest, body: CheckInIn) -> Any:
    show = _show(body.show_id)
    result = ticket_check_in(code=body.code, show=show, actor=request.user)
    answer = None
    if result.ticket is not None and result.result in ("ok", "already"):
        answer = age_check(person_id=result.ticket.order.person_id, show=show, actor=request.user)
    return CheckInOut(
        result=result.result,
        message=result.message,
        at=result.at,
        age_check=AgeCheckOut(age=answer.age, answer=answer.answer, label=answer.label) if answer else None,
    )


class SaleIn(Schema):
    seat_ids: list[int] = []
    quantity: int = 0
    method: str  # cash or card
    pass_number: str = Field(
        "",
        max_length=40,
        description=(
            "The member's pass number, scanned at the till: needed only while the show is in its members' "
            "presale, and ignored after it."
        ),
    )


def _member_pass_seen(request: HttpRequest, raw: str) -> bool:
    """A scanned pass in a presale, as the desk's till checks it: True for a member whose subscription runs.

    An unknown pass or one without a current subscription is refused at the field `pass_number` (422);
    no pass is no member, and the presale then refuses the sale (409, code `presale`). The library
    answers yes or no; staff reach the member for ticket_sales (a logged staff read).
    """
    number = raw.strip()
    if not number:
        return False
    person_id = person_id_by_pass(number)
    if person_id is None:
        raise Invalid(
            _("Onbekende pas."), fields={"pass_number": [_("Onbekende pas: kijk het nummer na of scan opnieuw.")]}
        )
    person = person_reach(actor=request.user, person_id=person_id, purpose="ticket_sales")
    if subscription_current(person) is None:
        text = _("Deze pas hoort niet bij een lopend abonnement: in de voorverkoop koopt alleen een lid.")
        raise Invalid(text, fields={"pass_number": [text]})
    return True


@router.post(
    "/shows/{show_id}/sale",
    response={201: OrderOut},
    auth=API_AUTH,
    summary="A walk-in sale at the till: seats held and paid in one go, no buyer data asked (box office)",
    description=(
        "In a show's members' presale the till sells to a member only: send the `pass_number` of the pass you "
        "scanned. A pass that is unknown or has no current subscription is refused (422, `fields.pass_number`); "
        "a sale without a member's pass is refused with the date the public sale starts (409, code `presale`). "
        "Before the members' presale nobody buys (409, code `presale`). Refusals are in the caller's language "
        "(`Accept-Language`)."
    ),
)
@allow(purpose="ticket_sales")
def sale_view(request: HttpRequest, show_id: int, body: SaleIn) -> Any:
    show = _show_for_sale(show_id)
    order = box_office_sale(
        show=show,
        method=body.method,
        actor=request.user,
        seat_ids=body.seat_ids,
        quantity=body.quantity,
        # In the members' presale only: the pass staff scanned (the library's yes or no), as at the desk's till.
        member_pass_seen=_member_pass_seen(request, body.pass_number) if in_presale(show) else False,
    )
    return Status(201, _order_out(order))


class CancelIn(Schema):
    refund: bool = False


@router.post(
    "/orders/{token}/cancel",
    response=OrderOut,
    auth=API_AUTH,
    summary="Cancel or refund (box office)",
)
@allow(purpose="ticket_sales")
def cancel_view(request: HttpRequest, token: str, body: CancelIn) -> Any:
    order = order_cancel(order=_order(token), refund=body.refund, actor=request.user)
    return _order_out(order)
