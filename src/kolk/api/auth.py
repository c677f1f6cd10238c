"""Who calls the API: a machine client with an API key, or a person's signed-in session.

`API_AUTH` is the `auth=` of every operation that is not open to anyone. A key
comes as `Authorization: Bearer <key>` or `X-API-Key: <key>` (two security
schemes in the OpenAPI document); the session comes last, with its CSRF check.
A key request needs no CSRF token: a key is no cookie that a browser adds by
itself to a forged request, and a page of another site cannot set either header
on a request to kolk without a CORS preflight, which kolk never grants.

A key's client acts through its service account (kolk.people.api_clients): it
becomes `request.user`, so the operation's `allow(...)` and every service see
its roles like a staff member's, and the audit log names it.

A wrong key (unknown, expired, revoked) is a 401. An address that sends
`FAILURES_ALLOWED` wrong keys within `FAILURE_WINDOW` gets a 429 for every key
until the window ends, without a query. The count is kept in Django's cache, so
per web process: it bounds the work a flood of wrong keys makes each process do,
which is what it is for; guessing a key of 256 random bits is hopeless however
many tries one gets.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader, HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from kolk.core.errors import NotSignedIn, TooMany
from kolk.people.api_keys import api_key_use
from kolk.privacy.audit import pseudonym

FAILURES_ALLOWED = 10
FAILURE_WINDOW = 300  # seconds


def client_address(request: HttpRequest) -> str:
    """The caller's address, by the rule of kolk.web.portal.client_ip (the API may not import the web layer).

    Behind a reverse proxy KOLK_CLIENT_IP_HEADER names the META key it sets; of a
    list, the last entry, the one our proxy added.
    """
    header = getattr(settings, "KOLK_CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    value = str(request.META.get(header, "")).split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return "unknown"


def _failures_key(request: HttpRequest) -> str:
    """The cache key of an address's count: a keyed hash, so no address is kept even in memory."""
    return "kolk.api_key_failures." + pseudonym(label="throttle.api_key", pk=client_address(request))


def _count_failure(counter: str) -> None:
    cache.add(counter, 0, FAILURE_WINDOW)  # the window starts at the first failure
    try:
        cache.incr(counter)
    except ValueError:  # it ran out between the two calls
        cache.set(counter, 1, FAILURE_WINDOW)


def key_authenticate(request: HttpRequest, key: str | None) -> Any:
    """The service account of the key's client, made `request.user`; None when no key was sent."""
    if not key:
        return None
    counter = _failures_key(request)
    if (cache.get(counter) or 0) >= FAILURES_ALLOWED:
        raise TooMany(_("Te veel onjuiste API-sleutels van dit adres; probeer het over enkele minuten opnieuw."))
    match = request.resolver_match
    try:
        client = api_key_use(key=key, method=request.method or "", route=match.route if match else request.path)
    except NotSignedIn:
        _count_failure(counter)
        raise
    request.user = client.user
    return client.user


class ApiKeyBearer(HttpBearer):
    openapi_description = "An API key of a machine client: `Authorization: Bearer kolk_…`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return key_authenticate(request, token)


class ApiKeyHeader(APIKeyHeader):
    param_name = "X-API-Key"
    openapi_description = "An API key of a machine client, in its own header: `X-API-Key: kolk_…`"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return key_authenticate(request, key)


class SessionAuth(NinjaSessionAuth):
    """A person's signed-in session, with its CSRF check (django-ninja's).

    A request without a session cookie has nothing a forged request could ride on:
    it is simply not signed in (401, "log in first"), not refused for a missing CSRF
    token (403), so a script that forgot its key is told what is wrong.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)


# Keys first: a key request needs no session and no CSRF token; a session keeps its CSRF check.
API_AUTH = [ApiKeyBearer(), ApiKeyHeader(), SessionAuth()]
