"""Background tasks of the privacy core."""

from __future__ import annotations

from django_tasks import task

from kolk.privacy.audit import seal


@task()
def seal_audit_chain() -> int:
    """Seal what after-commit sealing left (e.g. when another sealer held the head)."""
    return seal()
