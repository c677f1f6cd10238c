"""The cookie notice's state for one request (W01).

Two first-party cookies, both strictly necessary for remembering the answer:
`kolk_visitor` (a random id that links the answer to its server-side record)
and `kolk_cookies` (signed: the notice version and the categories chosen).
Nothing else is set before consent. A choice made for an older notice version
counts as no choice: raising KOLK_COOKIE_NOTICE_VERSION asks everyone again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse

VISITOR_COOKIE = "kolk_visitor"
CHOICE_COOKIE = "kolk_cookies"
CHOICE_SALT = "kolk.web.cookies"
CATEGORIES = ("analytics", "social")
MAX_AGE = 60 * 60 * 24 * 365  # ask again after a year at the latest


@dataclass(frozen=True)
class CookieConsent:
    """What the visitor answered for the current notice; `decided` False shows the notice."""

    decided: bool = False
    analytics: bool = False
    social: bool = False


def current_version() -> int:
    return int(settings.KOLK_COOKIE_NOTICE_VERSION)


def _parse(value: str | None) -> CookieConsent:
    if not value:
        return CookieConsent()
    version, _sep, cats = value.partition(":")
    if not version.isdigit() or int(version) != current_version():
        return CookieConsent()
    chosen = set(cats.split(",")) if cats else set()
    return CookieConsent(decided=True, analytics="analytics" in chosen, social="social" in chosen)


def cookie_consent(request: HttpRequest) -> CookieConsent:
    """The visitor's consent for the current notice version (cached on the request)."""
    cached = getattr(request, "_kolk_cookie_consent", None)
    if cached is None:
        raw = request.get_signed_cookie(CHOICE_COOKIE, default=None, salt=CHOICE_SALT, max_age=MAX_AGE)
        cached = _parse(raw)
        request._kolk_cookie_consent = cached  # type: ignore[attr-defined]
    return cached


def visitor_id(request: HttpRequest) -> str:
    """The visitor's random id, or a new one (set on the response by `remember`)."""
    value = request.COOKIES.get(VISITOR_COOKIE, "")
    if len(value) == 32 and all(c in "0123456789abcdef" for c in value):
        return value
    return secrets.token_hex(16)


def remember(response: HttpResponse, *, visitor: str, analytics: bool, social: bool) -> None:
    """Set the two strictly necessary cookies that carry the answer."""
    chosen = ",".join(c for c, on in zip(CATEGORIES, (analytics, social), strict=True) if on)
    options = {
        "max_age": MAX_AGE,
        "secure": settings.SESSION_COOKIE_SECURE,
        "httponly": True,
        "samesite": "Lax",
    }
    response.set_cookie(VISITOR_COOKIE, visitor, **options)  # type: ignore[arg-type]
    response.set_signed_cookie(
        CHOICE_COOKIE,
        f"{current_version()}:{chosen}",
        salt=CHOICE_SALT,
        **options,
    )
