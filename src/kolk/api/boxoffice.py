"""Box-office endpoints: programme, seats, hold, checkout, pay, the till's sale, the Mollie webhook,
check-in, refunds.

Roles: anyone may read the programme and buy (a guest holds the order's secret
token); cash and card payments, the till's walk-in sale, check-in and
cancellation are for box-office staff.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext
from ninja import Form, Router, Schema, Status
from ninja.security import django_auth
from ninja.utils import check_csrf

from kolk.boxoffice import selectors
from kolk.boxoffice.models import Order, Show
from kolk.boxoffice.services.checkin import ticket_check_in
from kolk.boxoffice.services.payments import box_office_sale, mollie_webhook, payment_start
from kolk.boxoffice.services.selling import order_cancel, order_checkout, seats_hold
from kolk.core.errors import KolkError, NotAllowed
from kolk.core.roles import Role, has_role

router = Router(tags=["boxoffice"])


class Error(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


def _error(exc: Exception) -> Status[Error]:
    if isinstance(exc, ValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return Status(
            422, Error(code="invalid", message=" ".join(m for ms in fields.values() for m in ms), fields=fields)
        )
    if isinstance(exc, NotAllowed):
        return Status(403, Error(code=exc.code, message=str(exc.message)))
    assert isinstance(exc, KolkError)
    return Status(409, Error(code=exc.code, message=str(exc.message)))


class InvalidInput(Schema):
    """What django-ninja answers itself when a parameter or body does not parse."""

    detail: list[dict[str, Any]]


# A 422 is either a business rule's refusal (Error) or ninja's own validation answer.
ERRORS: dict[int, Any] = {403: Error, 404: Error, 409: Error, 422: Error | InvalidInput}


def _session_csrf(request: HttpRequest) -> Status[Error] | None:
    """Open endpoints that honour a signed-in session check its CSRF token.

    Anyone may hold, check out and pay with a token and no session; but a
    session lends its roles (the box office's cash payment) and its member,
    so a cross-site request riding on it is refused like on any staff endpoint.
    """
    if request.user.is_authenticated and check_csrf(request) is not None:
        return Status(403, Error(code="csrf", message=gettext("De beveiligingscode van het formulier ontbreekt.")))
    return None


def _member(request: HttpRequest) -> Any:
    user = request.user
    return getattr(user, "person", None) if user.is_authenticated else None


def _show(show_id: int) -> Show | None:
    try:
        return selectors.show_get(show_id)
    except Show.DoesNotExist:
        return None


def _order(token: str) -> Order | None:
    try:
        return selectors.order_row(token)
    except Order.DoesNotExist:
        return None


NOT_FOUND = Status(404, Error(code="not_found", message="not found"))


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
def programme_view(request: HttpRequest, kind: str = "", days: int = 60) -> list[ShowOut]:
    if "\x00" in kind:  # matches no kind, and PostgreSQL refuses NUL in a text parameter
        return []
    return [_show_out(s) for s in selectors.programme(kind=kind, days=min(max(days, 1), 366))]


@router.get("/shows/{show_id}", response={200: ShowOut, **ERRORS}, auth=None, summary="One show (anyone)")
def show_view(request: HttpRequest, show_id: int) -> Any:
    show = _show(show_id)
    return _show_out(show) if show else NOT_FOUND


class SeatOut(Schema):
    seat_id: int
    row: int
    number: int
    kind: str
    status: str


class SeatsOut(Schema):
    available: int
    seats: list[SeatOut]


@router.get("/shows/{show_id}/seats", response={200: SeatsOut, **ERRORS}, auth=None, summary="Seat availability")
def seats_view(request: HttpRequest, show_id: int) -> Any:
    show = _show(show_id)
    if show is None:
        return NOT_FOUND
    seats = [SeatOut(**s.__dict__) for _row, row in selectors.seat_map(show) for s in row]
    return SeatsOut(available=selectors.seats_available(show), seats=seats)


class HoldIn(Schema):
    seat_ids: list[int] = []
    quantity: int = 0


class TicketOut(Schema):
    id: int
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
    response={201: OrderOut, **ERRORS},
    auth=None,
    summary="Hold seats (anyone; keep the token)",
)
def hold_view(request: HttpRequest, show_id: int, body: HoldIn) -> Any:
    if refused := _session_csrf(request):
        return refused
    try:
        show = selectors.show_for_sale(show_id)
    except Show.DoesNotExist:
        return NOT_FOUND
    try:
        order = seats_hold(
            show=show, seat_ids=body.seat_ids, quantity=body.quantity, person=_member(request), actor=request.user
        )
    except (ValidationError, KolkError) as exc:
        return _error(exc)
    return Status(201, _order_out(order))


@router.get("/orders/{token}", response={200: OrderOut, **ERRORS}, auth=None, summary="An order by its token")
def order_view(request: HttpRequest, token: str) -> Any:
    order = _order(token)
    return _order_out(order) if order else NOT_FOUND


class CheckoutIn(Schema):
    buyer_name: str
    buyer_email: str
    buyer_phone: str = ""
    prices: dict[int, str] = {}


@router.post("/orders/{token}/checkout", response={200: OrderOut, **ERRORS}, auth=None, summary="Name, email, prices")
def checkout_view(request: HttpRequest, token: str, body: CheckoutIn) -> Any:
    if refused := _session_csrf(request):
        return refused
    order = _order(token)
    if order is None:
        return NOT_FOUND
    try:
        order = order_checkout(
            order=order,
            buyer_name=body.buyer_name,
            buyer_email=body.buyer_email,
            buyer_phone=body.buyer_phone,
            prices=body.prices,
            person=_member(request),
            actor=request.user,
        )
    except (ValidationError, KolkError) as exc:
        return _error(exc)
    return _order_out(order)


class PayIn(Schema):
    method: str  # ideal (anyone), cash or card (box office), invoice (theatre)
    return_url: str = ""


class PayOut(Schema):
    status: str
    redirect_url: str


def webhook_url() -> str:
    return settings.KOLK_SITE_URL.rstrip("/") + reverse("api:boxoffice_mollie_webhook")


@router.post(
    "/orders/{token}/pay", response={200: PayOut, **ERRORS}, auth=None, summary="Pay (iDEAL or at the box office)"
)
def pay_view(request: HttpRequest, token: str, body: PayIn) -> Any:
    if refused := _session_csrf(request):
        return refused
    order = _order(token)
    if order is None:
        return NOT_FOUND
    return_url = body.return_url if body.return_url.startswith(settings.KOLK_SITE_URL) else settings.KOLK_SITE_URL
    try:
        started = payment_start(
            order=order, method=body.method, actor=request.user, return_url=return_url, webhook_url=webhook_url()
        )
    except (ValidationError, KolkError) as exc:
        return _error(exc)
    return PayOut(status=started.order.status, redirect_url=started.redirect_url)


@router.post(
    "/payments/mollie/webhook",
    auth=None,
    url_name="boxoffice_mollie_webhook",
    summary="Mollie's webhook: the status is fetched from Mollie, never taken from the call",
)
def mollie_webhook_view(request: HttpRequest, id: Form[str]) -> dict[str, str]:  # Mollie posts `id`
    return {"result": mollie_webhook(payment_id=id)}


def _staff(request: HttpRequest) -> bool:
    return has_role(request.user, Role.BOX_OFFICE, Role.ADMINISTRATOR)


FORBIDDEN = Status(403, Error(code="not_allowed", message="box office only"))


class CheckInIn(Schema):
    code: str
    show_id: int


class CheckInOut(Schema):
    result: str
    message: str
    at: dt.datetime | None


@router.post("/checkin", response={200: CheckInOut, **ERRORS}, auth=django_auth, summary="Scan a ticket (box office)")
def checkin_view(request: HttpRequest, body: CheckInIn) -> Any:
    if not _staff(request):
        return FORBIDDEN
    show = _show(body.show_id)
    if show is None:
        return NOT_FOUND
    result = ticket_check_in(code=body.code, show=show, actor=request.user)
    return CheckInOut(result=result.result, message=result.message, at=result.at)


class SaleIn(Schema):
    seat_ids: list[int] = []
    quantity: int = 0
    method: str  # cash or card


@router.post(
    "/shows/{show_id}/sale",
    response={201: OrderOut, **ERRORS},
    auth=django_auth,
    summary="A walk-in sale at the till: seats held and paid in one go, no buyer data asked (box office)",
)
def sale_view(request: HttpRequest, show_id: int, body: SaleIn) -> Any:
    if not _staff(request):
        return FORBIDDEN
    try:
        show = selectors.show_for_sale(show_id)
    except Show.DoesNotExist:
        return NOT_FOUND
    try:
        order = box_office_sale(
            show=show, method=body.method, actor=request.user, seat_ids=body.seat_ids, quantity=body.quantity
        )
    except (ValidationError, KolkError) as exc:
        return _error(exc)
    return Status(201, _order_out(order))


class CancelIn(Schema):
    refund: bool = False


@router.post(
    "/orders/{token}/cancel",
    response={200: OrderOut, **ERRORS},
    auth=django_auth,
    summary="Cancel or refund (box office)",
)
def cancel_view(request: HttpRequest, token: str, body: CancelIn) -> Any:
    if not _staff(request):
        return FORBIDDEN
    order = _order(token)
    if order is None:
        return NOT_FOUND
    try:
        order = order_cancel(order=order, refund=body.refund, actor=request.user)
    except KolkError as exc:
        return _error(exc)
    return _order_out(order)
