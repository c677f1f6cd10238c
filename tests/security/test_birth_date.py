"""The box office never reads a birth date: not on any page, not through any API operation.

Its Kijkwijzer age check (register row B05, a yes-or-no purpose) answers "16+: ja / nee /
onbekend" from the date; the walk below opens every page and calls every operation as
the box office, the age check of a 16+ film among them, and looks for the members'
birth date in every way kolk writes a date.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat

from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from kolk.people.models import Person
from tests.boxoffice import factories as f
from tests.security.test_matrix import OPERATIONS, _fill, _value, page_routes, page_row, page_url
from tests.security.world import login

pytestmark = pytest.mark.django_db

BOX = "box_office"


def shown_dates(people: list[Person]) -> set[str]:
    dates = set()
    for born in (p.date_of_birth for p in people if p.date_of_birth):
        dates |= {
            born.isoformat(),
            f"{born:%d-%m-%Y}",
            f"{born:%d/%m/%Y}",
            f"{born.day}-{born.month}-{born.year}",
            dateformat.format(born, "j F Y"),
            dateformat.format(born, "j b Y"),
            dateformat.format(born, "d-m-Y"),
        }
    return dates


def _leaks(response: Any, dates: set[str]) -> list[str]:
    body = response.content.decode(errors="replace")
    return [d for d in dates if d in body]


def test_the_box_office_reads_no_birth_date_through_any_page_or_operation(client, world):
    lid = Person.objects.get(pk=world.ids["person"])
    show = f.show(age_rating="16", seat_map="2x4")
    order = seats_hold(show=show, quantity=1, person=lid, actor=None)
    order = order_checkout(order=order, buyer_name="Lid", buyer_email="lid@example.nl", person=lid, actor=None)
    order = order_pay(order=order, method="card", actor=None)
    dates = shown_dates(list(Person.objects.all()))
    assert dates
    login(client, world, BOX)
    seen: dict[str, list[str]] = {}
    answered = 0

    def call(label: str, request: Any) -> None:
        nonlocal answered
        login(client, world, BOX)  # again: the walk passes the logout pages (rolled back, but the cookie goes)
        with transaction.atomic():
            response = request()
            transaction.set_rollback(True)
        assert response.status_code < 500, f"{label}: {response.status_code}"
        answered += response.status_code == 200
        if leaks := _leaks(response, dates):
            seen[label] = leaks

    for route, key in page_routes():
        if route.startswith("admin/"):
            continue
        row = page_row(route, key)
        url = page_url(world, route, key, row)
        form = _fill(world, row.form or {})
        call(key, lambda url=url, form=form, row=row: client.post(url, form) if row.post else client.get(url))
    for operation, row in OPERATIONS.items():
        method, path = operation.split(" ", 1)
        url = re.sub(r"\{(\w+)\}", lambda m, row=row: _value(world, row.params[m[1]]), path)
        query = {k: _fill(world, v) for k, v in row.query.items()}
        if method == "GET":
            call(operation, lambda url=url, query=query: client.get(url, query))
        elif row.form is not None:
            call(operation, lambda url=url, row=row: client.post(url, row.form))
        else:
            body = json.dumps(_fill(world, row.body or {}))
            call(operation, lambda url=url, body=body: client.post(url, body, content_type="application/json"))
    # The age check itself, at the till, the door and on the order: the answer, never the date.
    hx = {"HTTP_HX_REQUEST": "true"}
    checks = {
        "till": lambda: client.get(reverse("desk:boxoffice_show", args=[show.pk])),
        "age": lambda: client.post(reverse("desk:boxoffice_age", args=[show.pk]), {"pass": lid.pass_number}, **hx),
        "order": lambda: client.get(reverse("desk:boxoffice_order", args=[order.pk])),
        "door": lambda: client.post(
            reverse("desk:boxoffice_checkin", args=[show.pk]), {"code": order.tickets.first().code}
        ),
    }
    for label, request in checks.items():
        call(label, request)
    login(client, world, BOX)
    assert "16+: ja" in client.get(reverse("desk:boxoffice_order", args=[order.pk])).content.decode()
    assert answered > 40  # the walk reached the box office's pages, not only refusals
    assert not seen, f"a birth date reaches the box office: {seen}"
