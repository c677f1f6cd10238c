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
