"""What domain apps tell the retention engine and erasure: the registry they extend.

Apps register, for the start events they own, a query of (subject_id,
event_date) rows, one per person (`register_event`); which of their rows a rule
governs, and whether those rows are deleted or anonymised (`retain`); who must
be kept while a relationship is active (`register_keep`); legal holds
(`register_hold`: an unpaid invoice, an open request, a legal demand); and what
to clean up when a person is erased that no foreign key leads to
(`register_erasure_hook`). The engine (`kolk.privacy.retention`) and erasure
(`kolk.privacy.erasure`) read them; nothing here queries the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q

from kolk.privacy.register import Text, get_register

QuerySource = Callable[[], "models.QuerySet[Any]"]
# Called with the subjects about to be erased; may return what to do once they are gone.
ErasureHook = Callable[[list[int]], "Callable[[], object] | None"]


@dataclass(frozen=True)
class RetainedData:
    """Rows of a model governed by a retention rule."""

    model_label: str
    rule: str
    action: str  # "delete" or "anonymise"
    date_field: str | None = None  # the row's own start date; None: the subject's event date
    anonymise: dict[str, Any] = field(default_factory=dict)
    done: Q | None = None  # rows already anonymised

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)


@dataclass(frozen=True)
class Hold:
    name: str
    subjects: QuerySource
    reason: Text


@dataclass
class Registrations:
    """Everything registered, in the order it was registered.

    Apps register through the functions below; the engine and erasure read the
    one instance, `registrations`. A test that registers sources of its own
    swaps a part for the test's duration: `monkeypatch.setattr(registrations, "events", {})`.
    """

    events: dict[str, QuerySource] = field(default_factory=dict)
    retained: list[RetainedData] = field(default_factory=list)
    keeps: dict[str, QuerySource] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    erasure_hooks: dict[str, ErasureHook] = field(default_factory=dict)


registrations = Registrations()


def register_event(event: str, dates: QuerySource) -> None:
    """`dates()` returns a queryset with `subject_id` and `event_date`, one row per subject."""
    if event not in get_register().events:
        raise ValueError(f"'{event}' is not an event of the register")
    registrations.events[event] = dates


def retain(
    model_label: str,
    *,
    rule: str,
    action: str,
    date_field: str | None = None,
    anonymise: dict[str, Any] | None = None,
    done: Q | None = None,
) -> None:
    """Declare that a rule governs `model_label`'s rows: delete or anonymise them when due."""
    if rule not in get_register().retention:
        raise ValueError(f"'{rule}' is not a retention rule of the register")
    if action not in ("delete", "anonymise"):
        raise ValueError("action is 'delete' or 'anonymise'")
    if action == "anonymise" and not anonymise:
        raise ValueError("say which fields anonymising sets")
    retained = registrations.retained
    retained[:] = [r for r in retained if (r.model_label, r.rule) != (model_label, rule)]
    retained.append(RetainedData(model_label, rule, action, date_field, anonymise or {}, done))


def register_keep(name: str, subjects: QuerySource) -> None:
    """Subjects kept whatever the dates say, e.g. while their subscription runs."""
    registrations.keeps[name] = subjects


def register_hold(name: str, subjects: QuerySource, reason: Text) -> None:
    """A legal hold: nothing of these subjects is erased while it stands."""
    registrations.holds[name] = Hold(name, subjects, reason)


def register_erasure_hook(name: str, hook: ErasureHook) -> None:
    """Clean up, when subjects are erased, what no foreign key leads to (a log line, an empty household).

    `hook(pks)` runs in the erasure's transaction before the subjects are deleted, so
    it can still find what is theirs; a function it returns runs after they are deleted.
    """
    registrations.erasure_hooks[name] = hook


def registered_events() -> set[str]:
    return set(registrations.events)


def event_sources() -> dict[str, QuerySource]:
    """Each registered start event and the query of its dates."""
    return dict(registrations.events)


def retained_data() -> list[RetainedData]:
    return list(registrations.retained)


def keeps() -> dict[str, QuerySource]:
    """Each registered keep and the query of the subjects it keeps."""
    return dict(registrations.keeps)


def holds() -> list[Hold]:
    return list(registrations.holds.values())
