"""Purpose gate overhead: a gated read against the same raw query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kolk_bench .venv/bin/python bench/gate.py --people 100000

Fills the database (once) with N people, 5 % objectors to marketing analysis and
1 % restricted, then reads the marketing-analysis fields of everyone, gated and
raw (the raw query leaves out the same people by hand, so both return the same
rows), and prints the medians. Not part of `make test`: nothing is timed there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kolk.settings")
os.environ.setdefault("KOLK_AUDIT_SEAL_ON_COMMIT", "false")

import django
from django.apps import apps

if not apps.ready:
    django.setup()

from django.core.management import call_command
from django.db import connection

from kolk.core.clock import now
from kolk.people.models import Person
from kolk.privacy.gate import purpose_read
from kolk.privacy.ledger import objector_ids, restricted_ids
from kolk.privacy.models import PrivacyChoice, Restriction

FIELDS = ["id", "given_name", "surname", "postcode", "gender", "date_of_birth"]


def fill(n: int) -> None:
    have = Person.objects.count()
    if have >= n:
        return
    rng = random.Random(7)
    batch = [
        Person(
            given_name=f"Voornaam{i}",
            surname=f"Achternaam{i % 5000}",
            postcode=f"{9400 + i % 90} AB",
            town="Assen",
            gender=rng.choice("fmx"),
            date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randint(0, 30000)),
            customer_number=f"B{i:09d}",
        )
        for i in range(have, n)
    ]
    Person.objects.bulk_create(batch, batch_size=5000)
    ids = list(Person.objects.values_list("id", flat=True))
    at = now()
    PrivacyChoice.objects.bulk_create(
        [
            PrivacyChoice(
                subject_id=pk,
                kind="objection",
                purpose="marketing_analysis",
                decision=True,
                method="desk",
                recorded_at=at,
            )
            for pk in rng.sample(ids, len(ids) // 20)
        ],
        batch_size=5000,
    )
    Restriction.objects.bulk_create(
        [
            Restriction(subject_id=pk, restricted=True, reason="bench", recorded_at=at)
            for pk in rng.sample(ids, len(ids) // 100)
        ],
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def timed(fn, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


def loan_history_overhead(*, repeat: int = 3, years: int = 6) -> dict[str, object]:
    """The marketing selection of loan history (L12) through the gate, against the same raw query.

    The selection counts each member's loans since a date in the database
    (`loan_history_selection`); the raw query groups the same loans and leaves
    out restricted people and objectors by hand, so both return the same rows.
    They run alternately, `repeat` times.
    """
    from django.db.models import Count, Max
    from django.utils import timezone

    from kolk.core.clock import today
    from kolk.library.models import Loan
    from kolk.library.partners import loan_history_selection

    since = today() - dt.timedelta(days=365 * years)
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))

    def raw() -> int:
        qs = (
            Loan.objects.filter(checked_out_at__gte=start, person__isnull=False)
            .exclude(person_id__in=restricted_ids())
            .exclude(person_id__in=objector_ids("marketing_analysis"))
            .values("person")
            .annotate(loans=Count("pk"), last_loan=Max("checked_out_at"))
            .order_by("person")
        )
        return len(list(qs))

    def gated() -> int:
        return len(loan_history_selection(actor=None, since=since))

    raw_times, gated_times, rows = [], [], (0, 0)
    for _ in range(repeat):
        raw_s, raw_rows = timed(raw, 1)
        gated_s, gated_rows = timed(gated, 1)
        raw_times.append(raw_s)
        gated_times.append(gated_s)
        rows = (raw_rows, gated_rows)
    assert rows[0] == rows[1], rows
    raw_s, gated_s = statistics.median(raw_times), statistics.median(gated_times)
    return {
        "loans": Loan.objects.count(),
        "members_selected": rows[1],
        "since": since.isoformat(),
        "raw_same_filter_s": round(raw_s, 3),
        "gated_s": round(gated_s, 3),
        "overhead_vs_same_filter_pct": round(100 * (gated_s - raw_s) / raw_s, 1) if raw_s else 0.0,
        "repeat": repeat,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    fill(args.people)

    def raw() -> int:
        qs = (
            Person.objects.exclude(pk__in=restricted_ids())
            .exclude(pk__in=objector_ids("marketing_analysis"))
            .values(*FIELDS)
        )
        return sum(1 for _ in qs.iterator(chunk_size=2000))

    def gated() -> int:
        return sum(1 for _ in purpose_read(purpose="marketing_analysis", model=Person, fields=FIELDS, actor=None))

    def plain() -> int:
        return sum(1 for _ in Person.objects.values(*FIELDS).iterator(chunk_size=2000))

    raw_s, raw_rows = timed(raw, args.repeat)
    gated_s, gated_rows = timed(gated, args.repeat)
    plain_s, plain_rows = timed(plain, args.repeat)
    assert raw_rows == gated_rows, (raw_rows, gated_rows)
    result = {
        "benchmark": "purpose gate overhead",
        "database": connection.vendor,
        "people": Person.objects.count(),
        "rows_read": gated_rows,
        "raw_same_filter_s": round(raw_s, 4),
        "gated_s": round(gated_s, 4),
        "overhead_vs_same_filter_pct": round(100 * (gated_s - raw_s) / raw_s, 1),
        "all_rows_unfiltered_s": round(plain_s, 4),
        "all_rows_unfiltered": plain_rows,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": now().date().isoformat(),
    }
    print(json.dumps(result, indent=2))
    out = Path(__file__).parent / "results" / f"gate-{connection.vendor}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
