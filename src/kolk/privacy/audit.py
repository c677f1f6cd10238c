"""The append-only, hash-chained audit log.

Writers add an entry inside their own business transaction, unsealed. After the
commit, a sealer takes the chain head with SKIP LOCKED (so no writer waits on
another), gives the unsealed entries the next sequence numbers and chains their
hashes. A busy process seals at most once per `AUDIT_SEAL_INTERVAL` seconds, so
one seal chains the entries of many requests; what it leaves is sealed when the
process exits or by the worker, whichever comes first. `verify` walks the sealed chain and reports any edited, deleted or
reordered entry, plus the unsealed tail. Subjects appear only as a keyed HMAC
pseudonym, so erasing a person never breaks the chain.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from time import monotonic
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, models, transaction

from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.prepared import insert, insert_many
from kolk.privacy.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
SEAL_BATCH = 2000
Scalar = str | int | bool | None


def pseudonym(subject: models.Model | None = None, *, label: str = "", pk: Any = None) -> str:
    """The keyed pseudonym of a subject: the same person, the same reference."""
    if subject is not None:
        label, pk = subject._meta.label_lower, subject.pk
    key = settings.KOLK_AUDIT_KEY.encode()
    return hmac.new(key, f"{label}:{pk}".encode(), hashlib.sha256).hexdigest()


def actor_ref(actor: Actor) -> str:
    """How an actor is named in the log: 'user:<id>' or 'system'."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "system" if actor is None else "anonymous"
    return f"user:{actor.pk}"


def _clean(details: Mapping[str, Any]) -> dict[str, Any]:
    """Details hold ids, keys and counts only: scalars or lists of scalars."""
    cleaned: dict[str, Any] = {}
    for key, value in details.items():
        if isinstance(value, list | tuple | set | frozenset):
            items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
            if not all(isinstance(v, Scalar) and not isinstance(v, float) for v in items):
                raise TypeError(f"audit detail '{key}' must hold scalars")
            cleaned[key] = items
        elif isinstance(value, Scalar) and not isinstance(value, float):
            cleaned[key] = value
        else:
            raise TypeError(f"audit detail '{key}' has a {type(value).__name__}; use ids and keys")
    return cleaned


