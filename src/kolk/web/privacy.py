"""The website's privacy declarations: django-axes' tables and the portal's retention sources.

Auto-imported by the privacy app. Axes keeps failed logins (the lockout count)
and, if switched on, access logs; its user name is a plain string, not a link
to a Person, so these tables have no data subject path (subject=None), like
sessions.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max, QuerySet
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


# Retention (portal rule: subscription_ended + P5Y). The start event itself is
# the library's; these give the retention engine the portal's rows per person.


def portal_last_activity() -> QuerySet[Any]:
    """(person_id, date) of each person's last portal action: a fallback start for people without a subscription."""
    return PortalEvent.objects.values("person_id").annotate(date=Max(TruncDate("at"))).values_list("person_id", "date")


def portal_events_of(person_ids: Any, *, before: dt.date | None = None) -> QuerySet[PortalEvent]:
    """The portal events (with IP addresses) of people whose retention ran out: what the engine deletes."""
    events = PortalEvent.objects.filter(person_id__in=person_ids)
    return events.filter(at__date__lt=before) if before is not None else events
