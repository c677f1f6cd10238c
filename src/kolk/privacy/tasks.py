"""Background tasks of the privacy core."""

from __future__ import annotations

from django_tasks import task

from kolk.privacy.audit import seal
from kolk.privacy.retention import retention_run


@task()
def seal_audit_chain() -> int:
    """Seal what after-commit sealing left (e.g. when another sealer held the head)."""
    return seal()


@task()
def run_retention() -> int:
    """The daily retention run: everything past its date goes, in committed batches."""
    return retention_run(actor=None).total


@task()
def clear_expired_sessions() -> None:
    """Expired sessions hold login data (A02) and serve nothing: Django's clearsessions, daily."""
    from django.core.management import call_command

    call_command("clearsessions")


def erase_admin_log_lines(pks: list[int]) -> None:
    """The admin's change log names objects by id and text: erase the lines about erased subjects."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from kolk.privacy.subjects import subject_model

    content_type = ContentType.objects.get_for_model(subject_model())
    LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in pks]).delete()
