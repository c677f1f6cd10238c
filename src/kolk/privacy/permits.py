"""Who may use a page or an API operation: one declaration, from the register.

A page or operation declares the purpose it serves (or the few purposes: a
person's page serves the desk's lending and the Privacy Officer's rights); the
staff roles that may use it are the roles the register gives those purposes (`roles:` in the register), so
least privilege follows from the register like the statement does. `roles=`
narrows that further (cataloguing serves loan administration, but only library
staff catalogue); `members=True` lets a signed-in member in, to reach their own
data only (kolk.people.reach); `public=True` lets anyone in.

    @allow(purpose="lending")
    def member_page(request, pk): ...

    @router.get("/loans")
    @allow(purpose="lending", members=True)
    def loans(request, person_id): ...

The declaration is kept on the view as `.permit`: the role matrix and the API's
OpenAPI document read it, so what a page says and what it does cannot drift.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from django.http import HttpRequest
from django.utils.translation import gettext as _

from kolk.core.actors import Actor
from kolk.core.errors import NotAllowed, NotSignedIn
from kolk.core.roles import Role, has_role
from kolk.privacy.register import get_register

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Permit:
    """What a view declares: the purpose it serves and who may use it for that."""

    purposes: tuple[str, ...] = ()
    only: tuple[Role, ...] = ()
    members: bool = False
    public: bool = False
    login: str = "desk:login"

    @property
    def purpose(self) -> str | None:
        """The first purpose: the one a staff read is logged under when the role serves several."""
        return self.purposes[0] if self.purposes else None

    def staff_roles(self) -> frozenset[Role]:
        """The staff roles let in: those serving a purpose (narrowed by `only`), and the administrator."""
        if not self.purposes:
            return frozenset((*self.only, Role.ADMINISTRATOR)) if self.only else frozenset()
        register = get_register()
        serving = {Role(key) for purpose in self.purposes for key in register.roles_serving(purpose)}
        return frozenset(serving & set(self.only) | {Role.ADMINISTRATOR} if self.only else serving)

    def admits(self, user: Actor) -> bool:
        if self.public:
            return True
        if self.members and has_role(user, Role.MEMBER):
            return True
        return has_role(user, *self.staff_roles())

    def check(self, user: Actor) -> None:
        """Raise when `user` may not use the view: not signed in (401), or not in a role let in (403)."""
        if self.public:
            return
        if not getattr(user, "is_authenticated", False):
            raise NotSignedIn(login=self.login)
        if not self.admits(user):
            raise NotAllowed(_("Dit hoort niet bij jouw rol."))


def allow(
    *,
    purpose: str | tuple[str, ...] = (),
    roles: tuple[Role, ...] = (),
    members: bool = False,
    public: bool = False,
    login: str = "desk:login",
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Declare who may use a view; see the module's docstring."""
    register = get_register()
    purposes = (purpose,) if isinstance(purpose, str) else tuple(purpose)
    for key in purposes:
        if key not in register.purposes:
            raise ValueError(f"'{key}' is not a purpose of the register")
    if not purposes and not roles and not members and not public:
        raise ValueError("a view names a purpose, its roles, members or public")
    if purposes and roles:
        stray = {role.value for role in roles} - {key for p in purposes for key in register.roles_serving(p)}
        if stray:
            raise ValueError(f"roles {sorted(stray)} serve none of {purposes} in the register")
    permit = Permit(purposes=purposes, only=tuple(roles), members=members, public=public, login=login)

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            request = args[0]
            assert isinstance(request, HttpRequest)
            permit.check(request.user)
            return view(*args, **kwargs)

        wrapper.permit = permit  # type: ignore[attr-defined]
        # The view's annotations, resolved in its own module: django-ninja reads them from the
        # signature, and would otherwise look the names up in this module.
        with contextlib.suppress(NameError):
            wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapper

    return decorator


def permit_of(view: Any) -> Permit | None:
    """The declaration of a view, looked up through any decorators wrapped around it."""
    while view is not None:
        permit = getattr(view, "permit", None)
        if isinstance(permit, Permit):
            return permit
        view = getattr(view, "__wrapped__", None)
    return None
