"""Every staff page states its roles; anyone else is sent to log in or refused."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from kolk.core.roles import Role, has_role

View = Callable[..., HttpResponse]


def role_required(*roles: Role) -> Callable[[View], View]:
    """Allow only users with one of `roles` (administrators are always allowed)."""
    allowed = (*roles, Role.ADMINISTRATOR)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), "desk:login")
            if not has_role(request.user, *allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.roles = allowed  # type: ignore[attr-defined]
        return wrapper

    return decorator


STAFF = (Role.DESK, Role.LIBRARY_STAFF, Role.BOX_OFFICE, Role.MARKETING, Role.PRIVACY_OFFICER)
