"""Portal login (A01, A02, X01): user name OR pass number, plus password.

The backend looks a login up by its user name and, failing that, by the pass
number of the person it belongs to (spaces ignored). django-axes counts
failures per account: `axes_username` maps a pass number to the user name it
belongs to, so switching between the two does not buy extra attempts.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from kolk.core.prepared import Prepared

# The signed-in user of a session, read on every request: compiled once per process.
_USER = Prepared(lambda pk: get_user_model()._default_manager.filter(pk=pk), int)


def find_login(identifier: str) -> Any | None:
    """The user whose user name, or whose person's pass number, is `identifier`."""
    identifier = identifier.strip()
    if not identifier:
        return None
    users = get_user_model()._default_manager
    user = users.filter(username=identifier).first()
    if user is None:
        compact = identifier.replace(" ", "")
        if compact.isdigit():
            user = users.filter(person__pass_number=compact).first()
    return user


class UsernameOrPassBackend(ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any | None:
        if username is None or password is None:
            return None
        user = find_login(username)
        if user is None:
            # Hash anyway, so that a missing login takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> Any | None:
        """The session's user, as ModelBackend reads it (an inactive one is nobody)."""
        if not isinstance(user_id, int):
            return super().get_user(user_id)
        user = _USER.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The account axes counts failures against: the user name a pass number belongs to."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")
    raw = (credentials or {}).get(field) or getattr(request, "POST", {}).get(field) or ""
    user = find_login(str(raw))
    return str(user.username) if user is not None else str(raw).strip()[:150]
