"""Field maps of models kolk uses but does not define: the framework's and the shared kernel's.

kolk's own domain models declare their map beside their fields (PrivacyMap).
"""

from kolk.privacy.fieldmap import declare
from kolk.privacy.registry import retain

declare("auth.Group", subject=None, not_personal=["name", "permissions"])
declare("auth.Permission", subject=None, not_personal=["name", "content_type", "codename"])
declare("contenttypes.ContentType", subject=None, not_personal=["app_label", "model"])
# A session holds the id of the logged-in user: login data (A02).
declare(
    "sessions.Session",
    subject=None,
    personal={"session_key": "login_data", "session_data": "login_data"},
    not_personal=["expire_date"],
)
# The admin's change log names the changed object: log data (L14).
declare(
    "admin.LogEntry",
    subject=None,
    personal={"object_id": "log_data", "object_repr": "log_data", "change_message": "log_data"},
    not_personal=["action_time", "user", "content_type", "action_flag"],
)
# Tasks take ids and keys as arguments, never personal data (see kolk.core.tasks).
declare(
    "django_tasks_database.DBTaskResult",
    subject=None,
    not_personal=[
        "id",
        "status",
        "enqueued_at",
        "started_at",
        "finished_at",
        "args_kwargs",
        "priority",
        "task_path",
        "worker_ids",
        "queue_name",
        "backend_name",
        "run_after",
        "return_value",
        "exception_class_path",
        "traceback",
    ],
)

# The shared kernel's bookkeeping (kolk.core sits below the privacy layer).
declare("core.SeedRun", subject=None, not_personal=["key", "finished_at"])
declare("core.ScaleRun", subject=None, not_personal=["key", "finished_at", "params", "rows", "seconds"])
declare("core.PeriodicRun", subject=None, not_personal=["name", "period_start", "enqueued_at"])
# The counts against abuse (kolk.core.throttle) of the site's forms and the API:
# a keyed hash of an email or IP address or of a login, never the value. They go
# a day after their window ended (rule `throttle`), however they were left.
declare(
    "core.Throttle", subject=None, personal={"key": "login_data", "window_ends": "login_data", "hits": "login_data"}
)
retain("core.Throttle", rule="throttle", action="delete", date_field="window_ends")
