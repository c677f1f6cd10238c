"""The library's fixtures, shared with the API tests."""

from tests.library.conftest import copy, member, rules

__all__ = ["copy", "member", "rules"]
