"""The website's tests start in Dutch: a request in English leaves its language active."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.browser import phone  # noqa: F401  (the member's phone, for browser tests)


@pytest.fixture(autouse=True)
def _dutch():
    translation.activate("nl")
    yield
    translation.activate("nl")
