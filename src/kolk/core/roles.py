"""The roles of kolk's users; each is a Django group of the same name."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    MEMBER = "member"
    DESK = "desk"
    LIBRARY_STAFF = "library_staff"
    BOX_OFFICE = "box_office"
    MARKETING = "marketing"
    PRIVACY_OFFICER = "privacy_officer"
    ADMINISTRATOR = "administrator"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.MEMBER: _("lid"),
    Role.DESK: _("balie"),
    Role.LIBRARY_STAFF: _("bibliotheekmedewerker"),
    Role.BOX_OFFICE: _("kassa"),
    Role.MARKETING: _("marketing"),
    Role.PRIVACY_OFFICER: _("privacy officer"),
    Role.ADMINISTRATOR: _("beheerder"),
}


def has_role(user: Any, *roles: Role) -> bool:
    """True when the user is active and has one of the roles (superusers have all)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_kolk_roles", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._kolk_roles = names
    return any(role.value in names for role in roles)
