"""The API answers malformed requests with a client error, never a server error (found by schemathesis)."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_a_multipart_body_without_a_boundary_is_a_400(client):
    response = client.generic(
        "POST", "/api/v1/boxoffice/payments/mollie/webhook", "id=", content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert "detail" in response.json()
