"""The website's privacy declarations: django-axes' tables and the portal's retention sources.

Auto-imported by the privacy app. Axes keeps failed logins (the lockout count)
and, if switched on, access logs; its user name is a plain string, not a link
to a Person, so these tables have no data subject path (subject=None), like
sessions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Max, QuerySet
from django.db.models.functions import TruncDate

from kolk.privacy.fieldmap import declare
from kolk.web.models import PortalEvent

_ACCESS = {
    "user_agent": "login_data",
    "ip_address": "ip_address",
    "username": "username",
    "http_accept": "login_data",
    "attempt_time": "login_data",
}
declare(
    "axes.AccessAttempt",
    subject=None,
    personal={**_ACCESS, "get_data": "login_data", "post_data": "login_data", "failures_since_start": "login_data"},
    not_personal=["path_info"],
)
declare(
    "axes.AccessAttemptExpiration", subject=None, personal={"access_attempt": "login_data"}, not_personal=["expires_at"]
)
declare(
    "axes.AccessFailureLog", subject=None, personal={**_ACCESS, "locked_out": "login_data"}, not_personal=["path_info"]
)
declare(
    "axes.AccessLog",
    subject=None,
    personal={**_ACCESS, "logout_time": "login_data", "session_hash": "login_data"},
    not_personal=["path_info"],
)


# Retention of PortalEvent (rule `portal`: subscription_ended + P5Y). The start
# event is the library's. When kolk.privacy.retention is on this branch, this
# module adds: retain("web.PortalEvent", rule="portal", action="delete").
# Until then these are the sources for the lead to wire.


def portal_last_activity() -> QuerySet[Any]:
    """(subject_id, event_date) of each person's last portal action, one row per person.

    In the engine's QuerySource shape: a start date for people who use the portal
    but have no subscription (ticket buyers), should the register give them one.
    """
    return (
        PortalEvent.objects.values(subject_id=F("person_id"))
        .annotate(event_date=Max(TruncDate("at")))
        .values("subject_id", "event_date")
    )


def portal_events_of(person_ids: Any, *, before: dt.date | None = None) -> QuerySet[PortalEvent]:
    """The portal events (with IP addresses) of people whose retention ran out: what is deleted."""
    events = PortalEvent.objects.filter(person_id__in=person_ids)
    return events.filter(at__date__lt=before) if before is not None else events
