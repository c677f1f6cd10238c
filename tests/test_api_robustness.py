"""The API answers malformed requests with a client error, never a server error (found by schemathesis)."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_a_multipart_body_without_a_boundary_is_a_400(client):
    response = client.generic(
        "POST", "/api/v1/boxoffice/payments/mollie/webhook", "id=", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert response.json()["code"] in ("bad_body", "bad_request")


@pytest.mark.django_db
def test_an_id_larger_than_the_database_holds_is_not_a_server_error(client):
    response = client.get("/api/v1/library/titles/99999999999999999999999/copies")
    # SQLite's driver cannot take the number (400); PostgreSQL's lookup finds nothing.
    assert response.status_code in (200, 400)
    assert response.status_code == 200 or "te groot" in response.json()["message"]
