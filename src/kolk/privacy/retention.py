"""Retention: every rule of the register, applied by one engine.

What the rules apply to comes from the apps, through `kolk.privacy.registry`:
start events, retained rows, keeps and legal holds. The engine is set-based and
batched: each batch commits on its own, so a run killed at any point is
finished by the next. A dry run counts only.

A person (the subject) is erased when at least one rule has run out for them,
none is still running, nothing keeps them and nothing holds them. The decision
is queued in the erasure log first; the erasure itself is
`kolk.privacy.erasure.subjects_erase`, as for an erasure request.

A hold, or a rule that is a narrow duty (the fiscal seven years), keeps only its
scope (`kolk.privacy.registry.Scope`). A person past every other date whom only
such holds and rules keep is reduced to what they need: their other rows go (or
lose the person, as on erasure), their other fields are cleared, and the erasure
hooks clean what no key leads to. An invoice under the fiscal duty keeps the
invoice with the name and address on it, not the email, the loans or the login.
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
from kolk.privacy.fieldmap import NOT_PERSONAL, map_for
from kolk.privacy.ledger import consenter_ids
from kolk.privacy.models import ErasureLog
from kolk.privacy.register import get_register
from kolk.privacy.registry import RetainedData, Scope, registrations
from kolk.privacy.setdelete import delete_rows, protected_pks, relations_to
from kolk.privacy.subjects import subject_model

# The category of the privacy core's own records of a person (what they chose and asked).
CORE_RECORDS = "privacy_choices"


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

    Any hold stops erasing the whole person; a keep (a running relationship) too.
    Which of their rows a hold keeps from going by their own dates is its scope
    (`held_for`); a keep keeps none of them.

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


def covers(scope: Scope, model: type[models.Model]) -> bool:
    """Whether `scope` keeps `model`'s rows of a person: named, or hanging from a model it names."""
    if scope.whole or model._meta.label in scope.models:
        return True
    pmap = map_for(model)
    if pmap is None or pmap.subject is None or "__" not in pmap.subject:
        return False
    parent = model._meta.get_field(pmap.subject.split("__", 1)[0]).related_model
    return isinstance(parent, type) and covers(scope, parent)


def held_for(model: type[models.Model], *, lookup: str = "pk") -> Q:
    """A Q (on `lookup`, the subject's id) for everyone whose hold keeps `model`'s rows."""
    q = Q(**{f"{lookup}__in": []})
    for hold in registrations.holds.values():
        if covers(hold.scope, model):
            q |= Q(**{f"{lookup}__in": _ids(hold.subjects())[1]})
    return q


def _event_cutoffs(on: dt.date) -> dict[str, dt.date]:
    """Per start event, the day on or before which it must lie for every rule it starts to have run out."""
    cutoffs: dict[str, dt.date] = {}
    for key in _subject_rules():
        rule = get_register().retention[key]
        cutoff = rule.duration.before(on)
        cutoffs[rule.event] = min(cutoff, cutoffs.get(rule.event, cutoff))
    return cutoffs


def _per_subject(on: dt.date, having: str) -> RawSQL | None:
    """The subjects whose event dates, grouped, meet `having` (on `running` and `scoped`); None without events.

    Each start event's dates are read once, in one statement for all of them. Per
    subject and event, `running` is 1 while the event's date lies after its cutoff
    (the earliest of the cutoffs of the rules it starts, e.g. `library` and
    `portal`), and `scoped` is 1 for an event whose rules need only a scope.
    """
    cutoffs = _event_cutoffs(on)
    if not cutoffs:
        return None
    # Compiled querysets of the apps' events and the engine's own SQL: no value is put in the text.
    parts, params = [], []
    for event, cutoff in cutoffs.items():
        sql, event_params = (
            registrations.events[event]().values("subject_id", "event_date").order_by().query.sql_with_params()
        )
        running = "CASE WHEN e.event_date > %s THEN 1 ELSE 0 END"
        scoped = 1 if event in registrations.event_scopes else 0
        parts.append(
            f"SELECT e.subject_id, {running} AS running, {scoped} AS scoped "  # noqa: S608
            f"FROM ({sql}) e WHERE e.event_date IS NOT NULL"
        )
        params += [cutoff, *event_params]
    union = " UNION ALL ".join(parts)
    return RawSQL(f"SELECT d.subject_id FROM ({union}) d GROUP BY d.subject_id HAVING {having}", params)  # noqa: S608,S611


