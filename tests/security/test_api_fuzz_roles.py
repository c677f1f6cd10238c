"""schemathesis over every API operation as each role, under production's settings: no server error,
no status the schema does not declare, every answer as the schema says.

tests/test_api_fuzz.py does the same as an anonymous caller; here each role signs
in with a session cookie (privacy officer and administrator with their second
factor) in the access tests' world, so the handlers behind the role checks are
fuzzed too. Few examples per operation and role keep it quick; the world is
rolled back after each operation. The examples are the same on every run (the
"kolk" Hypothesis profile in tests/conftest.py); inputs fuzzing found to break kolk
behind a login are kept in FOUND and sent on every run.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as django_settings
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from kolk.wsgi import application
from tests.security.world import ROLES
from tests.test_api_fuzz import NUL, THROUGH_THE_PROXY, examples, production  # noqa: F401 (a fixture)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
SIGNED_IN = [role for role in ROLES if role != "anonymous"]
CSRF = "k" * 32


@pytest.fixture(autouse=True)
def _fresh_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _keep_the_connection():
    """The WSGI calls run in the test's transaction: like Django's test client, keep the
    connection open across them (Django closes it at each request's end otherwise)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def signed_in(role, world) -> dict:
    """A session caller sends the CSRF token as a browser page would, so writes reach the handlers."""
    cookies = {django_settings.SESSION_COOKIE_NAME: world.sessions[role], django_settings.CSRF_COOKIE_NAME: CSRF}
    return {"cookies": cookies, "headers": {"X-CSRFToken": CSRF, **THROUGH_THE_PROXY}}


@pytest.mark.parametrize("role", SIGNED_IN)
@schema.parametrize()
@settings(max_examples=examples(5), deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_as_each_role(case, role, db, world):
    case.call_and_validate(
        **signed_in(role, world), checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )


# Found behind a login on PostgreSQL (which refuses NUL in text): a NUL byte in the
# library's member search and in a copy's barcode was a 500. Each is a 400 with a
# message, declared in the schema, on every run.
FOUND = [
    pytest.param(
        "library_staff",
        "POST",
        "/api/v1/library/members/search",
        {"body": {"q": f"de{NUL}Vries"}, "media_type": "application/json"},
        id="member-search",
    ),
    pytest.param(
        "desk",
        "POST",
        "/api/v1/library/members/search",
        {"body": {"q": NUL}, "media_type": "application/json"},
        id="member-search-desk",
    ),
    pytest.param(
        "library_staff",
        "GET",
        "/api/v1/library/copies/{barcode}",
        {"path_parameters": {"barcode": f"B{NUL}1"}},
        id="copy",
    ),
    pytest.param(
        "box_office", "GET", "/api/v1/boxoffice/orders/{token}", {"path_parameters": {"token": NUL}}, id="order-token"
    ),
]


@pytest.mark.parametrize(("role", "method", "path", "parts"), FOUND)
def test_inputs_the_fuzzing_found_are_a_client_error_signed_in(role, method, path, parts, db, world):
    case = schema[path][method].Case(**parts)
    response = case.call_and_validate(
        **signed_in(role, world), checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
    assert response.status_code == 400, response.text
    assert response.json()["message"]
