"""Programma maken takes what box office staff type: a start as Dutch dates are written (11-12-2026 20:15)
and a price in euros with a comma (24,50); the year-first start still works, and a wrong start is told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kolk.boxoffice.models import Show
from kolk.core.clock import now
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def box_office(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


def programme(client, starts: str, regular: str = "24,50"):
    hall = f.hall(seat_map="2x5")
    return client.post(
        reverse("desk:boxoffice_programme"),
        {
            "kind": "theatre",
            "title": "Hamlet",
            "minutes": 120,
            "hall": hall.pk,
            "starts": starts,
            "regular": regular,
            "youth": "12,5",
            "on_sale": "on",
        },
    )


def test_a_dutch_date_and_a_price_with_a_comma_make_the_shows(client, box_office):
    day = (now() + dt.timedelta(days=20)).date()
    other = day + dt.timedelta(days=1)
    starts = f"{day:%d-%m-%Y} 20:15\n{other:%d/%m/%Y} 14.30\n{other:%Y-%m-%d} 20:00"
    response = programme(client, starts)
    assert response.status_code == 302, response.content.decode()[:2000]
    shows = Show.objects.order_by("starts_at")
    assert [timezone.localtime(s.starts_at).strftime("%d-%m-%Y %H:%M") for s in shows] == [
        f"{day:%d-%m-%Y} 20:15",
        f"{other:%d-%m-%Y} 14:30",
        f"{other:%d-%m-%Y} 20:00",
    ]
    assert sorted(shows.first().prices.values_list("amount_cents", flat=True)) == [1250, 2450]


def test_a_wrong_start_is_told_and_nothing_is_made(client, box_office):
    response = programme(client, "morgen 20:00")
    assert response.status_code == 200
    assert "&#x27;morgen 20:00&#x27; is geen datum en tijd." in response.content.decode()
    assert "Dag-maand-jaar en tijd, bijvoorbeeld 11-12-2026 20:15" in response.content.decode()
    assert not Show.objects.exists()
