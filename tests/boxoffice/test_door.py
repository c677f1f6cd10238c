"""The door: the counter, the seat and time on a double scan, the right show named on a wrong one,
the offline list (hashes, not codes) and the sync of offline scans, applied once."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from kolk.boxoffice.models import Ticket
from kolk.boxoffice.services.checkin import code_hash, door_count, ticket_check_in
from kolk.boxoffice.services.selling import order_pay
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def door(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


def _sold(show, n=2):
    return order_pay(order=f.checked_out(show, quantity=n), method="card", actor=None)


def test_a_double_scan_says_when_and_which_seat_and_a_wrong_show_which_show(door):
    show = f.show(seat_map="5x5", theatre=True)
    ticket = _sold(show).tickets.select_related("seat").first()
    first = ticket_check_in(code=ticket.code, show=show, actor=door)
    assert first.ok
    again = ticket_check_in(code=ticket.code, show=show, actor=door)
    at = timezone.localtime(first.at)
    assert again.message == f"Al gescand om {at:%H:%M} — rij {ticket.seat.row} stoel {ticket.seat.number}"
    assert again.tone == "warn"
    other = f.show(seat_map="2x2", theatre=True, in_days=9)
    wrong = ticket_check_in(code=ticket.code, show=other, actor=door)
    starts = timezone.localtime(show.starts_at)
    assert wrong.message.startswith(f"Dit kaartje is voor {show.title} op ")
    assert f"{starts:%H:%M}" in wrong.message
    assert str(starts.year) in wrong.message
    assert wrong.tone == "error"


def test_the_counter_counts_who_is_in_of_the_tickets_sold_in_one_query(client, door, django_assert_num_queries):
    show = f.show(seat_map="5x5", theatre=True)
    order = _sold(show, 3)
    f.held(show, quantity=2)  # not sold: not counted
    ticket_check_in(code=order.tickets.first().code, show=show, actor=door)
    with django_assert_num_queries(1):
        count = door_count(show)
    assert (count.inside, count.sold) == (1, 3)
    page = client.get(reverse("desk:boxoffice_checkin", args=[show.pk])).content.decode()
    assert "<strong data-inside>1</strong> van <span data-sold>3</span> binnen" in page


def test_the_offline_list_holds_hashes_of_the_valid_codes_never_the_codes(client, door):
    show = f.show(seat_map="3x3", theatre=True)
    codes = list(_sold(show).tickets.values_list("code", flat=True))
    f.held(show, quantity=1)
    body = client.get(reverse("desk:boxoffice_door_codes", args=[show.pk])).content.decode()
    listed = json.loads(body)["codes"]
    assert set(listed) == {code_hash(show.pk, c) for c in codes}
    for code in codes:
        assert code not in body
    assert code_hash(show.pk, codes[0]) != code_hash(show.pk + 1, codes[0])  # bound to the show


def _sync(client, show, scans):
    return client.post(
        reverse("desk:boxoffice_door_sync", args=[show.pk]),
        json.dumps({"scans": scans}),
        content_type="application/json",
    )


def test_offline_scans_are_applied_once_and_a_real_double_is_reported(client, door):
    show = f.show(seat_map="3x3", theatre=True)
    a, b = _sold(show).tickets.order_by("pk")
    type(show).objects.filter(pk=show.pk).update(starts_at=timezone.now() + dt.timedelta(hours=1))  # tonight
    show.refresh_from_db()
    at = (timezone.now() - dt.timedelta(minutes=3)).isoformat()
    later = (timezone.now() - dt.timedelta(minutes=1)).isoformat()
    scans = [{"code": a.code, "at": at}, {"code": b.code, "at": at}]
    first = _sync(client, show, scans).json()
    assert [r["result"] for r in first["results"]] == ["ok", "ok"]
    assert (first["inside"], first["sold"]) == (2, 2)
    again = _sync(client, show, scans).json()  # the door sent its queue twice: nothing changes
    assert [r["result"] for r in again["results"]] == ["ok", "ok"]
    a.refresh_from_db()
    assert a.checked_in_at == dt.datetime.fromisoformat(at).replace(microsecond=a.checked_in_at.microsecond)
    double = _sync(client, show, [{"code": a.code, "at": later}]).json()  # another door let the same code in
    assert double["results"][0]["result"] == "already"
    assert "Al gescand om" in double["results"][0]["message"]
    assert Ticket.objects.filter(checked_in_at__isnull=False).count() == 2


@pytest.mark.parametrize(
    "body",
    [b"nee", b"{}", b'{"scans": "x"}', b'{"scans": [{"at": "2026"}]}', b'{"scans": [{"code": "x", "at": "gisteren"}]}'],
)
def test_a_sync_the_door_cannot_read_is_a_400_and_nothing_is_written(client, door, body):
    show = f.show(seat_map="2x2", theatre=True)
    response = client.post(reverse("desk:boxoffice_door_sync", args=[show.pk]), body, content_type="application/json")
    assert response.status_code == 400
    assert not Ticket.objects.filter(checked_in_at__isnull=False).exists()


def test_an_offline_scan_from_another_day_is_refused(client, door):
    show = f.show(seat_map="2x2", theatre=True)
    code = _sold(show).tickets.first().code
    response = _sync(client, show, [{"code": code, "at": (show.starts_at - dt.timedelta(days=2)).isoformat()}])
    assert response.status_code == 400
