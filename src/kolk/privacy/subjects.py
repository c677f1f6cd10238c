"""The data subject, named by settings.PRIVACY_SUBJECT_MODEL.

Like AUTH_USER_MODEL, this keeps the privacy core free of any domain app: the
subject model implements `PrivacySubject` and the core asks it what it needs.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

from django.apps import apps
from django.conf import settings
from django.db import models


@runtime_checkable
class PrivacySubject(Protocol):
    """What the privacy core asks of a data subject."""

    pk: int

    def privacy_age(self, on: dt.date) -> int | None:
        """Age in whole years on a date, None when the birth date is unknown."""
        ...

    def privacy_guardian_ids(self) -> set[int]:
        """The subjects who may give consent on this subject's behalf."""
        ...


def subject_model() -> type[models.Model]:
    return apps.get_model(settings.PRIVACY_SUBJECT_MODEL)


# Consent for someone younger than this is given by a guardian (UAVG art. 5).
CONSENT_AGE = 16
