"""Errors a user may see: each carries a message in the user's language."""

from __future__ import annotations

from django.utils.functional import Promise


class KolkError(Exception):
    """A refusal with a translatable message; nothing was written."""

    def __init__(self, message: str | Promise, *, code: str = "invalid") -> None:
        self.message = message
        self.code = code
        super().__init__(str(message))


class NotAllowed(KolkError):
    """The actor may not do this."""

    def __init__(self, message: str | Promise, *, code: str = "not_allowed") -> None:
        super().__init__(message, code=code)
