"""The website's privacy declarations: django-axes' tables and the retention of what the site keeps.

Auto-imported by the privacy app. Axes keeps failed logins (the lockout count)
and, if switched on, access logs; its user name is a plain string, not a link
to a Person, so these tables have no data subject path (subject=None), like
sessions.
"""

from __future__ import annotations

from kolk.privacy.fieldmap import declare
from kolk.privacy.registry import retain

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


# Portal events (A01-A03, with the IP address) go with the rule of the portal:
# five years after the subscription ended. Cookie choices hold an online
# identifier and go a year after they were made.
retain("web.PortalEvent", rule="portal", action="delete")
retain("web.CookieChoice", rule="cookies", action="delete", date_field="chosen_at")
# A reset request holds the address until the worker has mailed it; it goes a
# day after it was made (rule `throttle`, as the counts of kolk.core.throttle).
retain("web.PasswordResetRequest", rule="throttle", action="delete", date_field="requested_at")
