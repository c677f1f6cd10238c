"""Counting tries per key in the database, so that a limit holds across every web process.

Django's cache is per process here (no shared cache is configured), so a limit
kept there would let each gunicorn worker grant it anew. A key is a keyed hash
of what is counted (an email or IP address): the table holds no address.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from kolk.core.clock import now
from kolk.privacy.audit import pseudonym
from kolk.web.models import Throttle


def throttle_key(scope: str, value: str) -> str:
    """The key under which `value` is counted for `scope`: an HMAC, never the value itself."""
    return pseudonym(label=f"throttle.{scope}", pk=value)


@transaction.atomic
def throttle_take(*, limits: dict[str, int], window: dt.timedelta) -> bool:
    """Count one try against every key, unless one of them has had its limit in its window: then count none.

    Each key's row is locked until the caller's transaction ends, in key order
    so that two requests never wait on each other crosswise: of any number of
    simultaneous tries, exactly the limit gets through. A window starts at the
    first try after the previous one ended.
    """
    at = now()
    rows = []
    for key in sorted(limits):
        row = _locked_row(key, at + window)
        if row.window_ends <= at:
            row.window_ends, row.hits = at + window, 0
        rows.append(row)
    if any(row.hits >= limits[row.key] for row in rows):
        return False
    for row in rows:
        row.hits += 1
        row.save(update_fields=["window_ends", "hits"])
    return True


def _locked_row(key: str, window_ends: dt.datetime) -> Throttle:
    """The key's row, made on its first try, locked until the transaction ends."""
    row, _created = Throttle.objects.select_for_update().get_or_create(
        key=key, defaults={"window_ends": window_ends, "hits": 0}
    )
    return row
