"""Retention: every rule of the register, applied by one engine.

Domain apps register, for the start events they own, a query of
(subject_id, event_date) rows, one per person (`register_event`); which of
their rows a rule governs, and whether those rows are deleted or anonymised
(`retain`); who must be kept while a relationship is active (`register_keep`);
and legal holds (`register_hold`: an unpaid invoice, an open request, a legal
demand). The engine is set-based and batched: each batch commits on its own,
so a run killed at any point is finished by the next. A dry run counts only.

A person (the subject) is erased when at least one rule has run out for them,
none is still running, nothing keeps them and nothing holds them. Their rows in
other tables go with them (or are anonymised, as each model's foreign key says),
and the erasure log keeps their id so that a restore from backup can erase them
again (`erasure_replay`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import Error, connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kolk.core.clock import now, today
from kolk.privacy.audit import audit_log
from kolk.privacy.fieldmap import map_for
from kolk.privacy.models import ErasureLog
from kolk.privacy.register import Text, get_register
from kolk.privacy.setdelete import delete_rows, protected_pks, rows
from kolk.privacy.subjects import subject_model

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


_events: dict[str, QuerySource] = {}
_retained: list[RetainedData] = []
_keeps: dict[str, QuerySource] = {}
_holds: dict[str, Hold] = {}
_erasure_hooks: dict[str, ErasureHook] = {}


def register_event(event: str, dates: QuerySource) -> None:
    """`dates()` returns a queryset with `subject_id` and `event_date`, one row per subject."""
    if event not in get_register().events:
        raise ValueError(f"'{event}' is not an event of the register")
    _events[event] = dates


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
    _retained[:] = [r for r in _retained if (r.model_label, r.rule) != (model_label, rule)]
    _retained.append(RetainedData(model_label, rule, action, date_field, anonymise or {}, done))


def register_keep(name: str, subjects: QuerySource) -> None:
    """Subjects kept whatever the dates say, e.g. while their subscription runs."""
    _keeps[name] = subjects


def register_hold(name: str, subjects: QuerySource, reason: Text) -> None:
    """A legal hold: nothing of these subjects is erased while it stands."""
    _holds[name] = Hold(name, subjects, reason)


def registered_events() -> set[str]:
    return set(_events)


def retained_data() -> list[RetainedData]:
    return list(_retained)


def holds() -> list[Hold]:
    return list(_holds.values())


def _subject_rules() -> list[str]:
    """The rules whose start event some app has registered."""
    return [key for key, rule in get_register().retention.items() if rule.event in _events]


def expired_subjects(rule_key: str, on: dt.date) -> models.QuerySet[Any]:
    rule = get_register().retention[rule_key]
    cutoff = rule.duration.before(on)
    return _events[rule.event]().filter(event_date__lte=cutoff).values("subject_id")


def running_subjects(rule_key: str, on: dt.date) -> models.QuerySet[Any]:
    rule = get_register().retention[rule_key]
    cutoff = rule.duration.before(on)
    return _events[rule.event]().filter(event_date__gt=cutoff).values("subject_id")


def _ids(source: models.QuerySet[Any]) -> tuple[str, models.QuerySet[Any]]:
    """The column a source of subject ids selects, and the source without NULL."""
    query = source.query
    (column, *_) = [*query.values_select, *query.annotation_select] or ["pk"]
    return column, source.filter(**{f"{column}__isnull": False})


def held_subject_ids(*, keeps: bool = True, lookup: str = "pk") -> Q:
    """A Q (on `lookup`, the subject's id) for everyone under a legal hold (and, with keeps, kept).

    A hold stops everything; a keep (a running relationship) only stops erasing
    the person: their rows still go by their own dates.

    Holds are few (open invoices, open requests): `IN (hold)`, read once per
    statement. Keeps are most of the members (a running subscription): a
    correlated EXISTS looks up in the keep's own index only the few people past
    their dates, where `IN` would have the database read the whole keep first.
    NULL in a source names nobody (in `NOT IN` it would leave out every row).
    """
    q = Q(**{f"{lookup}__in": []})
    for hold in _holds.values():
        q |= Q(**{f"{lookup}__in": _ids(hold.subjects())[1]})
    for source in _keeps.values() if keeps else ():
        column, ids = _ids(source())
        q |= Q(Exists(ids.filter(**{column: OuterRef(lookup)})))
    return q


def _event_cutoffs(on: dt.date) -> dict[str, dt.date]:
    """Per start event, the day on or before which it must lie for every rule it starts to have run out."""
    cutoffs: dict[str, dt.date] = {}
    for key in _subject_rules():
        rule = get_register().retention[key]
        cutoff = rule.duration.before(on)
        cutoffs[rule.event] = min(cutoff, cutoffs.get(rule.event, cutoff))
    return cutoffs


def due_subjects(on: dt.date) -> models.QuerySet[Any]:
    """Subjects at least one rule has run out for, none still runs for, not kept or held.

    Each start event's dates are read once, in one statement for all of them: per
    subject, every event date must lie on or before its cutoff (the earliest of the
    cutoffs of the rules it starts, e.g. `library` and `portal`).
    """
    Subject = subject_model()
    cutoffs = _event_cutoffs(on)
    if not cutoffs:
        return Subject._default_manager.none()
    # Compiled querysets of the apps' events and the engine's own SQL: no value is put in the text.
    parts, params = [], []
    for event, cutoff in cutoffs.items():
        sql, event_params = _events[event]().values("subject_id", "event_date").order_by().query.sql_with_params()
        running = "CASE WHEN e.event_date > %s THEN 1 ELSE 0 END"
        parts.append(f"SELECT e.subject_id, {running} AS running FROM ({sql}) e WHERE e.event_date IS NOT NULL")  # noqa: S608
        params += [cutoff, *event_params]
    union = " UNION ALL ".join(parts)
    past = RawSQL(f"SELECT d.subject_id FROM ({union}) d GROUP BY d.subject_id HAVING MAX(d.running) = 0", params)  # noqa: S608,S611
    return Subject._default_manager.filter(pk__in=past).exclude(held_subject_ids())


def due_rows(item: RetainedData, on: dt.date) -> models.QuerySet[Any]:
    """Rows of one retained-data declaration that are past their date."""
    model = item.model
    pmap = map_for(model)
    qs = model._default_manager.all()
    rule = get_register().retention[item.rule]
    if item.date_field:
        cutoff = rule.duration.before(on)
        if isinstance(_field_at(model, item.date_field), models.DateTimeField):
            # Due through the whole cutoff day, in the centre's own time zone.
            start_of_next = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time.min)
            qs = qs.filter(**{f"{item.date_field}__lt": timezone.make_aware(start_of_next)})
        else:
            qs = qs.filter(**{f"{item.date_field}__lte": cutoff})
    elif rule.event in _events:
        qs = qs.filter(**{pmap.subject_lookup("pk") + "__in": expired_subjects(item.rule, on)})  # type: ignore[union-attr]
        qs = qs.exclude(**{pmap.subject_lookup("pk") + "__in": running_subjects(item.rule, on)})  # type: ignore[union-attr]
    else:
        return model._default_manager.none()
    if item.done is not None:
        qs = qs.exclude(item.done)
    if pmap is not None and pmap.subject is not None:
        qs = qs.exclude(held_subject_ids(keeps=False, lookup=pmap.subject_lookup("pk")))
    return qs


def _field_at(model: type[models.Model], path: str) -> Any:
    """The field a lookup path such as 'invoice__closed_year_end' ends on."""
    *hops, last = path.split("__")
    for hop in hops:
        model = model._meta.get_field(hop).related_model  # type: ignore[assignment]
    return model._meta.get_field(last)


@dataclass
class RuleReport:
    name: str
    rule: str
    action: str
    due: int = 0
    done: int = 0


@dataclass
class RetentionReport:
    on: dt.date
    dry_run: bool
    rules: list[RuleReport] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.done if not self.dry_run else r.due for r in self.rules)


def _batches(qs: models.QuerySet[Any], size: int) -> Iterator[list[Any]]:
    """The pks of `qs` in batches, in pk order; each batch is read after the one before was done.

    Each read starts after the last pk of the batch before, so rows a batch leaves
    in place (anonymised) are not read again.
    """
    last = None
    while True:
        page = qs if last is None else qs.filter(pk__gt=last)
        pks = list(page.order_by("pk").values_list("pk", flat=True)[:size])
        if not pks:
            return
        yield pks
        if len(pks) < size:
            return
        last = pks[-1]


def _queue(subjects: models.QuerySet[Any]) -> None:
    """Record the decision to erase before any of the evidence (the rows) goes: one statement.

    Queued before the rule rows are deleted, committed on its own: a kill after
    this leaves the decision in the queue, whatever goes next.
    """
    try:
        sql, params = subjects.annotate(queued_pk=F("pk")).values("queued_pk").query.sql_with_params()
    except EmptyResultSet:  # no rule has a start event
        return
    quote = connection.ops.quote_name
    table = quote(ErasureLog._meta.db_table)
    names = ", ".join(map(quote, ("subject_pk", "queued_at", "reason", "filed")))  # the columns are the fields' names
    # SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT; names are our own, values parameters.
    insert = f"INSERT INTO {table} ({names}) SELECT due.queued_pk, %s, %s, %s FROM ({sql}) due WHERE 1 = 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            f"{insert} ON CONFLICT ({quote('subject_pk')}) DO NOTHING",
            [connection.ops.adapt_datetimefield_value(now()), "retention", False, *params],
        )


def _erase_queued(batch_size: int, progress: Callable[[str, int], None] | None) -> tuple[int, int]:
    """Erase everyone queued who is not held now; returns (erased, blocked)."""
    queued = ErasureLog.objects.filter(erased_at__isnull=True)
    # A hold or keep that arose since the decision wins: drop them from the queue.
    queued.filter(held_subject_ids(lookup="subject_pk")).delete()
    erased = blocked = 0
    while True:
        pks = list(queued.order_by("subject_pk").values_list("subject_pk", flat=True)[:batch_size])
        if not pks:
            return erased, blocked
        done = _erase(pks)
        kept = set(pks) - set(done)
        if kept:  # rows another rule still keeps protect them: they leave the queue, not kolk
            ErasureLog.objects.filter(subject_pk__in_array=sorted(kept), erased_at__isnull=True).delete()
            blocked += len(kept)
        erased += len(done)
        if progress and done:
            progress("subjects", len(done))


def _erase(pks: list[int]) -> list[int]:
    return subjects_erase(pks, reason="retention", keep_protected=True)


def register_erasure_hook(name: str, hook: ErasureHook) -> None:
    """Clean up, when subjects are erased, what no foreign key leads to (a log line, an empty household).

    `hook(pks)` runs in the erasure's transaction before the subjects are deleted, so
    it can still find what is theirs; a function it returns runs after they are deleted.
    """
    _erasure_hooks[name] = hook


def subjects_erase(pks: list[int], *, reason: str, keep_protected: bool = False) -> list[int]:
    """Erase subjects, in one transaction: the one way a person leaves kolk. Returns those erased.

    First their rows that a rule anonymises (rather than deletes) are anonymised
    now, so no copy of their data outlives them (a buyer's name on an order);
    then the subjects are deleted (foreign keys cascade or let go); the erasure
    hooks clean what no key leads to; and the erasure is logged. A subject whom
    rows another rule keeps protect (an invoice under the fiscal rule) stops the
    whole erasure with `ProtectedError`; with `keep_protected` they are left out
    and the others erased. Set-based: the statements do not grow with the subjects.
    """
    Subject = subject_model()
    with transaction.atomic():
        if keep_protected:
            kept = protected_pks(rows(Subject, pks))
            pks = [pk for pk in pks if pk not in kept]
        if not pks:
            return []
        for item in _retained:
            pmap = map_for(item.model)
            if item.action == "anonymise" and pmap is not None and pmap.subject is not None:
                item.model._default_manager.filter(**{pmap.subject_lookup("pk") + "__in_array": pks}).update(
                    **item.anonymise
                )
        after = [hook(pks) for hook in _erasure_hooks.values()]
        delete_rows(rows(Subject, pks))
        for then in after:
            if callable(then):
                then()
        erasure_record(pks, reason=reason)
    return pks


def retention_run(
    *,
    actor: Any,
    on: dt.date | None = None,
    dry_run: bool = False,
    batch_size: int = 5000,
    progress: Callable[[str, int], None] | None = None,
) -> RetentionReport:
    """Apply every rule: rows past their date, then subjects no rule keeps any longer."""
    with _without_jit():
        return _run(actor=actor, on=on or today(), dry_run=dry_run, batch_size=batch_size, progress=progress)


@contextlib.contextmanager
def _without_jit() -> Iterator[None]:
    """PostgreSQL's JIT compiler off for the run, as it was afterwards.

    The engine's statements are short but their estimated cost (subqueries per
    row) passes `jit_above_cost`: compiling them took 50-60 ms each, more than
    running them (measured with EXPLAIN ANALYZE on 60,000 members).
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', false)")
        (was, _) = cursor.fetchone()
    try:
        yield
    finally:
        with contextlib.suppress(Error), connection.cursor() as cursor:  # a lost connection takes the setting along
            cursor.execute("SELECT set_config('jit', %s, false)", [was])


def _run(
    *, actor: Any, on: dt.date, dry_run: bool, batch_size: int, progress: Callable[[str, int], None] | None
) -> RetentionReport:
    report = RetentionReport(on=on, dry_run=dry_run)
    if not dry_run:
        erasure_log_sync()
        _queue(due_subjects(on))
    for item in _retained:
        qs = due_rows(item, on)
        line = RuleReport(name=item.model_label, rule=item.rule, action=item.action)
        report.rules.append(line)
        if dry_run:
            line.due = qs.count()
            continue
        for pks in _batches(qs, batch_size):
            with transaction.atomic():
                batch = rows(item.model, pks)
                if item.action == "delete":
                    delete_rows(batch)
                else:
                    batch.update(**item.anonymise)
            line.done += len(pks)
            if progress:
                progress(f"{item.model_label} ({item.rule})", len(pks))
    line = RuleReport(name=subject_model()._meta.label, rule="*", action="erase")
    report.rules.append(line)
    if dry_run:
        line.due = due_subjects(on).count()
    else:
        line.done, line.due = _erase_queued(batch_size, progress)
    if not dry_run:
        erasure_log_sync()
        audit_log(
            actor=actor,
            action="retention.run",
            details={
                "on": on.isoformat(),
                "rules": [f"{r.name}:{r.rule}:{r.action}" for r in report.rules],
                "counts": [r.done for r in report.rules],
            },
        )
    return report


def erasure_record(pks: list[int], *, reason: str) -> None:
    """Log erased subjects in the database and, after commit, in the file kept beside it.

    A restore from backup rolls the table back with everything else; the file,
    kept apart from the backups, does not. A row is marked `filed` once its line
    is on disk; a process killed between the commit and that leaves it unmarked,
    and `erasure_log_sync`, run at the start and end of every retention run,
    appends it then.
    """
    at = now()
    logged = ErasureLog.objects.filter(subject_pk__in_array=pks).update(erased_at=at, filed=False)
    if logged < len(pks):  # not queued first: an erasure on request, or again after a restore
        ErasureLog.objects.bulk_create(
            [ErasureLog(subject_pk=pk, erased_at=at, reason=reason) for pk in pks], ignore_conflicts=True
        )
    transaction.on_commit(lambda: _file(pks, at, reason))


def _file(pks: list[int], at: dt.datetime, reason: str) -> None:
    """Append the erased subjects to the file, then mark their rows as filed."""
    _append([(pk, at.isoformat(), reason) for pk in pks])
    ErasureLog.objects.filter(subject_pk__in_array=pks, erased_at=at).update(filed=True)


def _append(rows: list[tuple[int, str, str]]) -> None:
    """Append lines to the erasure log file in one write, on disk before returning.

    A line cut short by a kill is ended first, so that it spoils only itself
    (readers skip it, and the next sync writes the entry again).
    """
    if not rows:
        return
    path = Path(settings.KOLK_ERASURE_LOG)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(
        json.dumps({"subject_pk": pk, "erased_at": at, "reason": reason}) + "\n" for pk, at, reason in rows
    ).encode()
    with path.open("ab") as fh:
        if fh.tell() > 0:
            with path.open("rb") as tail:
                tail.seek(-1, os.SEEK_END)
                if tail.read(1) != b"\n":
                    data = b"\n" + data
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def erasure_log_file() -> list[int]:
    """The subjects the erasure log file names (a line cut short by a kill is skipped)."""
    path = Path(settings.KOLK_ERASURE_LOG)
    if not path.exists():
        return []
    pks = []
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                pks.append(int(json.loads(line)["subject_pk"]))
            except (ValueError, KeyError, TypeError):
                continue
    return pks


def _file_lines() -> int:
    """How many lines the erasure log file has, counted without parsing them."""
    path = Path(settings.KOLK_ERASURE_LOG)
    if not path.exists():
        return 0
    lines = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            lines += chunk.count(b"\n")
    return lines


def erasure_log_sync() -> int:
    """Append to the file every erased subject the table has and the file lacks; returns how many.

    Usually nothing is missing, and that is found without reading the history:
    no row waits to be filed, and the file has at least a line per filed row
    (counted first, so that a line appended meanwhile only adds to the file's
    count). Otherwise (a kill before filing, a file lost or replaced) the file
    is read and compared with the whole table, as after an upgrade.
    """
    erased = ErasureLog.objects.filter(erased_at__isnull=False)
    filed = erased.filter(filed=True).count()
    if not erased.filter(filed=False).exists() and _file_lines() >= filed:
        return 0
    in_file = set(erasure_log_file())
    missing, unfiled = [], []
    table = erased.order_by("subject_pk").values_list("subject_pk", "erased_at", "reason", "filed")
    for pk, at, reason, was_filed in table.iterator():
        if pk not in in_file and at is not None:
            missing.append((pk, at.isoformat(), reason))
        if not was_filed:
            unfiled.append(pk)
    _append(missing)
    if unfiled:  # only the rows read: one erased meanwhile is filed by its own erasure
        erased.filter(subject_pk__in_array=unfiled, filed=False).update(filed=True)
    return len(missing)


@dataclass
class ReplayReport:
    logged: int  # subjects the erasure logs name
    erased: int  # of those, found in the database and erased again
    blocked: list[int]  # found, but rows another rule still keeps protect them


def erasure_replay(*, actor: Any, batch_size: int = 500) -> ReplayReport:
    """After a restore from backup: erase again everyone the erasure logs name.

    The file kept apart from the backups is read as well as the (restored, so
    older) table. Each subject goes through `subjects_erase`, as the first time:
    their anonymised copies (a buyer's name on an order) and what the erasure
    hooks clean go too, not only the rows that cascade. Batches commit on their
    own, so a replay killed halfway is finished by running it again.
    """
    Subject = subject_model()
    logged = ErasureLog.objects.filter(erased_at__isnull=False).values_list("subject_pk", flat=True)
    pks = sorted(set(erasure_log_file()) | set(logged))
    again: list[int] = []
    for start in range(0, len(pks), batch_size):
        chunk = pks[start : start + batch_size]
        again += Subject._default_manager.filter(pk__in=chunk).values_list("pk", flat=True)
    erased, blocked = 0, []
    for start in range(0, len(again), batch_size):
        chunk = again[start : start + batch_size]
        done = subjects_erase(chunk, reason="replay", keep_protected=True)  # rows a rule still keeps protect some
        erased += len(done)
        blocked += sorted(set(chunk) - set(done))
    erasure_log_sync()
    audit_log(
        actor=actor,
        action="erasure.replayed",
        details={"logged": len(pks), "erased_again": erased, "blocked": len(blocked)},
    )
    return ReplayReport(logged=len(pks), erased=erased, blocked=blocked)
