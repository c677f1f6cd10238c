"""The frame for scale data: each app's `scale.py` defines `ORDER`, `PHASES` and maybe `plan(ctx)`.

`kolk seed --scale province|N` fills an empty database with a province's worth of
data (Drenthe: 150,000 members) or a proportional part of it. Rows are written
with explicit ids, from generators: COPY on PostgreSQL, batched inserts on SQLite.

Determinism and resuming go together. The first run fixes a plan (seed, members,
the day the data is built around, the first free id of every table) in a
`ScaleRun` row. Every phase draws from its own random source, named after the
phase, and takes its ids from the plan, so a phase gives the same rows whether it
runs first, last or again after a kill. Each phase is one transaction that also
records it as finished, so a killed phase leaves nothing behind and the next run
does it again.

`plan(ctx)` runs on every run, before the phases, and puts in `ctx.shared` what
later phases (of its own app or others) need: ids and facts, never models.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.utils.module_loading import module_has_submodule
from tqdm import tqdm

PROVINCE = 150_000  # members in Drenthe: `--scale province`
SQLITE_BATCH = 5000

Phase = Callable[["ScaleContext"], int]
PhaseHook = Callable[["ScaleContext", str, int], None]
_phase_hooks: list[PhaseHook] = []


def on_phase_done(hook: PhaseHook) -> PhaseHook:
    """Call `hook(ctx, key, rows)` inside each phase's transaction, after its rows.

    The privacy core uses it to write the one audit entry per phase (the core
    below it cannot call the audit log itself).
    """
    if hook not in _phase_hooks:
        _phase_hooks.append(hook)
    return hook


def phase_done(ctx: ScaleContext, key: str, rows: int) -> None:
    for hook in _phase_hooks:
        hook(ctx, key, rows)


@dataclass
class ScaleContext:
    """What a scale module gets: the plan, a random source per name, ids, and a COPY helper."""

    seed: int
    members: int
    today: dt.date
    bases: dict[str, int]
    progress: bool = True
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def factor(self) -> float:
        return self.members / PROVINCE

    def count(self, at_province: int, minimum: int = 1) -> int:
        """A count given for the province, scaled to this run."""
        return max(minimum, round(at_province * self.factor))

    def rng(self, name: str) -> random.Random:
        """A random source of its own for `name`: the same seed and name give the same draws."""
        return random.Random(f"{self.seed}:{name}")

    def first_id(self, model: type[models.Model]) -> int:
        """The first id this run gives rows of `model` (the table's free ids when the plan was made)."""
        return self.bases.get(model._meta.label_lower, 1)

    def at(self, day: dt.date, seconds: int = 0) -> dt.datetime:
        """A moment on `day`, `seconds` after midnight UTC."""
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)

    def bar(self, total: int | None, desc: str) -> tqdm[Any]:
        return tqdm(total=total, desc=desc, unit="rows", unit_scale=True, disable=not self.progress, leave=False)

    def copy_rows(
        self,
        model: type[models.Model],
        fields: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        total: int | None = None,
    ) -> int:
        """Write `rows` (tuples in the order of `fields`) into `model`'s table; return how many.

        PostgreSQL gets one COPY; SQLite batched INSERTs. The sequence of the
        table is moved past the highest id afterwards, so the application's own
        inserts go on from there.
        """
        meta = model._meta
        model_fields: list[Any] = [meta.get_field(name) for name in fields]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in model_fields)
        table = connection.ops.quote_name(meta.db_table)
        written = 0
        with self.bar(total, meta.label) as bar, connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Foreign keys are deferred: checked row by row at commit, which costs more than
                # the COPY. Dropped here and added again below NOT VALID, they are checked once,
                # by `validate_foreign_keys()` when all phases are done. Both are part of the
                # phase's transaction, so a kill leaves the constraints as they were.
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                    [meta.db_table],
                )
                keys = cursor.fetchall()
                # Checks still pending from earlier writes in this transaction would block the ALTERs.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                for name, _definition in keys:
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                        written += 1
                        if not written % 20000:
                            bar.update(20000)
                bar.update(written % 20000)
                for name, definition in keys:
                    valid = definition.removesuffix(" NOT VALID")
                    cursor.execute(
                        f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {valid} NOT VALID"
                    )
            else:
                prep = [_sqlite_adapter(f) for f in model_fields]
                sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('%s' for _ in model_fields)})"  # noqa: S608 - quoted names of our own tables
                iterator = iter(rows)
                while batch := list(itertools.islice(iterator, SQLITE_BATCH)):
                    cursor.executemany(sql, [[p(v) for p, v in zip(prep, row, strict=True)] for row in batch])
                    written += len(batch)
                    bar.update(len(batch))
            if connection.vendor == "postgresql" and written and meta.pk is not None and meta.pk.column == "id":
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {table}))",  # noqa: S608
                    [meta.db_table],
                )
        return written


def finish_database() -> None:
    """Check the foreign keys the phases added NOT VALID (one join each), then ANALYZE."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
            )
            for table, name in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {connection.ops.quote_name(name)}")
        cursor.execute("ANALYZE")


def _sqlite_adapter(f: Any) -> Callable[[Any], Any]:
    if isinstance(f, models.JSONField | models.DateTimeField | models.DateField):
        return lambda v: f.get_db_prep_save(v, connection)
    return lambda v: v


def luhn_digit(body: str) -> str:
    """The Luhn check digit of a string of digits (pass and customer numbers)."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def scale_modules() -> list[ModuleType]:
    """Every kolk app's `scale` module with PHASES, in their ORDER."""
    found = []
    for config in apps.get_app_configs():
        if config.name.startswith("kolk.") and module_has_submodule(config.module, "scale"):
            module = importlib.import_module(f"{config.name}.scale")
            if hasattr(module, "PHASES"):
                found.append(module)
    return sorted(found, key=lambda m: m.ORDER)


def phase_keys(ctx: ScaleContext, module: ModuleType) -> list[tuple[str, Phase]]:
    """A module's phases as (key, function); PHASES may be a list or a function of the context."""
    phases = module.PHASES(ctx) if callable(module.PHASES) else module.PHASES
    app = module.__name__.split(".")[1]
    return [(f"{app}.{name}", fn) for name, fn in phases]


def months_back(today: dt.date, n: int) -> list[dt.date]:
    """The first days of the `n` months up to and including today's, oldest first."""
    first = today.replace(day=1)
    out = []
    for back in range(n - 1, -1, -1):
        y, m = divmod(first.year * 12 + first.month - 1 - back, 12)
        out.append(dt.date(y, m + 1, 1))
    return out
