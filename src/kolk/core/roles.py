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
    KIOSK = "kiosk"  # a self-service kiosk's own account (kolk sip2), not a person

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
    Role.KIOSK: _("zelfbedieningszuil"),
}


# Roles that see everyone's data: they count only in a session verified with a
# second factor (TOTP, kolk.core.otp); so do a superuser's powers.
STRONG_ROLES = (Role.PRIVACY_OFFICER, Role.ADMINISTRATOR)


def role_names(user: Any) -> set[str]:
    """The names of the user's groups, cached on the user object for the request.

    Read on every signed-in request, so the statement is written once rather than
    built by the ORM each time (which costs more CPU than the database's answer).
    """
    names = getattr(user, "_kolk_roles", None)
    if names is None:
        names = _group_names(user)
        user._kolk_roles = names
    return names


def _group_names(user: Any) -> set[str]:
    from django.contrib.auth.models import Group
    from django.db import connections, router

    groups = user._meta.get_field("groups")  # the user may be a lazy object: ask its _meta
    connection = connections[router.db_for_read(Group)]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT g.name FROM {q(Group._meta.db_table)} g JOIN {q(groups.m2m_db_table())} m "  # noqa: S608
            f"ON m.{q(groups.m2m_reverse_name())} = g.{q(str(Group._meta.pk.column))} "
            f"WHERE m.{q(groups.m2m_column_name())} = %s",
            [user.pk],
        )
        return {name for (name,) in cursor.fetchall()}


def has_role(user: Any, *roles: Role) -> bool:
    """True when the user is active and has one of the roles (superusers have all).

    The privacy officer's and administrator's roles, and a superuser's, count only
    once the session passed the second factor: one rule for every page and endpoint.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    names = role_names(user)
    strong = {r.value for r in STRONG_ROLES}
    if (user.is_superuser or names & strong) and not is_verified(user):
        names = names - strong
    elif user.is_superuser:
        return True
    return any(role.value in names for role in roles)


def is_verified(user: Any) -> bool:
    """True when this request's session passed the TOTP step (django-otp's middleware tells).

    Here rather than in kolk.core.otp, which leads staff to that step by their
    roles: so otp imports roles and roles imports nothing of kolk.
    """
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False