def audit_log(
    *,
    actor: Actor,
    action: str,
    subject: models.Model | None = None,
    subject_ref: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Record what happened, in the caller's transaction; it is sealed after commit."""
    entry = AuditEntry(
        created_at=now(),
        actor=actor_ref(actor),
        action=action,
        subject_ref=pseudonym(subject) if subject is not None else subject_ref,
        details=_clean(details or {}),
    )
    together = _together.get()
    if together is not None:
        together.append(entry)  # written with the others at the end of `audit_together`
    else:
        insert(entry)  # on every write of every service: the statement is made once per process
    if settings.AUDIT_SEAL_ON_COMMIT:
        _seal_after_commit()
    return entry


_together: ContextVar[list[AuditEntry] | None] = ContextVar("kolk_audit_together", default=None)


@contextlib.contextmanager
def audit_together() -> Iterator[None]:
    """The entries logged inside are written in one statement when the block ends: one act of several
    services (the till's hold and payment). Inside a transaction only, so that they are written in it,
    with what they record, or not at all; an error inside writes none (the transaction rolls back).
    An entry has its id only once written."""
    if not transaction.get_connection().in_atomic_block:
        raise transaction.TransactionManagementError("audit_together() runs inside a transaction")
    entries: list[AuditEntry] = []
    token = _together.set(entries)
    try:
        yield
    finally:
        _together.reset(token)
    insert_many(entries)


class _Sealing:
    """This process's after-commit sealing: when it last sealed, whether it seals at exit."""

    last = float("-inf")
    at_exit = False


def _seal_after_commit() -> None:
    """Seal once after the transaction commits, however many entries it wrote."""
    connection = transaction.get_connection()
    if any(hook is seal_soon for _, hook, _ in connection.run_on_commit):
        return
    transaction.on_commit(seal_soon, robust=True)


def seal_soon() -> int:
    """Seal now, unless this process sealed within the interval (then later: at exit, or the worker)."""
    at = monotonic()
    if at - _Sealing.last < settings.AUDIT_SEAL_INTERVAL:
        if not _Sealing.at_exit:
            _Sealing.at_exit = True
            atexit.register(_seal_at_exit)
        return 0
    _Sealing.last = at
    return seal()


def _seal_at_exit() -> None:
    with contextlib.suppress(DatabaseError):  # the database went first: the worker seals them
        seal()


def entry_hash(entry: AuditEntry, seq: int, prev_hash: str) -> str:
    """The chain hash of an entry at a position; covers every column."""
    payload = json.dumps(
        [
            seq,
            prev_hash,
            entry.pk,
            entry.created_at.isoformat(timespec="microseconds"),
            entry.actor,
            entry.action,
            entry.subject_ref,
            entry.details,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def seal(batch: int = SEAL_BATCH) -> int:
    """Chain the unsealed entries; return how many. Safe to run anywhere, any time."""
    total = 0
    while True:
        with transaction.atomic():
            head = AuditChainHead.objects.select_for_update(skip_locked=True).filter(pk=1).first()
            if head is None:
                if AuditChainHead.objects.filter(pk=1).exists():
                    return total  # another sealer holds the head; it will take our entries
                if AuditEntry.objects.filter(seq__isnull=False).exists():
                    return total  # the head was deleted: `verify` reports it; never re-root a chain
                AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
                continue
            pending = list(AuditEntry.objects.filter(seq__isnull=True).order_by("id")[:batch])
            if not pending:
                return total
            seq, prev = head.seq, head.hash
            chained = []
            for entry in pending:
                seq += 1
                digest = entry_hash(entry, seq, prev)
                chained.append((seq, prev, digest, entry.pk))
                prev = digest
            _write_seals(chained)
            head.seq, head.hash, head.sealed_at = seq, prev, now()
            head.save(update_fields=["seq", "hash", "sealed_at"])
            total += len(pending)
        if len(pending) < batch:
            return total


def _write_seals(chained: list[tuple[int, str, str, int]]) -> None:
    """Give each entry its place in the chain: one prepared UPDATE, sent as a batch.

    (The ORM's bulk_update built one CASE expression per column over the whole batch,
    which cost the web processes more CPU than the requests whose entries they sealed.)
    """
    table = connection.ops.quote_name(AuditEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",  # noqa: S608
            chained,
        )


@dataclass
class Verification:
    sealed: int = 0
    unsealed: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sealed_entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=5000)


def verify(expect_head: tuple[int, str] | None = None) -> Verification:
    """Walk the sealed chain and report every break; count the unsealed tail.

    With `expect_head` (a head printed earlier and kept elsewhere), entries
    removed from the end of the chain are found too.
    """
    result = Verification()
    expected_seq, prev = 1, GENESIS
    known: dict[int, str] = {}
    for entry in _sealed_entries():
        assert entry.seq is not None
        if entry.seq != expected_seq:
            missing = f"{expected_seq}" if entry.seq == expected_seq + 1 else f"{expected_seq}-{entry.seq - 1}"
            result.problems.append(f"entries {missing} are missing (deleted)")
            prev = entry.prev_hash
        elif entry.prev_hash != prev:
            result.problems.append(
                f"entry {entry.seq} (id {entry.pk}) does not follow entry {entry.seq - 1}: "
                "the chain was reordered or rewritten"
            )
        if entry_hash(entry, entry.seq, entry.prev_hash) != entry.hash:
            result.problems.append(f"entry {entry.seq} (id {entry.pk}, {entry.action}) was edited")
        if expect_head and entry.seq == expect_head[0]:
            known[entry.seq] = entry.hash
        prev, expected_seq = entry.hash, entry.seq + 1
        result.sealed += 1
    result.head_seq, result.head_hash = expected_seq - 1, prev
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is None and result.sealed:
        result.problems.append("the chain head is missing (deleted)")
    if head is not None and (head.seq, head.hash) != (result.head_seq, result.head_hash):
        if head.seq > result.head_seq:
            result.problems.append(
                f"entries {result.head_seq + 1}-{head.seq} at the end of the chain are missing (deleted)"
            )
        else:
            result.problems.append(f"the chain head (entry {head.seq}) does not match the last entry")
    if expect_head:
        seq, digest = expect_head
        if seq > result.head_seq:
            result.problems.append(
                f"the kept head {seq} is beyond the chain's end {result.head_seq}: entries were deleted"
            )
        elif known.get(seq) != digest:
            result.problems.append(f"entry {seq} differs from the head kept elsewhere: the chain was rewritten")
    result.unsealed = AuditEntry.objects.filter(seq__isnull=True).count()
    return result


def chain_head() -> AuditChainHead:
    return AuditChainHead.objects.get(pk=1)
