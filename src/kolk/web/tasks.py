"""Background tasks of the website; a task that runs a service is defined beside it and named here."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django_tasks import task

from kolk.core.clock import now
from kolk.web.password_reset import send_password_reset

__all__ = ["expire_failed_logins", "send_password_reset"]


def failed_logins_expire() -> int:
    """Delete failed-login records (IP address, user agent) once their cool-off has passed."""
    deleted: int
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lte=now() - settings.AXES_COOLOFF_TIME).delete()
    return deleted


@task()
def expire_failed_logins() -> int:
    """Axes cleans up only when someone logs in; this keeps quiet periods clean too."""
    return failed_logins_expire()
