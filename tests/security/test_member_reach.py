"""A member reaching for another member's data by id is refused, and the attempt is logged.

Every page and API operation open to members that takes an id (person, loan,
reservation, order, invoice, subscription) is called with the ids of another
member, `ander`. The answer is 404, word for word the answer for an id that does
not exist, so it tells nothing about what exists; nothing of theirs is in it, and
an audit entry records the attempt: the caller as actor, the caller's own person
as subject, the record reached for only as a pseudonym. The API and the staff
pages reach people through one helper (kolk.people.reach: reach.refused); the
portal through its own (kolk.web.portal.owned_or_404: portal.denied).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from kolk.privacy.audit import pseudonym
from kolk.privacy.models import AuditEntry
from tests.security.world import World, login

A = "/api/v1"
# (method, url with {key} from World.other, JSON body, the record's model) for the API ...
API_REACHES = [
    ("GET", A + "/library/members/{person}", None, "people.person"),
    ("GET", A + "/library/loans?person_id={person}", None, "people.person"),
    ("GET", A + "/library/reservations?person_id={person}", None, "people.person"),
    ("POST", A + "/library/loans/{loan}/renew", {}, "library.loan"),
    ("POST", A + "/library/reservations/{reservation}/cancel", {}, "library.reservation"),
    ("POST", A + "/library/subscriptions/{subscription}/cancel", {"reason": "moved"}, "library.subscription"),
    (
        "POST",
        A + "/library/reservations",
        {"title_id": 0, "person_id": "{person}", "pickup_branch": "x"},
        "people.person",
    ),
    ("GET", A + "/billing/people/{person}/invoices", None, "people.person"),
    ("GET", A + "/billing/invoices/{invoice}", None, "billing.invoice"),
    ("GET", A + "/billing/invoices/{invoice}/pdf", None, "billing.invoice"),
    ("GET", A + "/privacy/requests/{request}", None, "privacy.rightsrequest"),
]
# ... and the portal's pages.
PAGE_REACHES = [
    ("GET", "/mijn/download/{person}.json", "people.person"),
    ("POST", "/mijn/uitleningen/{loan}/verlengen", "library.loan"),
    ("POST", "/mijn/reserveringen/{reservation}/annuleren", "library.reservation"),
    ("GET", "/mijn/kaartjes/{order}", "boxoffice.order"),
    ("GET", "/mijn/facturen/{invoice}.pdf", "billing.invoice"),
]
KEYS = [
    ("people.person", "person"),
    ("library.loan", "loan"),
    ("library.reservation", "reservation"),
    ("library.subscription", "subscription"),
    ("boxoffice.order", "order"),
    ("billing.invoice", "invoice"),
    ("privacy.rightsrequest", "request"),
]


def _ids(world: World) -> dict[str, str]:
    return {k: str(v) for k, v in world.other.items()}


def _body(body: Any, ids: dict[str, str]) -> Any:
    if body is None:
        return None
    filled = {k: (int(v.format(**ids)) if isinstance(v, str) and v.startswith("{") else v) for k, v in body.items()}
    return json.dumps(filled)


@pytest.mark.parametrize(
    ("method", "url", "body", "model"), API_REACHES, ids=[f"{m} {u}" for m, u, _b, _m in API_REACHES]
)
def test_the_api_refuses_another_members_record_and_logs_it(client, db, world, method, url, body, model):
    ids = _ids(world)
    login(client, world, "member")
    target = url.format(**ids)
    if method == "GET":
        response = client.get(target)
    else:
        response = client.post(target, _body(body, ids), content_type="application/json")
    assert response.status_code == 404, response.content
    assert b"matrix-ander" not in response.content
    entry = AuditEntry.objects.get(action="reach.refused")
    me = world.users["member"]
    assert entry.actor == f"user:{me.pk}"
    assert entry.subject_ref == pseudonym(me.person)
    key = dict(KEYS)[model]
    assert entry.details == {"model": model, "target": pseudonym(label=model, pk=ids[key])}


@pytest.mark.parametrize(("method", "url", "model"), PAGE_REACHES, ids=[u for _m, u, _mo in PAGE_REACHES])
def test_the_portal_refuses_another_members_record_and_logs_it(client, db, world, method, url, model):
    ids = _ids(world)
    login(client, world, "member")
    target = url.format(**ids)
    response = client.get(target) if method == "GET" else client.post(target)
    assert response.status_code == 404
    entry = AuditEntry.objects.get(action="portal.denied")
    me = world.users["member"]
    assert entry.subject_ref == pseudonym(me.person)
    assert entry.details["model"] == model
    assert entry.details["target"] == pseudonym(label=model, pk=ids[dict(KEYS)[model]])
    assert "id" not in entry.details


def test_the_same_ids_are_the_members_own_records_for_their_owner(client, db, world):
    """The refusals above are about whose the record is, not about the ids being wrong."""
    login(client, world, "member")
    own = {k: str(v) for k, v in world.ids.items()}
    assert client.get(f"{A}/library/members/{own['person']}").status_code == 200
    assert client.get(f"{A}/billing/invoices/{own['invoice']}").status_code == 200
    assert client.get(f"/mijn/kaartjes/{own['order']}").status_code == 200
    assert not AuditEntry.objects.filter(action__in=["reach.refused", "portal.denied"]).exists()


def test_a_refusal_is_also_a_security_log_record_without_personal_data(client, db, world, caplog):
    login(client, world, "member")
    with caplog.at_level("WARNING", logger="kolk.security"):
        client.get(f"{A}/library/members/{world.other['person']}")
    record = next(r for r in caplog.records if r.name == "kolk.security")
    assert "reach.refused" in record.getMessage()
    assert str(world.other["person"]) not in record.getMessage().split("target=")[0]


NO_SUCH_ID = "987654321"


@pytest.mark.parametrize(
    ("method", "url", "body", "model"), API_REACHES, ids=[f"{m} {u}" for m, u, _b, _m in API_REACHES]
)
def test_another_members_record_looks_exactly_like_one_that_does_not_exist(client, db, world, method, url, body, model):
    """The answer for someone else's record is the answer for no record at all: same status, same words."""
    login(client, world, "member")
    answers = []
    for ids in (_ids(world), dict.fromkeys(_ids(world), NO_SUCH_ID)):
        target = url.format(**ids)
        if method == "GET":
            response = client.get(target)
        else:
            response = client.post(target, _body(body, ids), content_type="application/json")
        answers.append((response.status_code, response.json()))
    assert answers[0] == answers[1]
    assert answers[0][0] == 404
