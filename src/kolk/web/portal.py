"""The portal's frame: who may enter, the sections menu, and reaching one's own records.

A portal page states its role with `@member_required`: a logged-in user with
the member role and a Person (kolk.privacy.permits: the one declaration that
pages and the API share, here for members only). The view gets that Person; it never takes a
person from the URL. Records reached by id go through `owned_or_404`, which
answers 404 for anyone else's record and logs the attempt (portal.denied).
Other apps add their pages with `register_section` (loans, tickets, ...).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kolk.core.errors import NotAllowed
from kolk.privacy.ledger import has_consent
from kolk.privacy.permits import Permit

M = TypeVar("M", bound=models.Model)
PORTAL_CONSENT = "website_access"
PORTAL = Permit(members=True, login="web:login")


@dataclass(frozen=True)
class PortalSection:
    key: str
    label: str | Promise
    url_name: str
    order: int = 100


_sections: dict[str, PortalSection] = {}


def register_section(key: str, label: str | Promise, url_name: str, *, order: int = 100) -> None:
    """Add a page to the portal's menu (idempotent per key)."""
    _sections[key] = PortalSection(key=key, label=label, url_name=url_name, order=order)


def sections() -> list[PortalSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.key))


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (A03); also axes' AXES_CLIENT_IP_CALLABLE.

    Behind a reverse proxy, KOLK_CLIENT_IP_HEADER names the META key the proxy
    sets (e.g. HTTP_X_REAL_IP); otherwise REMOTE_ADDR. From a list (X-Forwarded-For)
    the last entry is taken: the one our proxy added, not one the client wrote.
    Only a valid address is kept.
    """
    header = getattr(settings, "KOLK_CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    value = str(request.META.get(header, "")).split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


View = Callable[..., HttpResponse]


def _guard(view: View, *, needs_consent: bool) -> View:
    @never_cache
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        PORTAL.check(user)
        person = getattr(user, "person", None)
        if person is None:
            raise NotAllowed(_("Mijn DNK is er voor leden met een eigen inlog."))
        request.session.set_expiry(settings.KOLK_PORTAL_IDLE_SECONDS)  # idle timeout, renewed per page
        if needs_consent and not has_consent(person, PORTAL_CONSENT):
            return redirect("web:portal_access")
        return view(request, person, *args, **kwargs)

    wrapper.permit = PORTAL  # type: ignore[attr-defined]
    return wrapper


def member_required(view: View) -> View:
    """Role: member with a Person, whose consent for the portal (A01/A02) stands."""
    return _guard(view, needs_consent=True)


def member_required_before_consent(view: View) -> View:
    """Role: member with a Person, also before the portal's consent (to give or withdraw it)."""
    return _guard(view, needs_consent=False)


def owned_or_404(
    request: HttpRequest, person: Any, queryset: models.QuerySet[M], pk: Any, *, owner: str = "person"
) -> M:
    """The record `pk` of `queryset` if it belongs to `person`; else 404, and the attempt is logged."""
    from kolk.privacy.audit import pseudonym
    from kolk.web.services import portal_event_record

    if owner == "self":
        record = queryset.filter(pk=person.pk).first() if str(pk) == str(person.pk) else None
    else:
        record = queryset.filter(pk=pk, **{owner: person}).first()
    if record is None:
        label = queryset.model._meta.label_lower
        portal_event_record(
            person=person,
            action="denied",
            ip_address=client_ip(request),
            actor=request.user,
            # The record reached for appears only as a pseudonym: it may be another person's.
            details={"model": label, "target": pseudonym(label=label, pk=str(pk)[:40])},
        )
        raise Http404
    return record
