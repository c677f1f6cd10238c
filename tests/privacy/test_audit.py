"""The audit chain: sealed after commit, verified, and tampering found and named."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from time import perf_counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, close_old_connections, connection, transaction

from kolk.privacy import audit
from kolk.privacy.audit import audit_log, chain_head, pseudonym, seal, verify
from kolk.privacy.models import AuditChainHead, AuditEntry
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def write(n: int) -> list[AuditEntry]:
    return [audit_log(actor=None, action="test.event", details={"n": i}) for i in range(n)]


@contextmanager
def as_database_owner():
    """Simulate someone with direct database access (the PostgreSQL guard switched off)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE privacy_auditentry DISABLE TRIGGER privacy_audit_guard")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE privacy_auditentry ENABLE TRIGGER privacy_audit_guard")
    else:
        yield


def test_a_sealed_chain_verifies():
    write(5)
    assert seal() == 5
    result = verify()
    assert result.ok, result.problems
    assert (result.sealed, result.unsealed) == (5, 0)
    assert (result.head_seq, result.head_hash) == (chain_head().seq, chain_head().hash)


def test_unsealed_entries_are_counted_as_the_tail():
    write(3)
    seal()
    write(2)
    result = verify()
    assert result.ok
    assert (result.sealed, result.unsealed) == (3, 2)


def test_an_edited_entry_is_named():
    entries = write(4)
    seal()
    with as_database_owner():
        AuditEntry.objects.filter(pk=entries[2].pk).update(details={"n": 99})
    result = verify()
    assert result.problems == [f"entry 3 (id {entries[2].pk}, test.event) was edited"]


def test_a_deleted_entry_is_named():
    entries = write(5)
    seal()
    with as_database_owner():
        AuditEntry.objects.filter(pk=entries[1].pk).delete()
    assert verify().problems == ["entries 2 are missing (deleted)"]


def test_reordered_entries_are_found():
    entries = write(4)
    seal()
    with as_database_owner():
        AuditEntry.objects.filter(pk=entries[1].pk).update(seq=-2)
        AuditEntry.objects.filter(pk=entries[2].pk).update(seq=2)
        AuditEntry.objects.filter(pk=entries[1].pk).update(seq=3)
    problems = verify().problems
    assert any("entry 2" in p and "edited" in p for p in problems)
    assert any("entry 3" in p for p in problems)


def test_entries_cut_from_the_end_are_found_with_the_head_and_the_kept_head():
    entries = write(5)
    seal()
    kept = (chain_head().seq, chain_head().hash)
    with as_database_owner():
        AuditEntry.objects.filter(pk__in=[e.pk for e in entries[3:]]).delete()
    assert any("end of the chain" in p for p in verify().problems)
    assert any("kept head 5" in p for p in verify(expect_head=kept).problems)


def test_the_command_fails_after_a_direct_edit(capsys):
    entries = write(3)
    seal()
    call_command("audit", "verify")
    assert "audit chain intact" in capsys.readouterr().out
    with as_database_owner():
        AuditEntry.objects.filter(pk=entries[0].pk).update(action="test.other")
    with pytest.raises(CommandError, match="broken"):
        call_command("audit", "verify")
    assert "entry 1" in capsys.readouterr().err


def test_a_deleted_head_is_reported_and_never_re_rooted():
    write(2)
    seal()
    from kolk.privacy.models import AuditChainHead

    AuditChainHead.objects.all().delete()
    write(1)
    assert seal() == 0
    assert "the chain head is missing (deleted)" in verify().problems


def test_head_prints_seq_and_hash(capsys):
    write(2)
    call_command("audit", "head")
    seq, digest = capsys.readouterr().out.strip().split(":")
    assert seq == "2"
    assert len(digest) == 64


def test_erasing_a_person_keeps_the_chain_intact():
    person = PersonFactory()
    ref = pseudonym(person)
    assert AuditEntry.objects.filter(subject_ref=ref, action="person.created").exists()
    person.delete()
    seal()
    assert verify().ok
    assert ref not in str(list(AuditEntry.objects.values_list("details", flat=True)))


def test_details_refuse_anything_but_ids_keys_and_counts():
    with pytest.raises(TypeError):
        audit_log(actor=None, action="x", details={"person": object()})
    with pytest.raises(TypeError):
        audit_log(actor=None, action="x", details={"amount": 1.5})


@pytest.mark.postgres
def test_postgresql_refuses_changes_to_sealed_entries_and_deletes():
    entries = write(2)
    seal()
    with pytest.raises(DatabaseError, match="cannot be changed"), transaction.atomic():
        AuditEntry.objects.filter(pk=entries[0].pk).update(details={"n": 5})
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entries[1].pk).delete()


