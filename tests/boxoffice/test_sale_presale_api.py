"""The API's walk-in sale in a show's members' presale: sold to a member whose pass the till scans, as the
desk's till sells; other passes refused at their field in the caller's language; documented in OpenAPI."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kolk.boxoffice.models import Order, Show
from kolk.core.clock import now
from kolk.core.roles import Role
from kolk.library.services.members import subscription_start
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/boxoffice"


def post(client, url, body, language="nl"):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)


def member_pass(*, subscribed: bool) -> str:
    person = PersonFactory(with_pass=True)
    if subscribed:
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return person.pass_number


@pytest.fixture
def presale_show(client):
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    show = f.show(seat_map="2x5", theatre=True, in_days=20)
    Show.objects.filter(pk=show.pk).update(public_from=now() + dt.timedelta(days=2))
    return show


def test_in_the_presale_the_api_sells_to_a_member_whose_pass_is_scanned(client, presale_show):
    url = f"{API}/shows/{presale_show.pk}/sale"
    # Before: no member was passed, so every sale in the presale was refused.
    sold = post(client, url, {"quantity": 2, "method": "card", "pass_number": member_pass(subscribed=True)})
    assert sold.status_code == 201, sold.content
    assert sold.json()["status"] == "paid"
    assert len(sold.json()["tickets"]) == 2
    assert AuditEntry.objects.filter(action="subject.viewed", details__purpose="ticket_sales").count() == 1


def test_in_the_presale_no_pass_or_a_pass_that_is_not_a_member_s_is_refused_and_nothing_sold(client, presale_show):
    url = f"{API}/shows/{presale_show.pk}/sale"
    none = post(client, url, {"quantity": 1, "method": "cash"})
    assert (none.status_code, none.json()["code"]) == (409, "presale")
    assert none.json()["message"].startswith("Voorverkoop voor leden tot ")
    unknown = post(client, url, {"quantity": 1, "method": "cash", "pass_number": "99999999999999"})
    assert unknown.status_code == 422
    assert unknown.json()["fields"]["pass_number"] == ["Onbekende pas: kijk het nummer na of scan opnieuw."]
    lapsed = post(client, url, {"quantity": 1, "method": "cash", "pass_number": member_pass(subscribed=False)})
    assert lapsed.status_code == 422
    assert "lopend abonnement" in lapsed.json()["fields"]["pass_number"][0]
    too_long = post(client, url, {"quantity": 1, "method": "cash", "pass_number": "1" * 41})
    assert too_long.status_code == 422
    assert "pass_number" in json.dumps(too_long.json()["fields"])
    assert not Order.objects.exists()


def test_the_refusal_is_in_the_caller_s_language(client, presale_show):
    url = f"{API}/shows/{presale_show.pk}/sale"
    refused = post(client, url, {"quantity": 1, "method": "cash"}, language="en")
    assert refused.json()["message"].startswith("Members' presale until ")
    unknown = post(client, url, {"quantity": 1, "method": "cash", "pass_number": "99999999999999"}, language="en")
    assert unknown.json()["message"] == "Unknown pass."
    assert unknown.json()["fields"]["pass_number"] == ["Unknown pass: check the number or scan again."]


def test_before_the_presale_nobody_buys_and_after_it_the_pass_is_not_looked_up(client, presale_show):
    url = f"{API}/shows/{presale_show.pk}/sale"
    Show.objects.filter(pk=presale_show.pk).update(members_from=now() + dt.timedelta(days=1))
    early = post(client, url, {"quantity": 1, "method": "card", "pass_number": member_pass(subscribed=True)})
    assert (early.status_code, early.json()["code"]) == (409, "presale")
    assert early.json()["message"].startswith("De verkoop begint op ")
    looked_up = AuditEntry.objects.filter(action="subject.viewed").count()
    Show.objects.filter(pk=presale_show.pk).update(members_from=None, public_from=now() - dt.timedelta(hours=1))
    sold = post(client, url, {"quantity": 1, "method": "card", "pass_number": "99999999999999"})
    assert sold.status_code == 201
    assert AuditEntry.objects.filter(action="subject.viewed").count() == looked_up


def test_the_openapi_document_describes_the_pass_number(client):
    doc = client.get("/api/v1/openapi.json").json()
    sale = doc["paths"]["/api/v1/boxoffice/shows/{show_id}/sale"]["post"]
    assert {"201", "409", "422"} <= set(sale["responses"])
    assert "pass_number" in sale["description"]
    ref = sale["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    field = doc["components"]["schemas"][ref]["properties"]["pass_number"]
    assert field["maxLength"] == 40
    assert "presale" in field["description"]
