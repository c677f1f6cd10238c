"""Reads of the box office shared by the shop, the desk and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from kolk.boxoffice.codes import is_order_token
from kolk.boxoffice.models import (
    Hall,
    Order,
    PriceCategory,
    Series,
    Show,
    ShowSeat,
    ShowStats,
    Ticket,
    Venue,
    VoucherSale,
    WaitlistEntry,
)
from kolk.core.clock import now
from kolk.core.prepared import Prepared, prefetched, prefetched_rows


def programme(*, days: int = 60, kind: str = "", on_sale_only: bool = True) -> QuerySet[Show]:
    """Upcoming shows with their work, hall and prices, in time order."""
    start = now()
    qs = (
        Show.objects.filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=days))
        # Free seats per seated show, counted in the same query: the programme says "uitverkocht".
        .annotate(seats_free=Count("show_seats", filter=Q(show_seats__status=ShowSeat.Status.AVAILABLE)))
        .select_related("film", "production", "hall__venue")
        .prefetch_related(Prefetch("prices", queryset=PriceCategory.objects.order_by("-amount_cents")))
        .order_by("starts_at", "pk")
    )
    if on_sale_only:
        qs = qs.filter(on_sale=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def show_get(show_id: int) -> Show:
    """A show with what a sale needs; raises Show.DoesNotExist."""
    return (
        Show.objects.select_related("film", "production", "hall__venue")
        .prefetch_related(Prefetch("prices", queryset=PriceCategory.objects.order_by("-amount_cents")))
        .get(pk=show_id)
    )


# The sale's reads, built and compiled once per process (kolk.core.prepared): every hold, checkout
# and payment makes them, and the ORM building them cost more CPU than the database's answers.
_SHOW_PRICES = Prepared(
    lambda show_id: PriceCategory.objects.select_related("show__hall").filter(show_id=show_id).order_by("pk"), int
)
_SHOW_WITH_HALL = Prepared(lambda show_id: Show.objects.select_related("hall").filter(pk=show_id)[:1], int)
_ORDER_ROW = Prepared(lambda token: Order.objects.filter(token=token)[:1], str)
_ORDER_TICKETS = Prepared(
    lambda order_id: (
        Ticket.objects.filter(order_id=order_id)
        .select_related("seat", "price", "show__hall", "show__film", "show__production")
        .order_by("show__starts_at", "show_id", "seat__row", "seat__number", "pk")
    ),
    int,
)


def show_for_sale(show_id: int) -> Show:
    """A show with what a hold needs (its hall and prices), not its work; raises Show.DoesNotExist.

    One query: the show's prices, each with the show and its hall (a show without prices is read alone).
    """
    prices = _SHOW_PRICES.all(show_id)
    if prices:
        show: Show = prices[0].show
        for price in prices:
            price.show = show
    else:
        show = _SHOW_WITH_HALL.first(show_id)
        if show is None:
            raise Show.DoesNotExist(f"no show {show_id}")
    prefetched(show, "prices", prices)
    return show


@dataclass(frozen=True)
class SeatState:
    seat_id: int
    row: int
    number: int
    kind: str
    status: str  # available, taken, blocked

    @property
    def available(self) -> bool:
        return self.status == "available"


def seat_map(show: Show) -> list[tuple[int, list[SeatState]]]:
    """The seats of a show by row: one query, held and sold both shown as taken."""
    rows = (
        ShowSeat.objects.filter(show=show)
        .order_by("seat__row", "seat__number")
        .values_list("seat_id", "seat__row", "seat__number", "seat__kind", "status")
    )
    states = [
        SeatState(
            seat_id=pk,
            row=row,
            number=number,
            kind=kind,
            status="available"
            if status == ShowSeat.Status.AVAILABLE
            else "blocked"
            if status == ShowSeat.Status.BLOCKED
            else "taken",
        )
        for pk, row, number, kind, status in rows
    ]
    return [(row, list(seats)) for row, seats in groupby(states, key=lambda s: s.row)]


def seats_available(show: Show) -> int:
    if show.hall.is_seated:
        return ShowSeat.objects.filter(show=show, status=ShowSeat.Status.AVAILABLE).count()
    return max(0, show.capacity - show.free_taken)


def waiting_count(show_ids: Sequence[int]) -> int:
    """How many people wait on these shows' waiting lists (freed seats go to them first): one query."""
    return WaitlistEntry.objects.filter(show_id__in=show_ids, status=WaitlistEntry.Status.WAITING).count()


def order_by_token(token: str) -> Order:
    """A buyer's order by its secret; raises Order.DoesNotExist (at once for what is no token)."""
    if not is_order_token(token):
        raise Order.DoesNotExist
    return Order.objects.select_related("show__hall__venue", "show__film", "show__production").get(token=token)


def voucher_sale_by_token(token: str) -> VoucherSale:
    """A gift voucher bought online by its secret; raises VoucherSale.DoesNotExist (at once for what is no token)."""
    if not is_order_token(token):
        raise VoucherSale.DoesNotExist
    return VoucherSale.objects.select_related("voucher").get(token=token)


def order_row(token: str) -> Order:
    """A buyer's order by its secret, without its show: for handlers that hand it to a service,
    which locks and reads it again. Raises Order.DoesNotExist (at once for what is no token)."""
    if not is_order_token(token):
        raise Order.DoesNotExist
    order: Order | None = _ORDER_ROW.first(token)
    if order is None:
        raise Order.DoesNotExist
    return order


