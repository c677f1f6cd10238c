"""Theaterabonnementen and single tickets on the last seats, at once on PostgreSQL: no seat sold twice.

Threads, each with its own connection, all released at once. First the race
with the series' locks taken out (a seat of a show held twice), then with them:
every seat of every show in at most one order, and what was not sold still free.
"""

from __future__ import annotations

import random
import time

import pytest
from django.db.models import Count

from kolk.boxoffice.models import Order, Series, Show, ShowSeat, Ticket
from kolk.boxoffice.services import series as series_services
from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from tests.boxoffice import factories as f
from tests.boxoffice.race import in_parallel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOWS, SEATS = 4, 24  # a hall of 2 rows of 12: the last 24 seats of each show
PAUSE = 0.01


def season() -> tuple[Series, list[Show]]:
    hall = f.hall(seat_map="2x12")
    shows = [f.show(hall=hall, theatre=True, in_days=7 + i) for i in range(SHOWS)]
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=3, discount_percent=15)
    series.shows.set(shows)
    return series, shows


def jobs_for(series: Series, shows: list[Show], rng: random.Random) -> list:
    ids = [s.pk for s in shows]

    def series_buyer(quantity: int, chosen: list[int]):
        def buy() -> str:
            order = series_services.series_hold(series=series, show_ids=chosen, quantity=quantity, actor=None)
            order = order_checkout(order=order, buyer_name="Anna Abonnee", buyer_email="a@example.nl", actor=None)
            order_pay(order=order, method=Order.Method.CARD, actor=None)
            return "series"

        return buy

    def series_picker(seat_ids: list[int], chosen: list[int]):
        def buy() -> str:
            order = series_services.series_hold(series=series, show_ids=chosen, seat_ids=seat_ids, actor=None)
            order = order_checkout(order=order, buyer_name="Piet Kiest", buyer_email="p@example.nl", actor=None)
            order_pay(order=order, method=Order.Method.CARD, actor=None)
            return "series"

        return buy

    def single_buyer(show: Show, quantity: int):
        def buy() -> str:
            order = seats_hold(show=show, quantity=quantity, actor=None)
            order = order_checkout(order=order, buyer_name="Sam Los", buyer_email="s@example.nl", actor=None)
            order_pay(order=order, method=Order.Method.CASH, actor=None)
            return "single"

        return buy

    jobs = [series_buyer(rng.choice([1, 2, 3]), rng.sample(ids, rng.choice([3, 4]))) for _i in range(24)]
    jobs += [single_buyer(rng.choice(shows), rng.choice([1, 2])) for _i in range(24)]
    seats = list(shows[0].hall.seats.order_by("row", "number").values_list("pk", flat=True))
    for _i in range(8):  # buyers who pick their seats on the first show's map
        first = rng.randrange(len(seats) - 1)
        jobs.append(series_picker(seats[first : first + 2], rng.sample(ids, 3)))
    rng.shuffle(jobs)
    return jobs


def seats_twice(shows: list[Show]) -> int:
    """How many (show, seat) places have a ticket in more than one active order."""
    return (
        Ticket.objects.filter(show__in=shows, order__status__in=Order.ACTIVE)
        .values("show_id", "seat_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )


def test_without_the_series_lock_a_seat_is_sold_twice(monkeypatch):
    series, shows = season()
    ids = [s.pk for s in shows]

    def unlocked(show_ids, seat_ids):
        found = list(
            ShowSeat.objects.filter(show_id__in=show_ids, seat_id__in=seat_ids, status="available").order_by("id")
        )
        time.sleep(0.2)  # both buyers read the same free seats before either writes
        return found

    monkeypatch.setattr(series_services, "lock_series_block", unlocked)

    def buy() -> str:
        series_services.series_hold(series=series, show_ids=ids, quantity=2, actor=None)
        return "held"

    answers = in_parallel([buy] * 4)
    assert answers["held"] >= 2
    assert seats_twice(shows) > 0  # the race the lock closes


@pytest.mark.parametrize("seed", [1, 2])
def test_series_and_single_buyers_on_the_last_seats_never_get_a_seat_twice(monkeypatch, seed):
    series, shows = season()
    real_block, real_seats = series_services.lock_series_block, series_services.lock_series_seats

    def widened_block(show_ids, seat_ids):
        found = real_block(show_ids, seat_ids)
        time.sleep(PAUSE)  # the same window as without the lock: held while the others run
        return found

    def widened_seats(show_ids, seat_ids):
        found = real_seats(show_ids, seat_ids)
        time.sleep(PAUSE)
        return found

    monkeypatch.setattr(series_services, "lock_series_block", widened_block)
    monkeypatch.setattr(series_services, "lock_series_seats", widened_seats)
    answers = in_parallel(jobs_for(series, shows, random.Random(seed)))
    assert answers["series"] > 0
    assert answers["single"] > 0
    assert set(answers) <= {"series", "single", "sold_out"}  # nobody waited into a deadlock or an error
    assert seats_twice(shows) == 0
    for show in shows:
        sold = ShowSeat.objects.filter(show=show, status=ShowSeat.Status.SOLD)
        tickets = Ticket.objects.filter(show=show, order__status=Order.Status.PAID)
        assert sold.count() == tickets.count()
        assert set(sold.values_list("seat_id", "order_id")) == set(tickets.values_list("seat_id", "order_id"))
        assert sold.count() + ShowSeat.objects.filter(show=show, status="available").count() == SEATS
    # Every theaterabonnement kept the same seats in each of its shows.
    for order in Order.objects.filter(series=series, status=Order.Status.PAID):
        per_show: dict[int, set[int]] = {}
        for show_id, seat_id in order.tickets.values_list("show_id", "seat_id"):
            per_show.setdefault(show_id, set()).add(seat_id)
        assert len({frozenset(s) for s in per_show.values()}) == 1
