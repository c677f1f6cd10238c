"""Errors a user may see: each carries a stable code, a message in the user's language
and the HTTP status the edge answers with.

Services raise them; the edge (kolk.core.edge for pages, kolk.api.api for the API)
turns every one into a response in one place, so no view builds an error by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class KolkError(Exception):
    """A refusal with a translatable message; nothing was written.

    A refusal by a business rule (the copy is on loan, the seat is taken) is a
    conflict with the state of things: 409.
    """

    status = 409
    default_code = "refused"

    def __init__(
        self,
        message: str | Promise,
        *,
        code: str | None = None,
        fields: Mapping[str, Sequence[str | Promise]] | None = None,
    ) -> None:
        self.message = message
        self.code = code or self.default_code
        self.fields = {name: [str(m) for m in msgs] for name, msgs in (fields or {}).items()}
        super().__init__(str(message))


class Invalid(KolkError):
    """The input is not valid: `fields` says which value is wrong and why."""

    status = 422
    default_code = "invalid"


class BadRequest(KolkError):
    """The request cannot be read at all (bad bytes, a broken body)."""

    status = 400
    default_code = "bad_request"


class NotSignedIn(KolkError):
    """Only for someone who signed in; `login` names the login page of the caller's kind."""

    status = 401
    default_code = "not_signed_in"

    def __init__(self, message: str | Promise | None = None, *, login: str = "desk:login") -> None:
        super().__init__(message or _("Log eerst in."))
        self.login = login


class NotAllowed(KolkError):
    """The actor may not do this."""

    status = 403
    default_code = "not_allowed"


class NotFound(KolkError):
    """There is nothing here, or nothing the caller may see: the two look alike on purpose."""

    status = 404
    default_code = "not_found"

    def __init__(self, message: str | Promise | None = None, *, code: str | None = None) -> None:
        super().__init__(message or _("Niet gevonden."), code=code)


class TooMany(KolkError):
    """Too many tries in a short time; try again later."""

    status = 429
    default_code = "too_many"


def invalid_from(exc: ValidationError) -> Invalid:
    """Django's ValidationError (from a model's or a service's checks) as kolk's Invalid."""
    if hasattr(exc, "error_dict"):
        fields = {name: list(msgs) for name, msgs in exc.message_dict.items()}
        message = " ".join(m for msgs in fields.values() for m in msgs)
        return Invalid(message, fields=fields)
    return Invalid(" ".join(exc.messages), fields={"__all__": exc.messages})
