"""The demo programme: three halls, a week of films, a season of theatre, orders of people and guests."""

from __future__ import annotations

import pytest

from kolk.boxoffice import demo
from kolk.boxoffice.models import Hall, Order, Seat, Show
from kolk.core.demo import DemoContext
from kolk.people import demo as people_demo


@pytest.mark.django_db
def test_the_demo_programme():
    ctx = DemoContext()
    people_demo.seed_demo(ctx, load=True)
    demo.seed_demo(ctx, load=True)
    assert set(Hall.objects.values_list("seating", flat=True)) == {"seated", "free"}
    assert Seat.objects.filter(kind="wheelchair", hall__name="Theaterzaal").count() == 4
    films = Show.objects.filter(kind="film")
    assert films.count() == 28
    assert len({s.starts_at.date() for s in films}) == 7
    assert Show.objects.filter(kind="theatre").count() == 24
    assert Order.objects.filter(status="paid", person__isnull=False).exists()
    assert Order.objects.filter(status="paid", person__isnull=True).exists()
