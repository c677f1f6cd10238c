"""The theatre season's endpoints: theaterabonnementen on sale and their hold, a code on an order,
a sold-out show's waiting list.

Who may: anyone, as the show's hold (a guest keeps the order's token). In a members'
presale a signed-in member buys when the library says their pass is current (yes or
no, purpose ticket_sales), as the shop asks. Refusals leave through the API's one
error handler (kolk.api.api) in its one shape.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kolk.api.boxoffice import (
    OrderOut,
    ShowOut,
    _member,
    _order,
    _order_out,
    _session_csrf,
    _show_for_sale,
    _show_out,
    presale_member,
)
from kolk.boxoffice import selectors
from kolk.boxoffice.models import PriceKind, Series, Show
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.presale import in_presale
from kolk.boxoffice.services.selling import MAX_TICKETS
from kolk.boxoffice.services.series import series_hold
from kolk.boxoffice.services.vouchers import code_redeem
from kolk.core.errors import BadRequest, NotFound
from kolk.privacy.permits import allow

router = Router(tags=["season"])


def _series(series_id: int) -> Series:
    try:
        return selectors.series_get(series_id)
    except Series.DoesNotExist as exc:
        raise NotFound(_("Dit theaterabonnement bestaat niet (meer).")) from exc


class SeriesShowOut(ShowOut):
    series_price_cents: int  # the regular price less the series' discount, per seat


class SeriesOut(Schema):
    id: int
    name: str
    season: str
    min_shows: int
    discount_percent: int
    members_from: dt.datetime | None
    public_from: dt.datetime | None
    in_presale: bool  # only members buy now, until public_from
    show_count: int


class SeriesDetailOut(SeriesOut):
    shows: list[SeriesShowOut]


def _series_out(series: Series) -> dict[str, Any]:
    return {
        "id": series.pk,
        "name": series.name,
        "season": series.season,
        "min_shows": series.min_shows,
        "discount_percent": series.discount_percent,
        "members_from": series.members_from,
        "public_from": series.public_from,
        "in_presale": in_presale(series),
        "show_count": len(series.upcoming),  # type: ignore[attr-defined]
    }


def _series_price(show: Show, discount: int) -> int:
    regular = next((p for p in show.prices.all() if p.kind == PriceKind.REGULAR), None)
    return regular.amount_cents * (100 - discount) // 100 if regular else 0


@router.get("/series", response=list[SeriesOut], auth=None, summary="Theaterabonnementen on sale (anyone)")
@allow(public=True)
def series_list_view(request: HttpRequest) -> list[SeriesOut]:
    return [SeriesOut(**_series_out(s)) for s in selectors.series_on_sale()]


@router.get(
    "/series/{series_id}",
    response=SeriesDetailOut,
    auth=None,
    summary="One theaterabonnement with its shows still to come (anyone)",
)
@allow(public=True)
def series_view(request: HttpRequest, series_id: int) -> Any:
    series = _series(series_id)
    shows = [
        SeriesShowOut(**_show_out(s).model_dump(), series_price_cents=_series_price(s, series.discount_percent))
        for s in series.upcoming  # type: ignore[attr-defined]
    ]
    return SeriesDetailOut(**_series_out(series), shows=shows)


class SeriesHoldIn(Schema):
    show_ids: list[int] = Field(..., max_length=50)
    seat_ids: list[int] = Field([], max_length=MAX_TICKETS * 5)
    quantity: int = 0


@router.post(
    "/series/{series_id}/hold",
    response={201: OrderOut},
    auth=None,
    summary="Hold the same seats in each chosen show of a theaterabonnement (anyone; keep the token)",
    description=(
        "Chosen `seat_ids` (from the first show's seat map) or the best `quantity` seats free in every chosen show. "
        "Seats not free in every show are refused (409, code `sold_out`) with the best seats that are in the message."
    ),
)
@allow(public=True)
def series_hold_view(request: HttpRequest, series_id: int, body: SeriesHoldIn) -> Any:
    _session_csrf(request)
    series = _series(series_id)
    chosen = [s for s in series.upcoming if s.pk in set(body.show_ids)]  # type: ignore[attr-defined]
    order = series_hold(
        series=series,
        show_ids=body.show_ids,
        seat_ids=body.seat_ids,
        quantity=body.quantity,
        person=_member(request),
        member=presale_member(request, series, *chosen),
        actor=request.user,
    )
    return Status(201, _order_out(order))


class CodeIn(Schema):
    code: str = Field(..., max_length=64)


class CodeOut(Schema):
    kind: str  # voucher (a gift voucher paid part or all) or discount (a discount code)
    amount_cents: int
    order: OrderOut


@router.post(
    "/orders/{token}/code",
    response=CodeOut,
    auth=None,
    summary="Redeem a gift voucher or a discount code on an order (anyone with the order's token)",
)
@allow(public=True)
def order_code_view(request: HttpRequest, token: str, body: CodeIn) -> Any:
    _session_csrf(request)
    order, amount, kind = code_redeem(order=_order(token), code=body.code, actor=request.user)
    return CodeOut(kind=kind, amount_cents=amount, order=_order_out(order))


class WaitlistIn(Schema):
    name: str = Field(..., max_length=200)
    email: str = Field(..., max_length=254)
    quantity: int = 1


class WaitlistOut(Schema):
    show_id: int
    quantity: int
    status: str  # waiting
    offer_hours: int  # how long an offer of freed seats holds them


@router.post(
    "/shows/{show_id}/waitlist",
    response={201: WaitlistOut},
    auth=None,
    summary="Join a sold-out show's waiting list (anyone): freed seats are offered by mail in turn",
)
@allow(public=True)
def waitlist_join_view(request: HttpRequest, show_id: int, body: WaitlistIn) -> Any:
    _session_csrf(request)
    if "\x00" in body.name or "\x00" in body.email:
        raise BadRequest(_("De invoer bevat tekens die er niet in horen."))
    show = _show_for_sale(show_id)
    entry = waitlist.waitlist_join(
        show=show,
        name=body.name,
        email=body.email,
        quantity=body.quantity,
        person=_member(request),
        member=presale_member(request, show),  # in the presale, members are offered freed seats first
        actor=request.user,
    )
    return Status(
        201,
        WaitlistOut(
            show_id=entry.show_id, quantity=entry.quantity, status=entry.status, offer_hours=waitlist.offer_hours()
        ),
    )
