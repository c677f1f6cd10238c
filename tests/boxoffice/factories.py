"""Builders for box-office tests: halls, shows and held orders, made through the services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from kolk.boxoffice.models import Hall, Order, Show, Venue
from kolk.boxoffice.services.programme import film_create, hall_create, production_create, show_create, venue_create
from kolk.boxoffice.services.selling import order_checkout, seats_hold
from kolk.core.clock import now

PRICES = {"regular": 1250, "youth": 850, "senior": 1050, "member": 1000}
_n = itertools.count(1)


def venue() -> Venue:
    return venue_create(name=f"DNK {next(_n)}", town="Assen", actor=None)


def hall(*, seat_map: str = "", capacity: int = 0, at: Venue | None = None) -> Hall:
    if not seat_map and not capacity:
        seat_map = "3x10"
    return hall_create(venue=at or venue(), name=f"Zaal {next(_n)}", seat_map=seat_map, capacity=capacity, actor=None)


def show(*, seat_map: str = "", capacity: int = 0, theatre: bool = False, in_days: int = 7, **kwargs: Any) -> Show:
    where = kwargs.pop("hall", None) or hall(seat_map=seat_map, capacity=capacity)
    work: dict[str, Any] = (
        {"production": production_create(title="Hamlet", company="Toneelgroep Drenthe", actor=None)}
        if theatre
        else {"film": film_create(title="De Aanslag", age_rating=kwargs.pop("age_rating", "12"), actor=None)}
    )
    return show_create(
        hall=where,
        starts_at=now() + dt.timedelta(days=in_days),
        prices=kwargs.pop("prices", PRICES),
        actor=None,
        **work,
        **kwargs,
    )


def held(show: Show, *, quantity: int = 2, **kwargs: Any) -> Order:
    return seats_hold(show=show, quantity=quantity, actor=None, **kwargs)


def checked_out(show: Show, *, quantity: int = 2, email: str = "gast@example.nl") -> Order:
    order = held(show, quantity=quantity)
    return order_checkout(order=order, buyer_name="Gea Gast", buyer_email=email, buyer_phone="0612345678", actor=None)


def worker_turn() -> None:
    """The worker's turn: run what the sales queued (the ticket mails, then their sending), as `kolk worker` does.

    A loop of its own rather than `db_worker`, which closes the database
    connection between tasks and with it a test's transaction.
    """
    from django_tasks_db.models import DBTaskResult

    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim("tests")
        try:
            value = result.task.call(*result.task_result.args, **result.task_result.kwargs)
        except Exception as exc:
            result.set_failed(exc)
            raise
        result.set_successful(value)
