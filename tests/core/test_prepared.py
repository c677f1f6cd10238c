"""Prepared queries and writes (kolk.core.prepared) give what the ORM gives, compiled once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError
from django.db.transaction import TransactionManagementError

from kolk.core.prepared import Prepared, _plain, insert, insert_many, prefetched, prefetched_rows, save_fields
from kolk.library.models import Copy, Loan
from kolk.privacy.models import AuditEntry, PrivacyChoice
from tests.library.factories import CopyFactory

pytestmark = pytest.mark.django_db

COPY = Prepared(
    lambda barcode: Copy.objects.select_related("title", "branch", "transit_to").filter(barcode=barcode), str
)
LOCKED = Prepared(lambda pk: Copy.objects.select_for_update().filter(pk=pk), int)
BARCODES = Prepared(lambda title_id: Copy.objects.filter(title_id=title_id).order_by("pk").values_list("barcode"), int)


def test_rows_and_their_related_objects_are_the_orms(django_assert_num_queries):
    copy = CopyFactory()
    with django_assert_num_queries(1):
        (found,) = COPY.all(copy.barcode)
        assert (found.title.title, found.branch.code, found.transit_to) == (copy.title.title, copy.branch.code, None)
    assert found == Copy.objects.get(pk=copy.pk)
    assert not found._state.adding
    assert COPY.first("no such barcode") is None
    other = CopyFactory(title=copy.title)
    assert BARCODES.all(copy.title_id) == [(copy.barcode,), (other.barcode,)]


def test_a_value_out_of_range_matches_nothing_and_a_wrong_type_is_refused(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert LOCKED.all(2**70) == []
    with pytest.raises(TypeError):
        COPY.all(12)


def test_locking_needs_a_transaction_as_in_the_orm():
    copy = CopyFactory()
    from django.db import connection

    if connection.get_autocommit():  # outside the test's transaction (transactional tests)
        with pytest.raises(TransactionManagementError):
            LOCKED.all(copy.pk)
    assert [c.pk for c in LOCKED.all(copy.pk)] == [copy.pk]


def test_writes_are_the_orms_statements(django_assert_num_queries):
    copy = CopyFactory()
    loan = Loan(copy=copy, checked_out_at=dt.datetime.now(dt.UTC), due_on=dt.date.today())
    with django_assert_num_queries(1):
        insert(loan)
    assert loan.pk is not None
    assert not loan._state.adding
    stored = Loan.objects.get(pk=loan.pk)
    assert (stored.copy_id, stored.renewals, stored.fine_cents, stored.due_on) == (copy.pk, 0, 0, loan.due_on)
    copy.status = Copy.Status.ON_LOAN
    with django_assert_num_queries(1):
        save_fields(copy, "status")
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.ON_LOAN
    entry = AuditEntry(created_at=dt.datetime.now(dt.UTC), actor="test", action="x", details={"n": [1, "a"]})
    insert(entry)
    assert AuditEntry.objects.get(pk=entry.pk).details == {"n": [1, "a"]}
    gone = Copy(pk=copy.pk + 1000, status="available")
    with pytest.raises(DatabaseError):
        save_fields(gone, "status")


def test_a_model_with_its_own_save_or_signals_is_saved_by_it():
    """An immutable record's save() refuses a second save: the prepared writes leave such models to save()."""
    assert _plain(Copy)
    assert _plain(AuditEntry)
    assert not _plain(PrivacyChoice)


def test_rows_are_inserted_in_one_statement_with_their_keys_in_order(django_assert_num_queries):
    now = dt.datetime.now(dt.UTC)
    entries = [AuditEntry(created_at=now, actor="test", action=f"x.{i}", details={"i": i}) for i in range(3)]
    with django_assert_num_queries(1):
        insert_many(entries)
    assert all(not e._state.adding for e in entries)
    stored = dict(AuditEntry.objects.filter(pk__in=[e.pk for e in entries]).values_list("pk", "action"))
    assert [stored[e.pk] for e in entries] == ["x.0", "x.1", "x.2"]
    with django_assert_num_queries(0):
        insert_many([])


def test_rows_in_hand_are_an_instances_relation_without_a_query(django_assert_num_queries):
    copy = CopyFactory()
    at = dt.datetime.now(dt.UTC)
    loans = [Loan(copy=copy, checked_out_at=at, due_on=dt.date.today(), returned_at=at) for _ in range(2)]
    insert_many(loans)
    other = Loan(copy=CopyFactory(), checked_out_at=dt.datetime.now(dt.UTC), due_on=dt.date.today())
    insert(other)
    assert prefetched_rows(copy, "loans") is None
    prefetched(copy, "loans", loans)
    with django_assert_num_queries(0):
        assert list(copy.loans.all()) == loans
        assert prefetched_rows(copy, "loans") == loans
    # A query made from it is still of this copy's rows alone, as with prefetch_related.
    assert set(copy.loans.order_by("pk").values_list("pk", flat=True)) == {loan.pk for loan in loans}
