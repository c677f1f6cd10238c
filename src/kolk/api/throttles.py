"""Rate limits of the API's open doors, counted per caller as kolk counts callers.

ninja's own throttles take the caller from X-Forwarded-For as the client wrote
it unless told how many proxies there are, so a client could name a new
address on every request and never be limited. Here the address is the one
`client_address` trusts (KOLK_CLIENT_IP_HEADER behind our proxy, else the
peer), and only its keyed hash is used as the key, as for failed API keys.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.throttling import AnonRateThrottle, UserRateThrottle

from kolk.api.auth import client_address
from kolk.privacy.audit import pseudonym


def _caller(request: HttpRequest) -> str:
    return pseudonym(label="throttle.api", pk=client_address(request))


class ClientThrottle(AnonRateThrottle):
    """A limit per caller's address for calls without a login (the public forms)."""

    def get_ident(self, request: HttpRequest) -> str:
        return _caller(request)


class MemberThrottle(UserRateThrottle):
    """A limit per login for what a member files (privacy requests); per address without one."""

    scope = "member"

    def get_ident(self, request: HttpRequest) -> str:
        return _caller(request)
