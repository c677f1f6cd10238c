"""Other seats (Andere stoelen kiezen) for a theaterabonnement: back to its series page, the seats released."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Series, ShowSeat
from kolk.boxoffice.services.series import series_hold
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def test_other_seats_for_a_theaterabonnement_go_back_to_the_series_page_with_the_seats_released(client):
    hall = f.hall(seat_map="2x4")
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=2, discount_percent=20)
    series.shows.set([f.show(hall=hall, theatre=True, in_days=20 + i) for i in range(2)])
    order = series_hold(series=series, show_ids=list(series.shows.values_list("pk", flat=True)), quantity=2, actor=None)
    session = client.session
    session["orders"] = [order.token]
    session.save()
    page = client.get(reverse("web:shop:order", args=[order.token])).content.decode()
    assert "Andere stoelen kiezen" in page
    back = client.post(reverse("web:shop:release", args=[order.token]))
    assert back["Location"] == reverse("web:shop:series", args=[series.pk])
    assert not ShowSeat.objects.exclude(status="available").exists()
    assert "Je plaatsen zijn vrijgegeven" in client.get(back["Location"]).content.decode()
    # a theaterabonnement is no basket: a show's page starts an order of its own
    other = f.show(seat_map="2x4", in_days=30)
    assert "In winkelmand" not in client.get(reverse("web:shop:show", args=[other.pk])).content.decode()
