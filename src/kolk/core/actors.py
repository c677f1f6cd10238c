"""Who acts: the type every service's `actor=` takes.

A signed-in user (staff, a member, a kiosk's account), an anonymous visitor (the
public site's forms), or None for kolk itself (a periodic job, a command). The
audit log names each (kolk.privacy.audit.actor_ref).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # auth's models are not importable before Django's apps are ready
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

Actor: TypeAlias = "AbstractBaseUser | AnonymousUser | None"


def user_id(actor: Actor, *, staff_only: bool = False) -> int | None:
    """The id of the signed-in user behind `actor`, for a record's `..._by` column.

    None for kolk itself and for an anonymous visitor; with `staff_only`, also for a
    member acting for themself (the record then says the person did it, not staff).
    """
    if actor is None or not actor.is_authenticated:
        return None
    if staff_only and not getattr(actor, "is_staff", False):
        return None
    return int(actor.pk)
