"""The shop's basket as the pages read it: which held order is the buyer's basket, and the basket show by show."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.http import HttpRequest

from kolk.boxoffice.models import Hall, Order, Show, Ticket
from kolk.core.clock import now


def current_basket(request: HttpRequest) -> Order | None:
    """The buyer's basket: the newest of their session's orders that is held, still in time and not a
    theaterabonnement; one query, none without orders."""
    tokens = [t for t in request.session.get("orders", []) if isinstance(t, str)][-20:]
    if not tokens:
        return None
    # Free seating (a place, not a seat) is an order of its own (kolk.boxoffice.services.basket): never the
    # basket, nor does a newer one hide the basket held before it.
    basket: Order | None = (
        Order.objects.filter(
            token__in=tokens,
            status=Order.Status.HELD,
            series__isnull=True,
            expires_at__gt=now(),
            show__hall__seating=Hall.Seating.SEATED,
        )
        .select_related("show__hall")
        .order_by("-created_at", "-pk")
        .first()
    )
    return basket


def show_basket(request: HttpRequest, show: Show, rows: list[Any]) -> dict[str, Any]:
    """What the show page needs of the basket: the basket, and the seat map with this show's seats in it
    free to the buyer and ticked (so changing them is choosing again)."""
    basket = current_basket(request) if show.hall.is_seated else None
    if basket is None:
        return {"basket": None, "picked": set()}
    mine = set(Ticket.objects.filter(order=basket, show=show).values_list("seat_id", flat=True))
    if not mine:
        return {"basket": basket, "picked": mine}
    rows = [
        (row, [dataclasses.replace(s, status="available") if s.seat_id in mine else s for s in seats])
        for row, seats in rows
    ]
    # The buyer's own seats count as free to them: holding the last ones, they can still change them.
    available = sum(s.available for _row, seats in rows for s in seats)
    return {"basket": basket, "picked": mine, "rows": rows, "available": available}


def basket_lines(tickets: Any) -> list[dict[str, Any]]:
    """The basket on the order page: per show (in time order) its tickets and their sum."""
    lines: dict[int, dict[str, Any]] = {}
    for t in tickets:
        line = lines.setdefault(t.show_id, {"show": t.show, "tickets": [], "cents": 0})
        line["tickets"].append(t)
        line["cents"] += t.amount_cents
    return list(lines.values())
