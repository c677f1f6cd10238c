"""Retention: every rule of the register, applied by one engine.

What the rules apply to comes from the apps, through `kolk.privacy.registry`:
start events, retained rows, keeps and legal holds. The engine is set-based and
batched: each batch commits on its own, so a run killed at any point is
finished by the next. A dry run counts only.

A person (the subject) is erased when at least one rule has run out for them,
none is still running, nothing keeps them and nothing holds them. The decision
is queued in the erasure log first; the erasure itself is
`kolk.privacy.erasure.subjects_erase`, as for an erasure request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import Error, connection, models, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.privacy.audit import audit_log
from kolk.privacy.erasure import erasure_log_sync, subjects_erase
from kolk.privacy.fieldmap import map_for
from kolk.privacy.models import ErasureLog
from kolk.privacy.register import get_register
from kolk.privacy.registry import RetainedData, registrations
from kolk.privacy.setdelete import delete_rows, rows
from kolk.privacy.subjects import subject_model


def _subject_rules() -> list[str]:
    """The rules whose start event some app has registered."""
    return [key for key, rule in get_register().retention.items() if rule.event in registrations.events]


def expired_subjects(rule_key: str, on: dt.date) -> models.QuerySet[Any]:
    rule = get_register().retention[rule_key]
    cutoff = rule.duration.before(on)
    return registrations.events[rule.event]().filter(event_date__lte=cutoff).values("subject_id")


def running_subjects(rule_key: str, on: dt.date) -> models.QuerySet[Any]:
    rule = get_register().retention[rule_key]
    cutoff = rule.duration.before(on)
    return registrations.events[rule.event]().filter(event_date__gt=cutoff).values("subject_id")


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
    for hold in registrations.holds.values():
        q |= Q(**{f"{lookup}__in": _ids(hold.subjects())[1]})
    for source in registrations.keeps.values() if keeps else ():
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
        sql, event_params = (
            registrations.events[event]().values("subject_id", "event_date").order_by().query.sql_with_params()
        )
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
    elif rule.event in registrations.events:
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
        done = subjects_erase(pks, reason="retention", keep_protected=True)
        kept = set(pks) - set(done)
        if kept:  # rows another rule still keeps protect them: they leave the queue, not kolk
            ErasureLog.objects.filter(subject_pk__in_array=sorted(kept), erased_at__isnull=True).delete()
            blocked += len(kept)
        erased += len(done)
        if progress and done:
            progress("subjects", len(done))


def retention_run(
    *,
    actor: Actor,
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
    *, actor: Actor, on: dt.date, dry_run: bool, batch_size: int, progress: Callable[[str, int], None] | None
) -> RetentionReport:
    report = RetentionReport(on=on, dry_run=dry_run)
    if not dry_run:
        erasure_log_sync()
        _queue(due_subjects(on))
    for item in registrations.retained:
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
