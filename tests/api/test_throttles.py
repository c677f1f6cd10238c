"""The API's open doors are limited per caller as kolk counts callers: an X-Forwarded-For the client
wrote itself names no new caller, and a member filing privacy requests in a loop is stopped with a
429 in words, after writing the ones within the limit. The count is kept in the database
(kolk.core.throttle), one statement a call, under a keyed hash of the caller, so every web process
and every connection shares it; a refusal says when to try again (Retry-After)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kolk.core.models import Throttle
from kolk.core.throttle import throttle_key
from kolk.privacy.models import RightsRequest
from tests.boxoffice.race import in_parallel
from tests.web.factories import member

pytestmark = pytest.mark.django_db
CONTACT = "/api/v1/comms/contact"


def _question(client, n: int, **headers):
    body = {"name": "Anna", "email": f"anna{n}@example.nl", "question": f"Vraag {n}: hoe laat open?"}
    return client.post(CONTACT, body, content_type="application/json", **headers)


def test_a_made_up_forwarded_for_does_not_reset_the_public_forms_limit(client):
    answers = [_question(client, n, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(22)]
    assert answers[:20] == [201] * 20
    assert answers[20:] == [429, 429]
    refused = _question(client, 99, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert refused.status_code == 429
    assert refused.json()["message"] == "Te veel verzoeken achter elkaar; probeer het later nog eens."


def test_behind_our_proxy_each_client_has_its_own_limit(client, settings):
    settings.KOLK_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for n in range(20):
        assert _question(client, n, HTTP_X_REAL_IP="203.0.113.5").status_code == 201
    assert _question(client, 20, HTTP_X_REAL_IP="203.0.113.5").status_code == 429
    assert _question(client, 21, HTTP_X_REAL_IP="203.0.113.6").status_code == 201


def test_a_member_filing_privacy_requests_in_a_loop_is_stopped(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(member())
    body = {"kind": "access", "text": ""}
    answers = [
        client.post("/api/v1/privacy/requests", body, content_type="application/json").status_code for _ in range(11)
    ]
    assert answers == [201] * 10 + [429]
    assert RightsRequest.objects.count() == 10


def test_a_refusal_is_in_the_callers_language_with_retry_after_and_costs_one_query(client):
    for n in range(20):
        assert _question(client, n).status_code == 201
    with CaptureQueriesContext(connection) as captured:
        refused = _question(client, 20, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert refused.json()["message"] == "Too many requests in a row; please try again later."
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert len(captured.captured_queries) == 1, [q["sql"] for q in captured.captured_queries]


def test_a_granted_call_is_counted_in_one_statement_under_a_hash_of_the_address(client):
    with CaptureQueriesContext(connection) as captured:
        assert _question(client, 1, REMOTE_ADDR="192.0.2.44").status_code == 201
    counted = [q["sql"] for q in captured.captured_queries if Throttle._meta.db_table in q["sql"]]
    assert len(counted) == 1
    assert list(Throttle.objects.values_list("key", "hits")) == [(throttle_key("api.anon", "address:192.0.2.44"), 1)]


def test_the_public_doors_share_one_limit_per_caller(client):
    for n in range(20):
        assert _question(client, n).status_code == 201
    signup = client.post("/api/v1/comms/newsletter", {"email": "lezer@example.nl"}, content_type="application/json")
    assert signup.status_code == 429


def test_a_member_is_counted_by_a_hash_of_their_login_not_their_address(client):
    user = member()
    client.force_login(user)
    body = {"kind": "access", "text": ""}
    for ip in ("192.0.2.1", "192.0.2.2"):
        response = client.post("/api/v1/privacy/requests", body, content_type="application/json", REMOTE_ADDR=ip)
        assert response.status_code == 201
    assert list(Throttle.objects.values_list("key", "hits")) == [(throttle_key("api.member", f"user:{user.pk}"), 2)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_calls_from_one_caller_pass_exactly_the_limit():
    """Each thread its own connection, as from as many web processes: 30 questions at once, 20 pass."""
    go = threading.Barrier(30)

    def ask(n: int) -> str:
        go.wait(timeout=30)
        return str(_question(Client(), n, REMOTE_ADDR="198.51.100.30").status_code)

    answers = in_parallel([lambda n=n: ask(n) for n in range(30)], threads=30)
    assert answers == {"201": 20, "429": 10}
    assert Throttle.objects.get().hits == 21  # full