def due_subjects(on: dt.date) -> models.QuerySet[Any]:
    """Subjects at least one rule has run out for, none still runs for, not kept or held.

    Per subject, every event date must lie on or before its cutoff.
    """
    Subject = subject_model()
    past = _per_subject(on, "MAX(d.running) = 0")
    if past is None:
        return Subject._default_manager.none()
    return Subject._default_manager.filter(pk__in=past).exclude(held_subject_ids())


@dataclass(frozen=True)
class _Source:
    """Who a narrow hold or a running scoped rule keeps, and what of them."""

    name: str
    scope: Scope
    subjects: models.QuerySet[Any]  # one column of subject ids, without NULL
    hold: bool  # a hold, rather than a rule still running


def _narrow_sources(on: dt.date) -> list[_Source]:
    """The narrow holds and the scoped rules still running, each with the subjects it keeps today."""
    found = [
        _Source(hold.name, hold.scope, _ids(hold.subjects())[1], hold=True)
        for hold in registrations.holds.values()
        if not hold.scope.whole
    ]
    cutoffs = _event_cutoffs(on)
    for event, scope in registrations.event_scopes.items():
        if event in cutoffs:
            running = registrations.events[event]().filter(event_date__gt=cutoffs[event]).values("subject_id")
            found.append(_Source(event, scope, _ids(running)[1], hold=False))
    return found


def _keeping(sources: list[_Source], keeps: Callable[[Scope], bool], lookup: str) -> Q:
    """A Q (on `lookup`) for the subjects one of `sources` keeps something of, where `keeps(scope)`."""
    q = Q(**{f"{lookup}__in": []})
    for source in sources:
        if keeps(source.scope):
            q |= Q(**{f"{lookup}__in": source.subjects})
    return q


def reducible_subjects(on: dt.date) -> models.QuerySet[Any]:
    """Subjects whom only narrow holds and scoped rules keep: past every other date.

    At least one rule has run out for them and every rule that keeps a whole
    person (a contract) has too; a scoped rule still runs for them or a narrow
    hold holds them. Nothing keeps them (a running subscription) and no hold
    needs them whole.
    """
    Subject = subject_model()
    # One read of every event: someone past at least one rule, for whom no rule that keeps a whole person runs.
    candidates = _per_subject(on, "MIN(d.running) = 0 AND MAX(CASE WHEN d.scoped = 0 THEN d.running ELSE 0 END) = 0")
    sources = _narrow_sources(on)
    if candidates is None or not sources:
        return Subject._default_manager.none()
    return (
        Subject._default_manager.filter(pk__in=candidates)
        .filter(_keeping(sources, _any, "pk"))
        .exclude(_kept("pk"))
        .exclude(_whole_held())
    )


def _whole_held() -> Q:
    """A Q on the subject for everyone a hold that needs the whole person holds."""
    q = Q(pk__in=[])
    for hold in registrations.holds.values():
        if hold.scope.whole:
            q |= Q(pk__in=_ids(hold.subjects())[1])
    return q


def _any(scope: Scope) -> bool:
    return True


def _covering(model: type[models.Model]) -> Callable[[Scope], bool]:
    return lambda scope: covers(scope, model)


def _kept(lookup: str) -> Q:
    """A Q (on `lookup`) for the subjects a keep (a running relationship) keeps whole."""
    q = Q(**{f"{lookup}__in": []})
    for source in registrations.keeps.values():
        column, ids = _ids(source())
        q |= Q(Exists(ids.filter(**{column: OuterRef(lookup)})))
    return q


@dataclass(frozen=True)
class _Relation:
    """Rows of another model that name the subject, and how they go when no scope keeps them."""

    model: type[models.Model]
    key: str  # the foreign key's name
    on_delete: Any
    anonymise: dict[str, Any]  # what a rule's anonymising sets (a buyer's order), as on erasure


