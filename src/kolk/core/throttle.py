"""Counting tries per key in the database, so that a limit holds across every web process.

Django's cache is per process here (no shared cache is configured), so a limit
kept there would let each gunicorn worker grant it anew. The web's forms and
the API count here alike. A key is a keyed hash of what is counted (an email or
IP address, a login): the table holds none of them.

A window starts at the first try after the previous one ended and lasts
`window`; a row goes a day after its window (retention rule `throttle`).

One key costs one statement: an upsert that makes the row, starts a new window
or counts the try, and says how many it has counted, atomically under the row's
lock, so that of any number of simultaneous tries exactly the limit gets
through. Past the limit the count stays at limit + 1 ("full"). Several keys
(a password reset counts per address and per client) cost two: the first makes
and locks every row, in key order, the second counts the try against all of
them, or against none when one is full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.dateparse import parse_datetime

from kolk.core.clock import now
from kolk.core.models import Throttle


def throttle_key(scope: str, value: str) -> str:
    """The key under which `value` is counted for `scope`: an HMAC, never the value itself.

    The same keyed hash as kolk.privacy.audit.pseudonym (label `throttle.<scope>`),
    which this layer may not import.
    """
    message = f"throttle.{scope}:{value}".encode()
    return hmac.new(settings.KOLK_AUDIT_KEY.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Take:
    """A try's answer: granted or not, and when not, the whole seconds until one may be granted again."""

    granted: bool
    retry_after: int = 0

    def __bool__(self) -> bool:
        return self.granted


def throttle_take(*, limits: Mapping[str, int], window: dt.timedelta) -> Take:
    """Count one try against every key, unless one of them has had its limit in its window: then count none.

    Inside the caller's transaction the rows stay locked until it ends; outside
    one, the single key's statement is its own transaction.
    """
    if not limits:
        return Take(True)
    at = now()
    if len(limits) == 1:
        ((key, limit),) = limits.items()
        hits, window_ends = _upsert([key], at, window, count_limit=limit)[key]
        return Take(True) if hits <= limit else _refused([window_ends], at)
    with transaction.atomic(savepoint=False):
        rows = _upsert(sorted(limits), at, window, count_limit=None)
        full = [ends for key, (hits, ends) in rows.items() if hits >= limits[key]]
        if full:
            return _refused(full, at)
        table, key_column, hits_column = _names()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {hits_column} = {hits_column} + 1 "  # noqa: S608 (names from the model)
                f"WHERE {key_column} IN ({', '.join(['%s'] * len(rows))})",
                list(rows),
            )
    return Take(True)


def _refused(window_ends: list[dt.datetime], at: dt.datetime) -> Take:
    return Take(False, max(1, math.ceil(max((ends - at).total_seconds() for ends in window_ends))))


def _names() -> tuple[str, str, str]:
    q = connection.ops.quote_name
    return q(Throttle._meta.db_table), q("key"), q("hits")


def _upsert(
    keys: list[str], at: dt.datetime, window: dt.timedelta, *, count_limit: int | None
) -> dict[str, tuple[int, dt.datetime]]:
    """Make each key's row or start its new window, and count the try when `count_limit` is given.

    Returns each key's count and the end of its window, after the statement.
    Without `count_limit` a row is only made or renewed (count 0), and locked.
    """
    table, key, hits = _names()
    ends = connection.ops.quote_name("window_ends")
    expired = f"{table}.{ends} <= %s"
    fresh = 0 if count_limit is None else 1
    counted = (
        f"{table}.{hits}"
        if count_limit is None
        else f"CASE WHEN {table}.{hits} <= %s THEN {table}.{hits} + 1 ELSE {table}.{hits} END"
    )
    sql = (
        f"INSERT INTO {table} ({key}, {ends}, {hits}) VALUES {', '.join(['(%s, %s, %s)'] * len(keys))} "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{hits} = CASE WHEN {expired} THEN {fresh} ELSE {counted} END, "
        f"{ends} = CASE WHEN {expired} THEN excluded.{ends} ELSE {table}.{ends} END "
        f"RETURNING {key}, {hits}, {ends}"
    )
    new_end = connection.ops.adapt_datetimefield_value(at + window)
    at_value = connection.ops.adapt_datetimefield_value(at)
    params: list[Any] = []
    for value in keys:
        params += [value, new_end, fresh]
    params += [at_value] if count_limit is None else [at_value, count_limit]
    params += [at_value]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1], _aware(row[2])) for row in cursor.fetchall()}


def _aware(value: Any) -> dt.datetime:
    """A returned timestamp as the ORM gives it: PostgreSQL sends a datetime, SQLite a text in UTC."""
    found = value if isinstance(value, dt.datetime) else parse_datetime(str(value))
    if found is None:
        raise ValueError(f"not a timestamp: {value!r}")
    return found if found.tzinfo is not None else found.replace(tzinfo=connection.timezone)
