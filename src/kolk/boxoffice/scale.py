"""Scale box office: venues with seated and free-seating halls, films and productions,
two years of shows (and a month ahead), and orders with tickets (2 million at the
province): every sold seat is a ShowSeat held by its order, every free-seating show
counts what it sold, and ShowStats agree with the tickets.

The plan fixes each show's hall, time and number of tickets, so the programme
phase can write `free_taken` before the sales phase writes the tickets.
"""

from __future__ import annotations

import array
import base64
import bisect
import datetime as dt
import itertools
import math
import pickle
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from kolk.boxoffice.models import (
    Film,
    Hall,
    Order,
    PriceCategory,
    Production,
    Seat,
    Show,
    ShowSeat,
    ShowStats,
    Ticket,
    Venue,
)
from kolk.boxoffice.services.programme import _rank
from kolk.core.scale import ScaleContext
from kolk.people.scale import people_plan

ORDER = 30
TICKETS = 2_000_000
SHOWS = 25_000
VENUES = [
    ("DNK Assen", "Nieuwe Markt 1", "Assen"),
    ("Atlas Theater Emmen", "Raadhuisplein 5", "Emmen"),
    ("De Tamboer", "Het Haagje 99", "Hoogeveen"),
    ("Schouwburg Ogterop", "Zuideinde 1", "Meppel"),
    ("Filmhuis Drenthe", "Markt 3", "Coevorden"),
    ("Podium Roden", "Brink 2", "Roden"),
]
# name, seated, rows, seats per row (or capacity for free seating), kind of show
HALLS = [
    ("Zaal 1", True, 10, 14, "film"),
    ("Zaal 2", True, 8, 12, "film"),
    ("Zaal 3", True, 6, 10, "film"),
    ("Grote zaal", True, 20, 30, "theatre"),
    ("Kleine zaal", False, 0, 150, "theatre"),
]
FILM_SLOTS = [14 * 60, 16 * 60 + 30, 19 * 60, 21 * 60 + 30]
THEATRE_SLOTS = [20 * 60, 20 * 60 + 15, 14 * 60 + 30]
PRICES = {"film": {"regular": 1050, "youth": 800, "senior": 900, "member": 850}}
THEATRE_PRICES = {"regular": 2800, "youth": 1600, "senior": 2500, "member": 2400}
METHODS = ["ideal"] * 12 + ["card"] * 5 + ["cash"] * 2 + ["invoice"]
PAST_DAYS, AHEAD_DAYS = 760, 30


@dataclass
class HallPlan:
    venue: int
    name: str
    seated: bool
    rows: int
    per_row: int
    kind: str
    first_seat: int = 0  # index of its first seat among all seats

    @property
    def size(self) -> int:
        return self.rows * self.per_row if self.seated else self.per_row


@dataclass
class ShowPlan:
    hall: int
    starts_at: dt.datetime
    kind: str
    work: int
    tickets: int


@dataclass
class BoxOfficePlan:
    venues: int
    halls: list[HallPlan]
    seats: int
    films: int
    productions: int
    shows: list[ShowPlan] = field(default_factory=list)
    buyers: list[int] = field(default_factory=list)  # person indexes


