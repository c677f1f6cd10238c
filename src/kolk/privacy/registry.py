"""What domain apps tell the retention engine and erasure: the registry they extend.

Apps register, for the start events they own, a query of (subject_id,
event_date) rows, one per person (`register_event`); which of their rows a rule
governs, and whether those rows are deleted or anonymised (`retain`); who must
be kept while a relationship is active (`register_keep`); legal holds
(`register_hold`: an unpaid invoice, an open request, a legal demand); and what
to clean up when a person is erased that no foreign key leads to
(`register_erasure_hook`). The engine (`kolk.privacy.retention`) and erasure
(`kolk.privacy.erasure`) read them; nothing here queries the database.

A hold, and a start event whose rule is a narrow duty (the fiscal seven years),
says with a `Scope` what it needs of a person: while it stands, only that stays
once the person's other dates are past; everything else goes on its own date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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
    # A consent purpose: its consenters' rows are kept past the date; when it is withdrawn they go at once.
    unless_consent: str | None = None

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)


@dataclass(frozen=True)
class Scope:
    """What a hold, or a rule while it runs, needs of a person; the rest of them goes on its own date.

    `models`: the models whose rows of the person stay, with the rows that hang from
    them (an invoice's lines and payments). `categories`: the categories of the
    person's own fields that stay (name, address). `fields`: fields of the person
    that stay beyond those categories, by name (the customer number an invoice
    shows). `whole`: everything stays, for a hold that may concern any of it.
    What the person chose and asked (the privacy core's own records) always stays
    with what is left: it governs it.
    """

    models: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    whole: bool = False

    @classmethod
    def of(cls, *, models: Iterable[str] = (), categories: Iterable[str] = (), fields: Iterable[str] = ()) -> Scope:
        return cls(frozenset(models), frozenset(categories), frozenset(fields))


WHOLE = Scope(whole=True)


@dataclass(frozen=True)
class Hold:
    name: str
    subjects: QuerySource
    reason: Text
    scope: Scope = WHOLE


@dataclass
class Registrations:
    """Everything registered, in the order it was registered.

    Apps register through the functions below; the engine and erasure read the
    one instance, `registrations`. A test that registers sources of its own
    swaps a part for the test's duration: `monkeypatch.setattr(registrations, "events", {})`.
    """

    events: dict[str, QuerySource] = field(default_factory=dict)
    event_scopes: dict[str, Scope] = field(default_factory=dict)  # events whose rules need only part of a person
    retained: list[RetainedData] = field(default_factory=list)
    keeps: dict[str, QuerySource] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    erasure_hooks: dict[str, ErasureHook] = field(default_factory=dict)


registrations = Registrations()


def register_event(event: str, dates: QuerySource, *, scope: Scope | None = None) -> None:
    """`dates()` returns a queryset with `subject_id` and `event_date`, one row per subject.

    Without a scope, a person is kept whole while a rule the event starts runs (a
    contract). With one, only the scope is kept meanwhile (a duty such as the fiscal
    seven years keeps the invoices, not the loans): the rest goes once the
    person's other dates are past.
    """
    if event not in get_register().events:
        raise ValueError(f"'{event}' is not an event of the register")
    _check_scope(scope)
    registrations.events[event] = dates
    if scope is None or scope.whole:
        registrations.event_scopes.pop(event, None)
    else:
        registrations.event_scopes[event] = scope


def retain(
    model_label: str,
    *,
    rule: str,
    action: str,
    date_field: str | None = None,
    anonymise: dict[str, Any] | None = None,
    done: Q | None = None,
    unless_consent: str | None = None,
) -> None:
    """Declare that a rule governs `model_label`'s rows: delete or anonymise them when due.

    With `unless_consent`, the rule spares the rows of people whose consent for that
    purpose stands, and the ledger applies it to a person's rows at once when they
    withdraw it (a reading history that is theirs to keep).
    """
    if unless_consent is not None and unless_consent not in get_register().consent_purposes():
        raise ValueError(f"'{unless_consent}' is not a consent purpose of the register")
    if rule not in get_register().retention:
        raise ValueError(f"'{rule}' is not a retention rule of the register")
    if action not in ("delete", "anonymise"):
        raise ValueError("action is 'delete' or 'anonymise'")
    if action == "anonymise" and not anonymise:
        raise ValueError("say which fields anonymising sets")
    retained = registrations.retained
    retained[:] = [r for r in retained if (r.model_label, r.rule) != (model_label, rule)]
    retained.append(RetainedData(model_label, rule, action, date_field, anonymise or {}, done, unless_consent))


def register_keep(name: str, subjects: QuerySource) -> None:
    """Subjects kept whatever the dates say, e.g. while their subscription runs."""
    registrations.keeps[name] = subjects


def register_hold(name: str, subjects: QuerySource, reason: Text, *, scope: Scope) -> None:
    """A legal hold on what `scope` names: that stays while it stands, the rest goes on its own dates.

    Every hold says what it needs; `WHOLE` only for a hold that may concern any of
    the person's data (a request to see all of it).
    """
    _check_scope(scope)
    registrations.holds[name] = Hold(name, subjects, reason, scope)


def _check_scope(scope: Scope | None) -> None:
    if scope is None or scope.whole:
        return
    register = get_register()
    unknown = sorted(c for c in scope.categories if c not in register.categories)
    if unknown:
        raise ValueError(f"scope names categories the register lacks: {', '.join(unknown)}")
    for label in scope.models:
        apps.get_model(label)  # LookupError for a model that does not exist


def register_erasure_hook(name: str, hook: ErasureHook) -> None:
    """Clean up, when subjects are erased, what no foreign key leads to (a log line, an empty household).

    `hook(pks)` runs in the erasure's transaction before the subjects are deleted, so
    it can still find what is theirs; a function it returns runs after they are deleted.
    It runs too when a person is reduced to what a hold needs (their household
    link cleared, their log lines gone): it cleans only what no scope names.
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


def event_scopes() -> dict[str, Scope]:
    """The start events whose rules need only part of a person while they run, with that part."""
    return dict(registrations.event_scopes)
