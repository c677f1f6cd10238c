"""Rate limits of the API's open doors, counted per caller in the database (kolk.core.throttle).

ninja's own throttles keep their count in Django's cache, which is per process
here: every gunicorn worker would grant the limit anew. These count in the
table the site's forms and password resets count in, shared by every process,
atomically (of simultaneous calls exactly the limit passes), under a keyed hash
of the caller: no address or member id is stored. The window is fixed: it
starts at a caller's first call and lasts the rate's period; a refused call is
answered 429 with Retry-After, the seconds until that window ends.

ninja's throttles also take the caller from X-Forwarded-For as the client wrote
it unless told how many proxies there are, so a client could name a new
address on every request and never be limited. Here the address is the one
`client_address` trusts (KOLK_CLIENT_IP_HEADER behind our proxy, else the peer).
"""

from __future__ import annotations

import datetime as dt
import threading

from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from kolk.api.auth import client_address
from kolk.core.throttle import throttle_key, throttle_take


class DatabaseThrottle(SimpleRateThrottle):
    """A rate ('20/h') per caller, counted in the database under `api.<scope>` and the caller's hash."""

    def __init__(self, rate: str | None = None) -> None:
        super().__init__(rate)
        self._refused = threading.local()  # one instance serves every request of its operations

    def caller(self, request: HttpRequest) -> str | None:
        """Who is counted, or None for a call this throttle leaves alone."""
        return f"address:{client_address(request)}"

    def allow_request(self, request: HttpRequest) -> bool:
        who = self.caller(request)
        self._refused.retry_after = None
        if who is None or self.num_requests is None or self.duration is None:
            return True
        taken = throttle_take(
            limits={throttle_key(f"api.{self.scope}", who): self.num_requests},
            window=dt.timedelta(seconds=self.duration),
        )
        if not taken:
            self._refused.retry_after = taken.retry_after
        return taken.granted

    def wait(self) -> float | None:
        """The seconds until the refused call's window ends: ninja sends them as Retry-After."""
        return getattr(self._refused, "retry_after", None)


class ClientThrottle(DatabaseThrottle):
    """A limit per caller's address for calls without a login (the public forms)."""

    scope = "anon"

    def caller(self, request: HttpRequest) -> str | None:
        if getattr(request, "auth", None) is not None:
            return None  # as ninja's AnonRateThrottle: a login is limited by its own throttles
        return super().caller(request)


class MemberThrottle(DatabaseThrottle):
    """A limit per login for what a member files (privacy requests); per address without one."""

    scope = "member"

    def caller(self, request: HttpRequest) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return super().caller(request)
