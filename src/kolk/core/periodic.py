"""Periodic jobs: apps register a task and an interval; `kolk worker` enqueues them.

Each period is enqueued once, however many workers run: the first to insert the
(name, period) row wins. A missed period (no worker running) is not replayed;
every periodic job finishes whatever is due when it runs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from kolk.core.clock import now

EPOCH = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)  # a Monday, so weekly periods start on Mondays


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task
    every: dt.timedelta
    offset: dt.timedelta = dt.timedelta(0)  # e.g. run the daily job at 03:00 UTC


_jobs: dict[str, PeriodicJob] = {}


def periodic(name: str, task: Any, every: dt.timedelta, offset: dt.timedelta = dt.timedelta(0)) -> None:
    """Register `task` to run once every `every` (called from an app's ready())."""
    _jobs[name] = PeriodicJob(name, task, every, offset)


def jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


def period_start(job: PeriodicJob, at: dt.datetime) -> dt.datetime:
    elapsed = at - EPOCH - job.offset
    return EPOCH + job.offset + job.every * (elapsed // job.every)


def enqueue_due(at: dt.datetime | None = None) -> list[str]:
    """Enqueue each job whose current period has not been enqueued yet."""
    from kolk.core.models import PeriodicRun

    at = at or now()
    enqueued = []
    for job in jobs():
        start = period_start(job, at)
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=job.name, period_start=start, enqueued_at=at)
                job.task.enqueue()
        except IntegrityError:
            continue
        enqueued.append(job.name)
    return enqueued
