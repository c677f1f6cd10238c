"""schemathesis over the whole OpenAPI schema, as an anonymous caller: no server error, ever,
and no status the schema does not declare, under production's settings.

Every operation is tried with generated input, malformed bodies and bad types.
Operations behind a login answer 401/403 here; the role tests of each app cover
them signed in.

The generated examples are the same on every run (the "kolk" Hypothesis profile in
tests/conftest.py derandomizes them and keeps no example database), so the verdict
depends on the code alone. Inputs that fuzzing found to break kolk are kept in FOUND
and sent on every run, whatever the generator happens to try.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from kolk.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
NUL = "\x00"


def examples(in_the_suite: int) -> int:
    """Examples per operation: `in_the_suite` under the suite's profile, ten times as many under "explore"."""
    return max(1, in_the_suite * settings.default.max_examples // 100)


@pytest.fixture(autouse=True)
def _fresh_limits():
    from django.core.cache import cache

    cache.clear()


# Production behind its TLS proxy (settings.py with KOLK_DEBUG=false): HTTPS only, secure
# cookies; the fuzzing calls say they came through the proxy over HTTPS.
PRODUCTION = {
    "DEBUG": False,
    "SECURE_SSL_REDIRECT": True,
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}
THROUGH_THE_PROXY = {"X-Forwarded-Proto": "https"}


@pytest.fixture(autouse=True)
def production(settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_on_the_server(case):
    case.call_and_validate(headers=THROUGH_THE_PROXY, checks=[not_a_server_error, status_code_conformance])


# Found by the fuzzing above (one run in five on PostgreSQL, which refuses NUL in text):
# a NUL byte in the Mollie webhook's id, in an order token and in the catalogue search
# was a 500. Each is a 400 with a message, on every run.
FOUND = [
    pytest.param(
        "POST",
        "/api/v1/boxoffice/payments/mollie/webhook",
        {"body": {"id": f"tr_{NUL}"}, "media_type": "application/x-www-form-urlencoded"},
        id="webhook-id",
    ),
    pytest.param(
        "POST",
        "/api/v1/boxoffice/payments/mollie/webhook",
        {"body": {"id": NUL}, "media_type": "application/x-www-form-urlencoded"},
        id="webhook-id-only-nul",
    ),
    pytest.param("GET", "/api/v1/boxoffice/orders/{token}", {"path_parameters": {"token": NUL}}, id="order-token"),
    pytest.param(
        "GET", "/api/v1/boxoffice/orders/{token}", {"path_parameters": {"token": f"abc{NUL}def"}}, id="order-token-mid"
    ),
    pytest.param(
        "POST",
        "/api/v1/boxoffice/orders/{token}/pay",
        {"path_parameters": {"token": NUL}, "body": {"method": "ideal"}, "media_type": "application/json"},
        id="order-token-pay",
    ),
    pytest.param(
        "POST",
        "/api/v1/boxoffice/orders/{token}/checkout",
        {
            "path_parameters": {"token": NUL},
            "body": {"buyer_name": "A. de Vries", "buyer_email": "a@example.nl"},
            "media_type": "application/json",
        },
        id="order-token-checkout",
    ),
    pytest.param("GET", "/api/v1/library/catalogue", {"query": {"q": f"ro{NUL}man"}}, id="catalogue-search"),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("method", "path", "parts"), FOUND)
def test_inputs_the_fuzzing_found_are_a_client_error(method, path, parts):
    case = schema[path][method].Case(**parts)
    response = case.call_and_validate(headers=THROUGH_THE_PROXY, checks=[not_a_server_error, status_code_conformance])
    assert response.status_code == 400, response.text
    assert response.json()["message"]
