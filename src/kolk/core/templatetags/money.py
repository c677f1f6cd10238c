"""`{% load money %}{{ invoice.total_cents|euros }}` -> `€ 49,50` (kolk.core.money)."""

from __future__ import annotations

from django import template

from kolk.core.money import euros as format_euros

register = template.Library()


@register.filter
def euros(cents: int | str | None) -> str:
    """Cents as euros in Dutch notation; an empty value (a missing variable) stays empty."""
    if cents is None or cents == "":
        return ""
    return format_euros(int(cents), nbsp=True)
