"""Baskets on the last seats of a show, at once on PostgreSQL: no seat in two baskets.

Threads, each with its own connection, all released at once. Every buyer holds
a basket (seats of another show) and adds seats of the same show to it. First
the race with the basket's seat lock taken out (a seat held by two baskets),
then with it: each seat in at most one order, the seat rows and the tickets
agreeing, and nobody waiting into a deadlock.
"""

from __future__ import annotations

import random
import time

import pytest
from django.db.models import Count

from kolk.boxoffice.models import Order, Show, ShowSeat, Ticket
from kolk.boxoffice.selectors import show_get
from kolk.boxoffice.services import basket as basket_services
from kolk.boxoffice.services.selling import seats_hold
from tests.boxoffice import factories as f
from tests.boxoffice.race import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUYERS = 32
PAUSE = 0.01


def baskets(count: int) -> tuple[list[Order], Show]:
    """`count` buyers, each with a basket holding one seat of a play, and the film they all want."""
    play = f.show(seat_map="4x10", theatre=True, in_days=7)
    film = f.show(seat_map="2x12", in_days=14)
    return [seats_hold(show=play, quantity=1, actor=None) for _i in range(count)], film


def seats_twice(show: Show) -> int:
    """How many seats of the show have a ticket in more than one active order."""
    return (
        Ticket.objects.filter(show=show, order__status__in=Order.ACTIVE)
        .values("seat_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )


def test_without_the_seat_lock_two_baskets_hold_the_same_seat(monkeypatch):
    orders, film = baskets(4)
    seat = list(film.hall.seats.filter(row=1, number=5).values_list("pk", flat=True))

    def unlocked(show_id, seat_ids):
        found = list(ShowSeat.objects.filter(show_id=show_id, seat_id__in=seat_ids).order_by("id"))
        time.sleep(0.2)  # both buyers read the seat free before either writes
        return found

    monkeypatch.setattr(basket_services, "lock_seats", unlocked)

    def add(order: Order):
        def job() -> str:
            basket_services.basket_add(order=order, show=show_get(film.pk), seat_ids=seat, actor=None)
            return "added"

        return job

    answers = in_parallel([add(o) for o in orders])
    assert answers["added"] >= 2
    assert seats_twice(film) > 0  # the race the lock closes


@pytest.mark.parametrize("seed", [1, 2])
def test_baskets_adding_changing_and_removing_on_the_last_seats_never_share_a_seat(monkeypatch, seed):
    orders, film = baskets(BUYERS)
    real_seats, real_best = basket_services.lock_seats, basket_services.lock_best_available

    def widened_seats(show_id, seat_ids):
        found = real_seats(show_id, seat_ids)
        time.sleep(PAUSE)  # the same window as without the lock: held while the others run
        return found

    def widened_best(show_id, quantity):
        found = real_best(show_id, quantity)
        time.sleep(PAUSE)
        return found

    monkeypatch.setattr(basket_services, "lock_seats", widened_seats)
    monkeypatch.setattr(basket_services, "lock_best_available", widened_best)
    rng = random.Random(seed)
    seats = list(film.hall.seats.order_by("row", "number").values_list("pk", flat=True))

    def picker(order: Order, chosen: list[int], then: list[int] | None):
        def job() -> str:
            basket_services.basket_add(order=order, show=show_get(film.pk), seat_ids=chosen, actor=None)
            if then is not None:  # the buyer changes their mind: other seats, the first ones back
                basket_services.basket_add(order=order, show=show_get(film.pk), seat_ids=then, actor=None)
            return "added"

        return job

    def by_number(order: Order, quantity: int, remove: bool):
        def job() -> str:
            basket_services.basket_add(order=order, show=show_get(film.pk), quantity=quantity, actor=None)
            if remove:
                basket_services.basket_remove(order=order, show=show_get(film.pk), actor=None)
            return "added"

        return job

    jobs = []
    for order in orders:
        if rng.random() < 0.6:
            first = rng.randrange(len(seats) - 1)
            pair = [seats[first], seats[first + 1]] if rng.random() < 0.5 else [seats[first + 1], seats[first]]
            other = rng.randrange(len(seats))
            jobs.append(picker(order, pair, [seats[other]] if rng.random() < 0.3 else None))
        else:
            jobs.append(by_number(order, rng.choice([1, 2, 3]), rng.random() < 0.3))
    answers = in_parallel(jobs)
    assert answers["added"] > 0
    assert set(answers) <= {"added", "sold_out"}  # nobody waited into a deadlock or an error
    assert seats_twice(film) == 0
    held = ShowSeat.objects.filter(show=film, status=ShowSeat.Status.HELD)
    tickets = Ticket.objects.filter(show=film, order__status=Order.Status.HELD)
    assert set(held.values_list("seat_id", "order_id")) == set(tickets.values_list("seat_id", "order_id"))
    assert held.count() + ShowSeat.objects.filter(show=film, status="available").count() == 24
    for order in Order.objects.all():  # each basket's total is its tickets' sum
        assert order.total_cents == sum(order.tickets.values_list("amount_cents", flat=True))
