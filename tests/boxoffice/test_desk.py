"""Box-office staff pages: roles, building a hall and a programme, selling at the counter, refunds, scanning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Hall, Order, Show
from kolk.boxoffice.services.selling import order_pay
from kolk.core.clock import now
from kolk.core.roles import Role
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def box_office(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


@pytest.mark.parametrize("name", ["desk:boxoffice", "desk:boxoffice_halls", "desk:boxoffice_programme"])
def test_box_office_pages_are_for_the_box_office(client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    assert client.get(reverse(name)).status_code == 403
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    assert client.get(reverse(name)).status_code == 200


def test_staff_build_a_hall_from_a_seat_map_and_see_errors(client, box_office):
    bad = client.post(reverse("desk:boxoffice_halls"), {"venue": "DNK", "name": "Grote zaal", "seat_map": "10x"})
    assert "geen rij-blok" in bad.content.decode()
    client.post(
        reverse("desk:boxoffice_halls"),
        {"venue": "DNK", "name": "Grote zaal", "seat_map": "10x20; rolstoel 10:1-2; begeleider 10:3"},
    )
    hall = Hall.objects.get(name="Grote zaal")
    assert hall.capacity == 200
    assert hall.seats.filter(kind="wheelchair").count() == 2


def test_staff_put_a_run_of_performances_in_the_programme(client, box_office):
    hall = f.hall(seat_map="2x5")
    day = (now() + dt.timedelta(days=10)).date()
    response = client.post(
        reverse("desk:boxoffice_programme"),
        {
            "kind": "theatre",
            "title": "De Gebroeders Leeuwenhart",
            "company": "Het Noorderlicht",
            "minutes": 110,
            "hall": hall.pk,
            "starts": f"{day} 20:00\n{day + dt.timedelta(days=1)} 20:00",
            "regular": "24.50",
            "youth": "12.00",
            "cjp": "15.00",
            "stadspas": "8.50",
            "on_sale": "on",
        },
    )
    assert response.status_code == 302
    shows = Show.objects.filter(production__title="De Gebroeders Leeuwenhart")
    assert shows.count() == 2
    assert sorted(shows.first().prices.values_list("amount_cents", flat=True)) == [850, 1200, 1500, 2450]


def test_a_walk_in_sale_refund_and_scan_at_the_door(client, box_office):
    show = f.show(seat_map="2x5", theatre=True)
    client.post(reverse("desk:boxoffice_show", args=[show.pk]), {"quantity": 2, "method": "card"})
    order = Order.objects.get()
    assert (order.status, order.method) == (Order.Status.PAID, "card")
    codes = list(order.tickets.values_list("code", flat=True))
    url = reverse("desk:boxoffice_checkin", args=[show.pk])
    assert 'class="door-result ok"' in client.post(url, {"code": codes[0]}).content.decode()
    again = client.post(url, {"code": codes[0]}).content.decode()
    assert "Al gescand om" in again
    other = f.show()
    assert (
        "Dit kaartje is voor Hamlet op"
        in client.post(reverse("desk:boxoffice_checkin", args=[other.pk]), {"code": codes[1]}).content.decode()
    )
    client.post(reverse("desk:boxoffice_cancel", args=[order.token]), {"confirm": "1"})
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert AuditEntry.objects.filter(action="order.refunded", actor=f"user:{box_office.pk}").exists()
    assert "niet (meer) geldig" in client.post(url, {"code": codes[1]}).content.decode()


def test_the_show_page_lists_orders_in_bounded_queries(client, box_office, django_assert_max_num_queries):
    show = f.show(seat_map="10x10")
    for _ in range(6):
        order_pay(order=f.checked_out(show, quantity=2), method="ideal", actor=None)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("desk:boxoffice_show", args=[show.pk])).status_code == 200
