"""The API's open doors are limited per caller as kolk counts callers: an X-Forwarded-For the client
wrote itself names no new caller, and a member filing privacy requests in a loop is stopped with a
429 in words, after writing the ones within the limit."""

from __future__ import annotations

import pytest

from kolk.privacy.models import RightsRequest
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
