"""Bookkeeping of the project's own jobs (demo seeding, periodic runs) and the counts against abuse."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SeedRun(models.Model):
    """A demo data module that has been loaded (so `kolk seed --demo` can run twice)."""

    key = models.CharField(max_length=100, unique=True)
    finished_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


class PeriodicRun(models.Model):
    """A periodic job enqueued for one period; the unique key stops a second worker."""

    name = models.CharField(max_length=100)
    period_start = models.DateTimeField()
    enqueued_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "period_start"], name="periodic_once")]

    def __str__(self) -> str:
        return f"{self.name}@{self.period_start:%Y-%m-%d %H:%M}"


class ScaleRun(models.Model):
    """A phase of `kolk seed --scale` that has finished; the row keyed 'plan' holds the run's parameters.

    The plan (seed, members, the day the data is built around, the first id of each
    table) is fixed by the first run, so a killed run is finished by the next with
    exactly the rows an uninterrupted run would have written.
    """

    key = models.CharField(max_length=100, unique=True)
    finished_at = models.DateTimeField()
    params = models.JSONField(default=dict)
    rows = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return self.key


class Throttle(models.Model):
    """How often one key has acted in its current window, for kolk.core.throttle: every web process's count.

    The key is a keyed hash of what is counted (an email or IP address, a
    login), never the value itself; a row goes a day past its window (retention
    rule `throttle`, declared in kolk.privacy.declarations). One row per key.
    """

    key = models.CharField(_("sleutel"), max_length=64, unique=True)
    window_ends = models.DateTimeField(_("telt tot"))
    hits = models.PositiveIntegerField(_("aantal keer"), default=0)

    class Meta:
        verbose_name = _("teller")
        verbose_name_plural = _("tellers")
        indexes = [models.Index(fields=["window_ends"], name="core_throttle_window_ends")]

    def __str__(self) -> str:
        return f"{self.hits} until {self.window_ends:%Y-%m-%d %H:%M}"