def plan(ctx: ScaleContext) -> None:
    rnd = ctx.rng("boxoffice.plan")
    venues = min(len(VENUES), max(1, math.ceil(5 * ctx.factor)))
    halls: list[HallPlan] = []
    seats = 0
    for v in range(venues):
        for name, seated, rows, per_row, kind in HALLS:
            hall = HallPlan(v, name, seated, rows, per_row, kind, first_seat=seats)
            seats += hall.size if seated else 0
            halls.append(hall)
    bp = BoxOfficePlan(venues, halls, seats, ctx.count(400, 5), ctx.count(600, 5))
    weights = [4 if h.kind == "film" else 1 for h in halls]
    taken: set[tuple[int, int, int]] = set()
    demand = []
    shows = ctx.count(SHOWS, 20)
    for k in range(shows):
        for _try in range(20):
            h = rnd.choices(range(len(halls)), weights)[0]
            # Some in the month before two years ago: their orders are due under the rule 'tickets'.
            day = rnd.randint(-PAST_DAYS, -731) if k < max(2, shows // 25) else rnd.randint(-PAST_DAYS, AHEAD_DAYS)
            slots = FILM_SLOTS if halls[h].kind == "film" else THEATRE_SLOTS
            slot = rnd.choice(slots)
            if (h, day, slot) not in taken:
                break
        taken.add((h, day, slot))
        kind = halls[h].kind
        work = rnd.randrange(bp.films if kind == "film" else bp.productions)
        starts = ctx.at(ctx.today + dt.timedelta(days=day), slot * 60 - 3600)
        bp.shows.append(ShowPlan(h, starts, kind, work, 0))
        demand.append(halls[h].size * rnd.random() ** 1.3 * (1 if day <= 0 else max(0.05, 1 - day / AHEAD_DAYS)))
    scale = ctx.count(TICKETS) / (sum(demand) or 1)
    for show, want in zip(bp.shows, demand, strict=True):
        show.tickets = min(halls[show.hall].size, int(want * scale + rnd.random()))
    bp.shows.sort(key=lambda s: (s.starts_at, s.hall))
    people = people_plan(ctx)
    bp.buyers = [
        i
        for i, s in enumerate(people.people)
        if s.left_on is None and s.role != "pupil" and (ctx.today - s.born).days >= 16 * 365
    ]
    ctx.shared["boxoffice"] = bp


def _bp(ctx: ScaleContext) -> BoxOfficePlan:
    bp: BoxOfficePlan = ctx.shared["boxoffice"]
    return bp


def seed_venues(ctx: ScaleContext) -> int:
    bp = _bp(ctx)
    first_venue, first_hall, first_seat = ctx.first_id(Venue), ctx.first_id(Hall), ctx.first_id(Seat)
    rows = ctx.copy_rows(
        Venue, ["id", "name", "street", "town"], ((first_venue + v, *VENUES[v]) for v in range(bp.venues))
    )
    rows += ctx.copy_rows(
        Hall,
        ["id", "venue", "name", "seating", "capacity"],
        (
            (first_hall + k, first_venue + h.venue, h.name, "seated" if h.seated else "free", 0 if h.seated else h.size)
            for k, h in enumerate(bp.halls)
        ),
    )

    def seats() -> Any:
        for k, h in enumerate(bp.halls):
            if not h.seated:
                continue
            n = h.first_seat
            for row in range(1, h.rows + 1):
                for number in range(1, h.per_row + 1):
                    kind = "wheelchair" if row == 1 and number in (1, h.per_row) else "regular"
                    rank = _rank(row, number, h.rows, h.per_row)
                    yield first_seat + n, first_hall + k, row, number, kind, False, rank
                    n += 1

    rows += ctx.copy_rows(Seat, ["id", "hall", "row", "number", "kind", "held_back", "rank"], seats(), total=bp.seats)
    return rows


def seed_programme(ctx: ScaleContext) -> int:
    rnd = ctx.rng("boxoffice.programme")
    bp = _bp(ctx)
    fake = Faker("nl_NL")
    fake.seed_instance(ctx.seed + 1)
    words = sorted({w.capitalize() for w in fake.words(nb=1500)})
    first_film, first_production = ctx.first_id(Film), ctx.first_id(Production)
    rows = ctx.copy_rows(
        Film,
        ["id", "title", "minutes", "age_rating", "description"],
        (
            (
                first_film + k,
                " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 4))),
                rnd.randint(80, 160),
                rnd.choice(["AL", "6", "9", "12", "14", "16"]),
                "",
            )
            for k in range(bp.films)
        ),
    )
    rows += ctx.copy_rows(
        Production,
        ["id", "title", "company", "minutes", "description"],
        (
            (
                first_production + k,
                " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 4))),
                f"{rnd.choice(words)} {rnd.choice(['Theater', 'Ensemble', 'Producties', 'Orkest', 'Comedy'])}",
                rnd.randint(60, 150),
                "",
            )
            for k in range(bp.productions)
        ),
    )
    first_show, first_hall, first_price = ctx.first_id(Show), ctx.first_id(Hall), ctx.first_id(PriceCategory)
    now = ctx.at(ctx.today, 12 * 3600)
    rows += ctx.copy_rows(
        Show,
        ["id", "hall", "kind", "film", "production", "starts_at", "on_sale", "capacity", "free_taken", "waitlist_kept"],
        (
            (
                first_show + k,
                first_hall + s.hall,
                s.kind,
                first_film + s.work if s.kind == "film" else None,
                first_production + s.work if s.kind == "theatre" else None,
                s.starts_at,
                s.starts_at > now,
                0 if bp.halls[s.hall].seated else bp.halls[s.hall].size,
                0 if bp.halls[s.hall].seated else s.tickets,
                0,  # nobody waits for a show of the seeded history
            )
            for k, s in enumerate(bp.shows)
        ),
        total=len(bp.shows),
    )
    rows += ctx.copy_rows(
        PriceCategory,
        ["id", "show", "kind", "amount_cents", "vat_percent"],
        (
            (first_price + k * 4 + j, first_show + k, kind, amount, 9)
            for k, s in enumerate(bp.shows)
            for j, (kind, amount) in enumerate((PRICES["film"] if s.kind == "film" else THEATRE_PRICES).items())
        ),
        total=4 * len(bp.shows),
    )
    return rows


def _sales(ctx: ScaleContext) -> Any:
    """Per show: (show index, its orders, its tickets, seat -> order). The same every time it is run.

    The sales phase runs it three times (orders, tickets, seats of shows), so that
    no more than one show's sales are held in memory.
    """
    rnd = ctx.rng("boxoffice.sales")
    bp, people = _bp(ctx), people_plan(ctx)
    first_show, first_price = ctx.first_id(Show), ctx.first_id(PriceCategory)
    first_order, first_ticket = ctx.first_id(Order), ctx.first_id(Ticket)
    now = ctx.at(ctx.today, 12 * 3600)
    best = _best_seats(ctx)
    # A few regulars buy often.
    cumulative = list(itertools.accumulate(rnd.paretovariate(1.5) for _ in bp.buyers))
    total = cumulative[-1] if cumulative else 0.0
    order_pk, ticket_pk = first_order, first_ticket
    for k, show in enumerate(bp.shows):
        prices = PRICES["film"] if show.kind == "film" else THEATRE_PRICES
        kinds = list(prices)
        left = show.tickets
        seats = best.get(show.hall, [])
        seat_at = 0
        held: dict[int, int] = {}
        orders, tickets = [], []
        while left > 0:
            size = min(left, rnd.choice([1, 2, 2, 2, 2, 3, 4, 4, 6]))
            left -= size
            created = show.starts_at - dt.timedelta(minutes=rnd.randint(5, 40 * 24 * 60))
            created = min(created, now - dt.timedelta(minutes=rnd.randint(1, 600)))
            member = bool(bp.buyers) and rnd.random() < 0.7
            if member:
                i = bp.buyers[min(bisect.bisect_left(cumulative, rnd.random() * total), len(cumulative) - 1)]
                s = people.people[i]
                person, name = people.pk(i), " ".join(p for p in (s.given, s.prefix, s.surname) if p)
                email, phone = s.email, s.phone
            else:
                person, name = None, f"{rnd.choice(people.people).given} {rnd.choice(people.people).surname}"
                email, phone = f"gast{order_pk}@example.nl", ""
            method = rnd.choice(METHODS)
            token = base64.urlsafe_b64encode(rnd.randbytes(18)).decode()
            amount = 0
            for _ in range(size):
                kind = "member" if member and rnd.random() < 0.6 else rnd.choice(kinds[:3])
                price = prices[kind]
                amount += price
                seat = None
                if seats:
                    seat = seats[seat_at][1]
                    seat_at += 1
                    held[seat] = order_pk
                checked = None
                if show.starts_at < now and rnd.random() < 0.85:
                    checked = show.starts_at - dt.timedelta(minutes=rnd.randint(1, 40))
                code = base64.urlsafe_b64encode(rnd.randbytes(12)).decode()
                price_pk = first_price + k * 4 + kinds.index(kind)
                tickets.append((ticket_pk, order_pk, first_show + k, seat, price_pk, price, code, checked, kind))
                ticket_pk += 1
            paid = created + dt.timedelta(seconds=rnd.randint(20, 300))
            ref = f"tr_{token[:10]}" if method == "ideal" else ""
            orders.append(
                (
                    order_pk,
                    first_show + k,
                    person,
                    token,
                    name,
                    email,
                    phone,
                    "paid",
                    method,
                    amount,
                    created,
                    paid,
                    ref,
                    False,
                )
            )
            order_pk += 1
        yield k, orders, tickets, held


def _best_seats(ctx: ScaleContext) -> dict[int, list[tuple[int, int]]]:
    """Seats of each seated hall, best first, as a sale hands them out: (rank, seat id)."""
    bp, first_seat = _bp(ctx), ctx.first_id(Seat)
    best: dict[int, list[tuple[int, int]]] = {}
    for k, h in enumerate(bp.halls):
        if h.seated:
            ranked = sorted(
                (_rank(r, n, h.rows, h.per_row), h.first_seat + (r - 1) * h.per_row + (n - 1))
                for r in range(1, h.rows + 1)
                for n in range(1, h.per_row + 1)
            )
            best[k] = [(rank, first_seat + s) for rank, s in ranked]
    return best


def seed_sales(ctx: ScaleContext) -> int:
    """Orders with their tickets, the seats they hold and the counts per show and price."""
    with tempfile.TemporaryFile() as spool:
        return _write_sales(ctx, spool)


def _write_sales(ctx: ScaleContext, spool: Any) -> int:
    bp = _bp(ctx)
    first_show = ctx.first_id(Show)
    sold = sum(s.tickets for s in bp.shows)
    for model in (Order, Ticket, ShowSeat):  # millions of rows: their plain indexes are built at the end
        ctx.drop_indexes(model)
    # One pass over the sales: orders go to the database, each show's tickets to a
    # spool file (a COPY at a time per connection), the sold seats' orders to arrays.
    holders: list[array.array[int]] = []

    def orders_spooling_the_rest() -> Any:
        for _k, orders, tickets, held in _sales(ctx):
            pickle.dump(tickets, spool, protocol=pickle.HIGHEST_PROTOCOL)
            holders.append(array.array("q", held.values()))
            yield from orders

    rows = ctx.copy_rows(
        Order,
        [
            "id",
            "show",
            "person",
            "token",
            "buyer_name",
            "buyer_email",
            "buyer_phone",
            "status",
            "method",
            "total_cents",
            "created_at",
            "paid_at",
            "payment_ref",
            "anonymised",
        ],
        orders_spooling_the_rest(),
    )
    stats: Counter[tuple[int, str]] = Counter()
    revenue: Counter[tuple[int, str]] = Counter()

    def tickets() -> Any:
        spool.seek(0)
        for k in range(len(bp.shows)):
            for *ticket, kind in pickle.load(spool):  # noqa: S301 - our own file, written just now
                stats[(k, kind)] += 1
                revenue[(k, kind)] += ticket[5]
                yield ticket

    rows += ctx.copy_rows(
        Ticket,
        ["id", "order", "show", "seat", "price", "amount_cents", "code", "checked_in_at"],
        tickets(),
        total=sold,
    )
    best = _best_seats(ctx)

    def show_seats() -> Any:
        pk = ctx.first_id(ShowSeat)
        for k, show in enumerate(bp.shows):
            if show.hall not in best:
                continue
            held = holders[k]  # the orders of the best seats, in the order they were sold
            for n, (rank, seat) in enumerate(best[show.hall]):
                order = held[n] if n < len(held) else None
                yield pk, first_show + k, seat, rank, "sold" if order else "available", order
                pk += 1

    rows += ctx.copy_rows(
        ShowSeat,
        ["id", "show", "seat", "rank", "status", "order"],
        show_seats(),
        total=sum(bp.halls[s.hall].size for s in bp.shows if bp.halls[s.hall].seated),
    )
    first_stats = ctx.first_id(ShowStats)
    rows += ctx.copy_rows(
        ShowStats,
        ["id", "show", "kind", "sold", "revenue_cents"],
        (
            (first_stats + n, first_show + k, kind, count, revenue[(k, kind)])
            for n, ((k, kind), count) in enumerate(sorted(stats.items()))
        ),
    )
    return rows


PHASES = [("venues", seed_venues), ("programme", seed_programme), ("sales", seed_sales)]
