"""Programme: seat maps from a compact spec, halls, shows with their prices and seats."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kolk.boxoffice.models import PriceCategory, Seat, ShowSeat
from kolk.boxoffice.services.programme import programme_create, seatmap_build, seatmap_parse, show_create
from kolk.core.clock import now
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f


def test_a_spec_gives_rows_and_special_places():
    spec = seatmap_parse("2x10; 1x8\nwheelchair 3:1-2; companion 3:3; held 1:5,1:6")
    assert spec.rows == [10, 10, 8]
    assert spec.wheelchair == {(3, 1), (3, 2)}
    assert spec.companion == {(3, 3)}
    assert spec.held == {(1, 5), (1, 6)}


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("", "ten minste"),
        ("3x0", "stoelen per rij"),
        ("banaan", "geen rij-blok"),
        ("2x5; wheelchair 3:1", "bestaat niet"),
        ("2x5; wheelchair 1:9", "bestaat niet"),
        ("2x5; wheelchair 1:1; companion 1:1", "rolstoel"),
        ("2x5; held 1-2", "geen plaats"),
    ],
)
def test_a_bad_spec_is_refused_with_a_message(spec, fragment):
    with pytest.raises(ValidationError) as exc:
        seatmap_parse(spec)
    assert fragment in " ".join(exc.value.message_dict["spec"])


@pytest.mark.django_db
def test_a_seated_hall_gets_its_seats_and_a_best_available_order():
    hall = f.hall(seat_map="6x9; wheelchair 6:1-2; companion 6:3; held 1:1")
    assert hall.capacity == 54
    seats = {(s.row, s.number): s for s in hall.seats.all()}
    assert seats[(6, 1)].kind == Seat.Kind.WHEELCHAIR
    assert seats[(6, 3)].kind == Seat.Kind.COMPANION
    assert seats[(1, 1)].held_back
    best = min(seats.values(), key=lambda s: s.rank)
    assert (best.row, best.number) == (4, 5)  # two thirds back, in the middle


@pytest.mark.django_db
def test_a_hall_is_seated_or_free_never_both():
    with pytest.raises(ValidationError):
        f.hall(seat_map="2x2", capacity=10)


@pytest.mark.django_db
def test_a_show_copies_the_seats_and_holds_back_what_is_held_back():
    show = f.show(seat_map="2x5; held 1:1-2", prices={"regular": 1200, "youth": 800})
    statuses = list(ShowSeat.objects.filter(show=show).values_list("status", flat=True))
    assert len(statuses) == 10
    assert statuses.count(ShowSeat.Status.BLOCKED) == 2
    assert show.capacity == 8
    prices = {p.kind: (p.amount_cents, p.vat_percent) for p in PriceCategory.objects.filter(show=show)}
    assert prices == {"regular": (1200, 9), "youth": (800, 9)}


@pytest.mark.django_db
def test_a_free_seating_show_takes_the_capacity_of_its_hall():
    show = f.show(capacity=80)
    assert (show.capacity, show.free_taken) == (80, 0)
    assert not ShowSeat.objects.filter(show=show).exists()


@pytest.mark.django_db
def test_a_show_needs_a_regular_price_and_a_future_time():
    hall = f.hall()
    film = f.show(hall=hall).film
    with pytest.raises(ValidationError) as exc:
        show_create(hall=hall, film=film, starts_at=now() + dt.timedelta(days=1), prices={"youth": 500}, actor=None)
    assert "prices" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        show_create(hall=hall, film=film, starts_at=now() - dt.timedelta(hours=1), prices=f.PRICES, actor=None)
    assert "starts_at" in exc.value.message_dict


@pytest.mark.django_db
def test_the_seat_map_is_fixed_once_a_hall_has_shows():
    show = f.show()
    with pytest.raises(ValidationError):
        seatmap_build(hall=show.hall, spec="1x1", actor=None)


@pytest.mark.django_db
def test_a_programme_is_a_run_of_shows_all_or_none():
    show = f.show()
    start = now() + dt.timedelta(days=2)
    shows = programme_create(
        hall=show.hall, film=show.film, starts=[start, start + dt.timedelta(days=1)], prices=f.PRICES, actor=None
    )
    assert len(shows) == 2
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        programme_create(
            hall=show.hall, film=show.film, starts=[start, now() - dt.timedelta(days=1)], prices=f.PRICES, actor=None
        )
    assert AuditEntry.objects.count() == before
    assert show.hall.shows.count() == 3