HOLD = 5.0  # how long a held transaction or chain head is kept at most, in seconds
QUICK = 2.0  # a write and commit that waited on nobody takes milliseconds; this allows a busy machine


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_wait_neither_on_each_other_nor_on_a_sealer_holding_the_chain():
    """Two transactions write audit entries at once while a sealer holds the chain head; nobody waits.

    Each party has a connection of its own. The first writer keeps its transaction open
    until the second has committed, and the sealer keeps the head locked until both
    have: a writer that waited on either would be held for HOLD seconds and fail the bound.
    """
    write(1)  # the chain head exists: a sealer has something to lock
    assert chain_head().seq == 1
    head_held, first_wrote, second_done, first_done = (threading.Event() for _ in range(4))
    errors: list[BaseException] = []
    first_took: list[float] = []

    def sealer() -> None:
        try:
            with transaction.atomic():
                AuditChainHead.objects.select_for_update().get(pk=1)
                head_held.set()
                first_done.wait(2 * HOLD)
        except BaseException as exc:
            errors.append(exc)
        finally:
            head_held.set()
            connection.close()

    def first_writer() -> None:
        try:
            head_held.wait(HOLD)
            with transaction.atomic():
                audit_log(actor=None, action="test.first", details={"n": 1})
                first_wrote.set()
                second_done.wait(HOLD)  # the transaction stays open while the second writer works
                started = perf_counter()
            first_took.append(perf_counter() - started)  # the commit and its seal attempt
        except BaseException as exc:
            errors.append(exc)
        finally:
            first_wrote.set()
            first_done.set()
            connection.close()

    threads = [threading.Thread(target=sealer), threading.Thread(target=first_writer)]
    for t in threads:
        t.start()
    try:
        assert first_wrote.wait(HOLD), "the first writer never wrote"
        started = perf_counter()
        with transaction.atomic():
            audit_log(actor=None, action="test.second", details={"n": 2})
        second_took = perf_counter() - started
        second_done.set()
        assert first_done.wait(2 * HOLD)
        unsealed = set(AuditEntry.objects.filter(seq__isnull=True).values_list("action", flat=True))
    finally:
        second_done.set()
        for t in threads:
            t.join()
    assert errors == []
    assert second_took < QUICK, f"the second writer waited {second_took:.1f} s"
    assert len(first_took) == 1
    assert first_took[0] < QUICK, f"the first writer's commit waited {first_took[0]:.1f} s"
    # Both committed while the head was held: their seals skipped it and left them for the next.
    assert unsealed == {"test.first", "test.second"}
    assert seal() == 2
    result = verify()
    assert result.ok, result.problems
    assert (result.sealed, result.unsealed) == (3, 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_are_all_chained_and_it_verifies():
    """Eight threads write and commit at once; every entry is chained once, in one unbroken sequence."""
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(25):
                with transaction.atomic():
                    audit_log(actor=None, action="test.concurrent", details={"writer": n, "i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seal()
    result = verify()
    assert result.ok, result.problems
    assert result.sealed == AuditEntry.objects.count() >= 200
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, result.sealed + 1))


@pytest.mark.django_db(transaction=True)
def test_a_transaction_with_several_entries_seals_once():
    with transaction.atomic():
        write(3)
        hooks = [hook for _, hook, _ in connection.run_on_commit]
        assert hooks == [audit.seal_soon]
    assert verify().unsealed == 0


@pytest.mark.django_db(transaction=True)
def test_a_busy_process_seals_once_per_interval_and_at_exit(settings, monkeypatch):
    """Commits within the interval wait for the next seal; none is left behind at exit."""
    registered: list[object] = []
    monkeypatch.setattr(audit.atexit, "register", registered.append)
    monkeypatch.setattr(audit._Sealing, "last", float("-inf"))
    monkeypatch.setattr(audit._Sealing, "at_exit", False)
    clock = iter([100.0, 100.4, 100.9, 101.2])
    monkeypatch.setattr(audit, "monotonic", lambda: next(clock))
    settings.AUDIT_SEAL_INTERVAL = 1.0

    with transaction.atomic():
        write(1)  # 100.0: seals
    assert verify().unsealed == 0
    for _ in range(2):
        with transaction.atomic():
            write(1)  # 100.4 and 100.9: within the interval, left for later
    assert verify().unsealed == 2
    assert registered == [audit._seal_at_exit]
    with transaction.atomic():
        write(1)  # 101.2: one seal chains all three
    assert (verify().sealed, verify().unsealed) == (4, 0)

    settings.AUDIT_SEAL_INTERVAL = 60.0
    monkeypatch.setattr(audit, "monotonic", lambda: 102.0)
    write(2)
    assert verify().unsealed == 2
    audit._seal_at_exit()
    result = verify()
    assert result.ok
    assert (result.sealed, result.unsealed) == (6, 0)


@pytest.mark.django_db
def test_entries_logged_together_are_written_in_one_statement_or_not_at_all(django_assert_num_queries):
    from kolk.privacy.models import AuditEntry

    with transaction.atomic():
        with django_assert_num_queries(1), audit.audit_together():
            audit_log(actor=None, action="together.one", details={"n": 1})
            audit_log(actor=None, action="together.two", details={"n": 2})
        assert [e.action for e in AuditEntry.objects.filter(action__startswith="together.").order_by("pk")] == [
            "together.one",
            "together.two",
        ]
    with transaction.atomic():
        try:
            with audit.audit_together():
                audit_log(actor=None, action="together.failed", details={})
                raise ValueError("the act failed")
        except ValueError:
            pass
        assert not AuditEntry.objects.filter(action="together.failed").exists()