def order_tickets(order: Order) -> Sequence[Ticket]:
    """An order's tickets with each one's show (a basket or a theaterabonnement holds several), show by
    show, seat by seat: one query, or none for the tickets a sale's service left on the order."""
    held = prefetched_rows(order, "tickets")
    if held is not None:
        return sorted(held, key=_ticket_place)
    return _ORDER_TICKETS.all(order.pk)


def _ticket_place(ticket: Ticket) -> tuple[Any, ...]:
    """Where a ticket stands in `order_tickets`: its show's start, the show, the seat (free seating last), the ticket."""
    seat = ticket.seat
    place = (0, seat.row, seat.number) if seat is not None else (1, 0, 0)
    return (ticket.show.starts_at, ticket.show_id, *place, ticket.pk)


def prices_by_show(show_ids: Iterable[int]) -> dict[int, list[PriceCategory]]:
    """The prices of these shows (an order's: a basket holds several), dearest first: one query."""
    prices: dict[int, list[PriceCategory]] = {}
    for price in PriceCategory.objects.filter(show_id__in=set(show_ids)).order_by("-amount_cents", "pk"):
        prices.setdefault(price.show_id, []).append(price)
    return prices


def order_tickets_by_show(order: Order) -> Sequence[Ticket]:
    """A theaterabonnement's tickets, show by show (with each show), seat by seat: one query."""
    return list(
        order.tickets.select_related("seat", "price", "show__production").order_by(
            "show__starts_at", "show_id", "seat__row", "seat__number"
        )
    )


def orders_for_show(show: Show) -> QuerySet[Order]:
    """The orders holding tickets for this show, newest first, each once, in one query.

    Found by their tickets, not by `Order.show` (a basket's or a theaterabonnement's first show only).
    Each has `here` (its tickets for this show) and `shows` (how many shows it holds tickets for).
    Expired holds are left out: they were never sold.
    """
    return (
        Order.objects.filter(pk__in=Ticket.objects.filter(show=show).values("order_id"))
        .exclude(status=Order.Status.EXPIRED)
        .select_related("series")
        .annotate(
            here=Count("tickets", filter=Q(tickets__show=show)),
            shows=Count("tickets__show", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def show_stats(show: Show) -> dict[str, int]:
    return dict(ShowStats.objects.filter(show=show).values_list("kind", "sold"))


def halls() -> QuerySet[Hall]:
    return Hall.objects.select_related("venue").order_by("venue__name", "name")


def venue_named(name: str) -> Venue | None:
    return Venue.objects.filter(name=name.strip()).first()


def order_for_till(order_id: int) -> Order:
    """An order as the till shows it (show, hall, work, theaterabonnement); raises Order.DoesNotExist."""
    return Order.objects.select_related("show__hall__venue", "show__film", "show__production", "series").get(
        pk=order_id
    )


def orders_find(query: str, *, limit: int = 25) -> list[Order]:
    """Orders by number, by the buyer's email (exact) or by part of the buyer's name; newest first.

    One query; each order has `shows`, how many shows it holds tickets for. Expired holds are left out:
    they were never sold.
    """
    query = " ".join(query.split())[:200]
    if not query:
        return []
    qs = (
        Order.objects.select_related("show__film", "show__production", "series")
        .exclude(status=Order.Status.EXPIRED)
        # A basket or a theaterabonnement holds tickets for more shows than its first: the list says so.
        .annotate(shows=Count("tickets__show", distinct=True))
    )
    digits = query.lstrip("#")
    if digits.isdigit() and len(digits) <= 12:
        qs = qs.filter(pk=int(digits))
    elif "@" in query:
        qs = qs.filter(buyer_email__iexact=query)
    elif len(query) >= 2:
        qs = qs.filter(buyer_name__icontains=query)
    else:
        return []
    return list(qs.order_by("-created_at", "-pk")[:limit])


# --- theaterabonnementen ---


def _series_shows() -> Prefetch[Any]:
    """A series' shows still to come and on sale, with what a sale and a page need, in time order."""
    return Prefetch(
        "shows",
        queryset=Show.objects.filter(starts_at__gt=now(), on_sale=True)
        .select_related("production", "hall__venue")
        .prefetch_related("prices")
        .order_by("starts_at", "pk"),
        to_attr="upcoming",
    )


def series_on_sale() -> list[Series]:
    """Theaterabonnementen with at least their minimum of shows still to come and on sale (each with `upcoming`).

    Three queries whatever the number of series: the series, their upcoming shows, the shows' prices.
    """
    found = list(Series.objects.prefetch_related(_series_shows()).order_by("-season", "name", "pk"))
    return [s for s in found if len(s.upcoming) >= s.min_shows]  # type: ignore[attr-defined]


def series_get(series_id: int) -> Series:
    """A theaterabonnement with its upcoming shows on sale (`upcoming`); raises Series.DoesNotExist."""
    return Series.objects.prefetch_related(_series_shows()).get(pk=series_id)


def series_all() -> QuerySet[Series]:
    """Every theaterabonnement, newest season first, with the number of its shows (staff's list)."""
    return Series.objects.annotate(show_count=Count("shows")).order_by("-season", "name", "pk")


def theatre_upcoming(*, days: int = 550) -> QuerySet[Show]:
    """Theatre shows still to come (on sale or not), for staff choosing a series' shows."""
    start = now()
    return (
        Show.objects.filter(kind=Show.Kind.THEATRE, starts_at__gt=start, starts_at__lt=start + dt.timedelta(days=days))
        .select_related("production", "hall")
        .order_by("starts_at", "pk")
    )
