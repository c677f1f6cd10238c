"""Demo programme of DNK: a cinema hall, a theatre hall with wheelchair places, a free-seating
studio; a week of films, a season of performances, and some orders of demo people and guests."""

from __future__ import annotations

import datetime as dt

from django.core.mail import get_connection
from django.utils import timezone

from kolk.boxoffice.models import Hall, Show
from kolk.boxoffice.services.programme import (
    film_create,
    hall_create,
    production_create,
    programme_create,
    venue_create,
)
from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from kolk.boxoffice.tickets import tickets_mail
from kolk.comms.outbox import outbox_flush
from kolk.core.clock import today
from kolk.core.demo import DemoContext
from kolk.people.models import Person

FILM_PRICES = {"regular": 1150, "youth": 850, "senior": 1000, "member": 950, "cjp": 900, "stadspas": 700}
THEATRE_PRICES = {"regular": 2750, "youth": 1500, "senior": 2450, "member": 2350, "cjp": 2000, "stadspas": 1400}
FILMS = [
    ("De Aanslag", 125, "12"),
    ("Zwartboek", 145, "16"),
    ("Dikkie Dik en de verjaardag", 65, "AL"),
    ("Turks Fruit", 112, "16"),
    ("Het Bombardement", 117, "12"),
]
PRODUCTIONS = [
    ("Hamlet", "Toneelgroep Drenthe", 150),
    ("De Gebroeders Leeuwenhart", "Theater Het Noorderlicht", 110),
    ("Kerstconcert", "Drents Symfonie Orkest", 120),
    ("Ivo de Wijs leest voor", "", 90),
    ("Nachtwacht, de musical", "Stichting Musical Assen", 160),
    ("Cabaret: Alles komt goed", "Lisa Ostermann", 100),
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed_demo(ctx: DemoContext, *, load: bool) -> None:
    if not load:
        return
    venue = venue_create(name="DNK", street="Weiersstraat 1", town="Assen", actor=None)
    cinema = hall_create(venue=venue, name="Filmzaal 1", seat_map="8x14; rolstoel 8:1-2; begeleider 8:3", actor=None)
    theatre = hall_create(
        venue=venue,
        name="Theaterzaal",
        seat_map="14x24; 2x20; rolstoel 16:1-4; begeleider 16:5-6; achtergehouden 1:11-14",
        actor=None,
    )
    studio = hall_create(venue=venue, name="Studio", capacity=60, actor=None)
    start = today() + dt.timedelta(days=1)
    films = [film_create(title=t, minutes=m, age_rating=r, actor=None) for t, m, r in FILMS]
    for offset in range(7):  # a week of screenings
        day = start + dt.timedelta(days=offset)
        for i, (hall, hour, minute) in enumerate([(cinema, 14, 0), (cinema, 19, 0), (cinema, 21, 30), (studio, 20, 0)]):
            film = films[(offset + i) % len(films)]
            programme_create(hall=hall, film=film, starts=[_at(day, hour, minute)], prices=FILM_PRICES, actor=None)
    weekend = start + dt.timedelta(days=(4 - start.weekday()) % 7)  # the next Friday
    for week, (title, company, minutes) in enumerate(PRODUCTIONS * 2):  # a season: twelve weekends
        production = production_create(title=title, company=company, minutes=minutes, actor=None)
        friday = weekend + dt.timedelta(weeks=week)
        programme_create(
            hall=theatre,
            production=production,
            starts=[_at(friday, 20, 15), _at(friday + dt.timedelta(days=1), 20, 15)],
            prices=THEATRE_PRICES,
            actor=None,
        )
    _orders(ctx, [cinema, theatre, studio])


def _orders(ctx: DemoContext, halls: list[Hall]) -> None:
    shows = list(Show.objects.filter(hall__in=halls).order_by("starts_at")[:20])
    ids = ctx.shared.get("people") or list(Person.objects.order_by("pk").values_list("pk", flat=True))
    people = list(Person.objects.filter(pk__in=ids[:8]).order_by("pk"))
    fake = ctx.faker
    for i, show in enumerate(shows):
        buyer = people[i % len(people)] if people and i % 2 == 0 else None
        name = buyer.full_name if buyer else fake.name()
        email = buyer.emails.values_list("address", flat=True).first() if buyer else None
        order = seats_hold(show=show, quantity=ctx.random.randint(1, 4), person=buyer, actor=None)
        order = order_checkout(
            order=order,
            buyer_name=name,
            buyer_email=email or f"gast{i}@example.nl",
            buyer_phone=f"061{ctx.random.randint(1000000, 9999999)}",
            actor=None,
        )
        if i % 5 != 4:  # most are paid; a few still wait for payment
            order = order_pay(order=order, method="ideal" if i % 3 else "card", actor=None)
            # Queued now rather than by the worker, so that the flush below delivers it (the worker's task then finds it queued).
            tickets_mail(order=order, actor=None)
    # Demo addresses are example.nl: "deliver" the ticket mails into memory, nothing leaves the machine.
    outbox_flush(connection=get_connection("django.core.mail.backends.locmem.EmailBackend"))
