"""Fixtures of the privacy tests."""

from tests.browser import phone  # noqa: F401  (the member's phone, for browser tests)
