"""The season through the API: theaterabonnementen on sale and their hold, the presale on every hold,
a code on an order, a sold-out show's waiting list; refusals in the API's one shape."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import Order, Series, Show, WaitlistEntry
from kolk.boxoffice.services.selling import order_pay
from kolk.boxoffice.services.vouchers import voucher_issue
from kolk.core.clock import now
from kolk.core.roles import Role
from kolk.library.services.members import subscription_start
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/boxoffice"


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def season(shows: int = 4) -> Series:
    hall = f.hall(seat_map="3x10")
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=4, discount_percent=20)
    series.shows.set([f.show(hall=hall, theatre=True, in_days=7 + i) for i in range(shows)])
    return series


def signed_in_member(client, *, subscribed: bool):
    person = PersonFactory(with_pass=True)
    if subscribed:
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    user = UserFactory(roles=[Role.MEMBER], is_staff=False)
    user.person = person
    user.save()
    client.force_login(user)
    return person


def test_the_series_on_sale_and_one_with_its_shows_at_the_series_price(client):
    series = season(4)
    Series.objects.create(name="Te klein", season="2026-2027", min_shows=9)
    listed = client.get(f"{API}/series").json()
    assert [s["name"] for s in listed] == ["Drents Toneel"]
    assert listed[0]["show_count"] == 4
    assert listed[0]["in_presale"] is False
    one = client.get(f"{API}/series/{series.pk}").json()
    assert [s["series_price_cents"] for s in one["shows"]] == [1000] * 4
    assert client.get(f"{API}/series/999999").json()["code"] == "not_found"


def test_a_guest_holds_a_theaterabonnement_with_the_same_seats_in_each_show(client):
    series = season(4)
    ids = [s["id"] for s in client.get(f"{API}/series/{series.pk}").json()["shows"]]
    held = post(client, f"{API}/series/{series.pk}/hold", {"show_ids": ids, "quantity": 2})
    assert held.status_code == 201
    body = held.json()
    assert body["total_cents"] == 8000
    assert sorted({t["show_id"] for t in body["tickets"]}) == sorted(ids)
    assert len({(t["row"], t["number"]) for t in body["tickets"]}) == 2
    too_few = post(client, f"{API}/series/{series.pk}/hold", {"show_ids": ids[:2], "quantity": 2})
    assert too_few.status_code == 422
    assert "show_ids" in too_few.json()["fields"]


def test_in_the_presale_only_a_member_with_a_current_pass_holds_a_show_or_a_series(client):
    series = season(4)
    Series.objects.filter(pk=series.pk).update(public_from=now() + dt.timedelta(days=3))
    show = f.show(seat_map="2x5", theatre=True, in_days=20)
    Show.objects.filter(pk=show.pk).update(public_from=now() + dt.timedelta(days=3))
    ids = list(series.shows.values_list("pk", flat=True))
    for url, body in (
        (f"{API}/series/{series.pk}/hold", {"show_ids": ids, "quantity": 1}),
        (f"{API}/shows/{show.pk}/hold", {"quantity": 1}),
    ):
        refused = post(client, url, body)
        assert refused.status_code == 409
        assert refused.json()["code"] == "presale"
        assert refused.json()["message"].startswith("Voorverkoop voor leden tot ")
    signed_in_member(client, subscribed=False)
    assert post(client, f"{API}/shows/{show.pk}/hold", {"quantity": 1}).status_code == 409
    signed_in_member(client, subscribed=True)
    assert post(client, f"{API}/shows/{show.pk}/hold", {"quantity": 1}).status_code == 201
    assert post(client, f"{API}/series/{series.pk}/hold", {"show_ids": ids, "quantity": 1}).status_code == 201
    assert Order.objects.count() == 2


def test_a_voucher_pays_part_of_an_order_and_a_bad_code_is_told_in_the_api_s_shape(client):
    order = f.checked_out(f.show(), quantity=2)
    voucher = voucher_issue(value_cents=1000, actor=None)
    url = f"{API}/orders/{order.token}/code"
    assert post(client, url, {"code": "ab\x00cd"}).status_code == 400
    unknown = post(client, url, {"code": "ABCD-EFGH-JKMN-PQRS"})
    assert unknown.status_code == 422
    assert set(unknown.json()) == {"code", "message", "fields"}
    paid = post(client, url, {"code": code_display(voucher.code).lower()})
    assert paid.status_code == 200
    assert (paid.json()["kind"], paid.json()["amount_cents"], paid.json()["order"]["total_cents"]) == (
        "voucher",
        1000,
        1500,
    )
    assert post(client, f"{API}/orders/nep/code", {"code": "x"}).status_code == 404


def test_a_sold_out_show_s_waiting_list_is_joined_and_a_show_with_seats_refuses(client):
    show = f.show(seat_map="1x2", theatre=True)
    url = f"{API}/shows/{show.pk}/waitlist"
    not_yet = post(client, url, {"name": "Wim Wachter", "email": "wim@example.nl", "quantity": 2})
    assert (not_yet.status_code, not_yet.json()["code"]) == (409, "not_sold_out")
    order_pay(order=f.checked_out(show, quantity=2), method=Order.Method.CASH, actor=None)
    bad = post(client, url, {"name": "Wim", "email": "geen", "quantity": 9})
    assert bad.status_code == 422
    assert {"email", "quantity"} <= set(bad.json()["fields"])
    assert post(client, url, {"name": "Wim\x00", "email": "w@example.nl"}).status_code == 400
    joined = post(client, url, {"name": "Wim Wachter", "email": "wim@example.nl", "quantity": 2})
    assert joined.status_code == 201
    assert joined.json() == {"show_id": show.pk, "quantity": 2, "status": "waiting", "offer_hours": 24}
    assert post(client, url, {"name": "Wim", "email": "WIM@example.nl"}).json()["code"] == "already_waiting"
    assert WaitlistEntry.objects.get().email == "wim@example.nl"


def test_the_openapi_document_lists_the_season_with_its_error_answers(client):
    doc = client.get("/api/v1/openapi.json").json()
    hold = doc["paths"]["/api/v1/boxoffice/series/{series_id}/hold"]["post"]
    assert {"201", "404", "409", "422"} <= set(hold["responses"])
    assert hold["x-kolk-access"]["public"] is True
    for path in (
        "/api/v1/boxoffice/series",
        "/api/v1/boxoffice/orders/{token}/code",
        "/api/v1/boxoffice/shows/{show_id}/waitlist",
    ):
        assert path in doc["paths"]
