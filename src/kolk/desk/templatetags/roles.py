"""`{% load roles %}` … `{% if user|has_role:"privacy_officer" %}`."""

from __future__ import annotations

from typing import Any

from django import template

from kolk.core.roles import Role
from kolk.core.roles import has_role as user_has_role

register = template.Library()


@register.filter
def has_role(user: Any, role: str) -> bool:
    return user_has_role(user, Role(role), Role.ADMINISTRATOR)
