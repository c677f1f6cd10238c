"""`{% load workplace %}` … `{% desk_menu as menu %}`: the staff workplace's menu and workstation."""

from __future__ import annotations

from typing import Any

from django import template

from kolk.core.roles import Role, role_names
from kolk.desk.workplace import tools_for, workstation_of
from kolk.library.models import Branch

register = template.Library()


@register.simple_tag(takes_context=True)
def desk_menu(context: Any) -> dict[str, Any]:
    request = context.get("request")
    if request is None or not getattr(request.user, "is_authenticated", False):
        return {"tools": [], "workstation": None, "branches": [], "roles": ""}
    names = role_names(request.user)
    return {
        "tools": tools_for(request.user, request.path),
        "workstation": workstation_of(request),
        "branches": list(Branch.objects.order_by("name")),
        "roles": ", ".join(role.label for role in Role if role.value in names),
    }
