"""A form's field linked to its error and help text, so a screen reader announces the error with it
(UX.md); for the site's and the desk's forms alike."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def described(field: Any) -> Any:
    """The field's widget, pointing at its error and help text (aria-describedby) and marked invalid on an error."""
    ids = []
    attrs: dict[str, str] = {}
    if field.errors:
        ids.append(f"{field.auto_id}_error")
        attrs["aria-invalid"] = "true"
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    return field.as_widget(attrs=attrs)
