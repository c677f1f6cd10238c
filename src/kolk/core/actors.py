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
