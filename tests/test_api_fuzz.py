"""schemathesis over the whole OpenAPI schema, as an anonymous caller: no server error, ever.

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

from kolk.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


def examples(in_the_suite: int) -> int:
    """Examples per operation: `in_the_suite` under the suite's profile, ten times as many under "explore"."""
    return max(1, in_the_suite * settings.default.max_examples // 100)


@pytest.fixture(autouse=True)
def _fresh_limits():
    from django.core.cache import cache

    cache.clear()


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(max_examples=examples(15), deadline=None, suppress_health_check=list(HealthCheck))
def test_no_operation_fails_on_the_server(case):
    case.call_and_validate(checks=[not_a_server_error])