def _relations() -> list[_Relation]:
    """The models that name the subject by a personal key, which reducing a person may touch.

    The privacy core's own records (consents, objections, restrictions, requests,
    disclosures) stay with what is left: they govern it. A protected row (an
    invoice) can only stay, so only a scope keeps it.
    """
    anonymised = {item.model_label: item.anonymise for item in registrations.retained if item.action == "anonymise"}
    found = []
    for on_delete, model, fk in relations_to(subject_model()):
        pmap = map_for(model)
        category = pmap.category_of(fk.name) if pmap is not None else None
        if category in (None, NOT_PERSONAL) or on_delete not in (models.CASCADE, models.SET_NULL):
            continue
        own = pmap.personal.get((pmap.subject or "").split("__", 1)[0]) if pmap is not None else None
        if CORE_RECORDS in (category, own):  # also a child's consent the reduced person gave as guardian
            continue
        found.append(_Relation(model, fk.name, on_delete, anonymised.get(model._meta.label, {})))
    # Rows that lose the person first: a loan then loses its person and subscription in one write,
    # and the subscriptions' delete finds no loan left to let go of.
    return sorted(found, key=lambda rel: bool(rel.on_delete is models.CASCADE and not rel.anonymise))


def _cleared(field: models.Field[Any, Any]) -> Any:
    """What a subject field is set to when no scope keeps it: NULL, else empty; a field that can be neither stays."""
    if field.null:
        return None
    if field.blank and not field.unique and isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model._meta.label}.{field.name} can be neither NULL nor empty: every scope must keep it")


def scope_problems(scope: Scope) -> list[str]:
    """Why `scope` cannot be applied: a field of the person it leaves that cannot be cleared."""
    if scope.whole:
        return []
    Subject = subject_model()
    pmap = map_for(Subject)
    problems = []
    for name, category in pmap.personal.items() if pmap else ():
        if category in scope.categories or name in scope.fields:
            continue
        try:
            _cleared(_field_at(Subject, name))
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def _field_groups(sources: list[_Source]) -> list[tuple[dict[str, Any], Q]]:
    """The subject's fields that reducing clears, grouped by who keeps them: (what to set, a Q of who keeps it)."""
    Subject = subject_model()
    pmap = map_for(Subject)
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for name, category in pmap.personal.items() if pmap else ():
        keepers = tuple(
            s.name for s in sources if s.scope.whole or category in s.scope.categories or name in s.scope.fields
        )
        if len(keepers) == len(sources):
            continue  # every source keeps it: nobody loses it
        groups.setdefault(keepers, {})[name] = _cleared(_field_at(Subject, name))
    return [
        (cleared, _keeping([s for s in sources if s.name in keepers], _any, "pk"))
        for keepers, cleared in groups.items()
    ]


def _already(cleared: dict[str, Any]) -> Q:
    """A Q for subjects whose `cleared` fields already hold what clearing sets."""
    q = Q()
    for name, value in cleared.items():
        q &= Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
    return q


def _excess(sources: list[_Source]) -> Q:
    """A Q on the subject: something of theirs is held that none of the sources keeping them needs."""
    q = Q(pk__in=[])
    for rel in _relations():
        theirs = rel.model._base_manager.filter(**{rel.key: OuterRef("pk")})
        q |= Q(Exists(theirs)) & ~_keeping(sources, _covering(rel.model), "pk")
    for cleared, keepers in _field_groups(sources):
        q |= ~_already(cleared) & ~keepers
    return q


def due_reductions(on: dt.date) -> models.QuerySet[Any]:
    """Subjects whom only narrow holds and scoped rules keep, and who still have more than those need.

    `kolk privacy check` counts them: a person kept whole by a narrow hold.
    """
    sources = _narrow_sources(on)
    if not sources:
        return subject_model()._default_manager.none()
    return reducible_subjects(on).filter(_excess(sources))


