"""What the pages' forms share: a service's refusal shown on the form that asked for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError


def refusal_to_form(form: Any, exc: ValidationError, *, renamed: Mapping[str, str] | None = None) -> None:
    """Put a service's ValidationError on `form`: each message at its field (a service's field name
    that the form calls otherwise through `renamed`), anything not about one of its fields above them."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        name = (renamed or {}).get(field, field)
        form.add_error(name if name in form.fields else None, errors)
