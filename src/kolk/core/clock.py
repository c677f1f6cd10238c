"""One place to ask the time, so that tests and jobs can agree on it."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today() -> dt.date:
    """Today in the centre's own time zone."""
    return timezone.localdate(now())