def subjects_reduce(pks: list[int], *, on: dt.date) -> None:
    """Reduce these subjects to what the narrow holds and scoped rules keeping them need, in one transaction.

    Rows no scope keeps are deleted (cascading as on erasure), or lose the person
    (a loan) or are anonymised (an order) as erasure does; fields no scope keeps
    are cleared; the erasure hooks clean what no key leads to (an emptied
    household, admin log lines). A fixed number of statements, whatever the number of subjects.
    """
    Subject = subject_model()
    sources = _narrow_sources(on)
    with transaction.atomic():
        # A keep or a hold on the whole person that arose since they were chosen wins.
        pks = list(
            Subject._default_manager.filter(pk__in_array=pks)
            .exclude(_kept("pk"))
            .exclude(_whole_held())
            .values_list("pk", flat=True)
        )
        if not pks:
            return
        after = [hook(pks) for hook in registrations.erasure_hooks.values()]
        for rel in _relations():
            goes = rel.model._base_manager.filter(**{f"{rel.key}__in_array": pks}).exclude(
                _keeping(sources, _covering(rel.model), rel.key)
            )
            if rel.anonymise:
                goes.update(**rel.anonymise)
            elif rel.on_delete is models.SET_NULL:
                goes.update(**{rel.key: None})
            else:
                kept = protected_pks(goes)  # a row another keeps (a collected invoice's mandate) stays
                delete_rows(goes.exclude(pk__in=kept) if kept else goes)
        for cleared, keepers in _field_groups(sources):
            Subject._default_manager.filter(pk__in_array=pks).exclude(keepers).exclude(_already(cleared)).update(
                **cleared
            )
        for then in after:
            if callable(then):
                then()


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
    if item.unless_consent and pmap is not None and pmap.subject is not None:
        qs = qs.exclude(**{pmap.subject_lookup("pk") + "__in": consenter_ids(item.unless_consent)})
    if pmap is not None and pmap.subject is not None:
        qs = qs.exclude(held_for(model, lookup=pmap.subject_lookup("pk")))
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


def _streamed(qs: models.QuerySet[Any], size: int) -> Iterator[list[Any]]:
    """The pks of `qs` in batches, all read by one statement; on PostgreSQL from a server-side cursor.

    Reading each batch in pk order with a LIMIT let PostgreSQL walk the primary key
    from the start past every row that is not due (ten million loans returned long
    ago, or not yet a year ago) for each batch, 13 s even when a single day's loans
    were due; one statement reads the table once, however many batches follow.
    The cursor holds its rows on the server, so the process does not grow with
    them; a batch's rows are checked again when they are changed (`_still_due`).
    Elsewhere (SQLite, the embedded default) the batches are read as before.
    """
    if connection.vendor != "postgresql":
        yield from _batches(qs, size)
        return
    batch: list[Any] = []
    for pk in qs.order_by().values_list("pk", flat=True).iterator(chunk_size=size):
        batch.append(pk)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _still_due(item: RetainedData, qs: models.QuerySet[Any], pks: list[Any]) -> models.QuerySet[Any]:
    """The rows of `pks` that `qs` (an item's due rows) still names: a consent or hold since the read wins."""
    return item.model._base_manager.filter(pk__in_array=qs.filter(pk__in_array=pks).values("pk"))


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
    # Before the rows go, like the queue: a row rule can take the rows a past event is read from
    # (an order loses its buyer with the date the ticket event ends), and the person with it.
    reduced = None
    if _narrow_sources(on):
        reduced = RuleReport(name=subject_model()._meta.label, rule="*", action="reduce")
        if dry_run:
            reduced.due = due_reductions(on).count()
        else:
            for pks in _batches(due_reductions(on), batch_size):
                subjects_reduce(pks, on=on)
                reduced.done += len(pks)
                if progress:
                    progress("subjects reduced", len(pks))
    for item in registrations.retained:
        qs = due_rows(item, on)
        line = RuleReport(name=item.model_label, rule=item.rule, action=item.action)
        report.rules.append(line)
        if dry_run:
            line.due = qs.count()
            continue
        for pks in _streamed(qs, batch_size):
            with transaction.atomic():
                batch = _still_due(item, qs, pks)
                done = delete_rows(batch) if item.action == "delete" else batch.update(**item.anonymise)
            line.done += done
            if progress:
                progress(f"{item.model_label} ({item.rule})", len(pks))
    if reduced is not None:
        report.rules.append(reduced)
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
