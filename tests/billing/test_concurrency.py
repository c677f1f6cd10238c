"""Invoice numbers under concurrency, on PostgreSQL with real threads and connections.

The first test takes the counter lock out and shows the race: invoices collide
on their number. The second shows that with the lock every number is given
out once and the sequence has no gaps.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kolk.billing.models import Collection, CollectionItem, Invoice, InvoiceCounter
from kolk.billing.services import collection_create
from kolk.billing.services import invoices as invoice_services
from kolk.core.clock import today
from tests.billing.factories import IBANS, make_invoice, make_mandate
from tests.factories import PersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def _run_together(people, barrier: threading.Barrier | None) -> list[str | Exception]:
    def work(person) -> str | Exception:
        try:
            if barrier is not None:
                barrier.wait(timeout=30)
            return make_invoice(person).number
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(people)) as pool:
        return list(pool.map(work, people))


def test_without_the_lock_numbers_collide(monkeypatch):
    make_invoice(PersonFactory())  # the year's counter exists
    people = [PersonFactory() for _ in range(THREADS)]
    barrier = threading.Barrier(THREADS)

    def unlocked(year: int) -> InvoiceCounter:
        counter = InvoiceCounter.objects.get(year=year)
        barrier.wait(timeout=30)  # every thread has read the same value
        return counter

    monkeypatch.setattr(invoice_services, "_read_counter", unlocked)
    results = _run_together(people, None)
    failures = [r for r in results if isinstance(r, Exception)]
    assert failures, "the race did not happen without the lock"
    assert Invoice.objects.count() < THREADS + 1


def test_concurrent_invoices_get_gapless_unique_numbers():
    people = [PersonFactory() for _ in range(THREADS * 2)]
    results = _run_together(people, threading.Barrier(len(people)))
    assert not [r for r in results if isinstance(r, Exception)]
    year = today().year
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"{year}-{n:06d}" for n in range(1, len(people) + 1)]
    assert sorted(results) == numbers  # type: ignore[type-var]
    assert InvoiceCounter.objects.get(year=year).last == len(people)


def test_two_collection_runs_at_once_collect_each_invoice_once():
    people = [PersonFactory() for _ in range(6)]
    for person in people:
        make_mandate(person, iban=IBANS[0])
        make_invoice(person)
        make_invoice(person)
    barrier = threading.Barrier(2)
    day = today() + dt.timedelta(days=3)

    def run(_n: int) -> Collection | Exception | None:
        try:
            barrier.wait(timeout=30)
            return collection_create(collection_date=day, actor=None)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, range(2)))
    assert not [r for r in results if isinstance(r, Exception)]
    assert CollectionItem.objects.count() == Invoice.objects.count() == 12
    assert CollectionItem.objects.values("invoice").distinct().count() == 12
    assert Collection.objects.count() == len([r for r in results if r is not None])
