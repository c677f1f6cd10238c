"""Erasure: the one way a person leaves kolk, and erasing them again after a restore.

`subjects_erase` erases people in one transaction: the rows a rule anonymises
are anonymised, the people deleted (their rows in other tables go with them, or
are anonymised, as each model's foreign key says), the registered erasure hooks
clean what no key leads to, and the erasure log keeps their ids: in the
database and in a file kept apart from the backups, so that after a restore
`erasure_replay` erases them again. The retention engine and erasure requests
(art. 17) both erase through it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.privacy.audit import audit_log
from kolk.privacy.fieldmap import map_for
from kolk.privacy.models import ErasureLog
from kolk.privacy.registry import registrations
from kolk.privacy.setdelete import delete_rows, protected_pks, rows
from kolk.privacy.subjects import subject_model


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
        for item in registrations.retained:
            pmap = map_for(item.model)
            if item.action == "anonymise" and pmap is not None and pmap.subject is not None:
                item.model._default_manager.filter(**{pmap.subject_lookup("pk") + "__in_array": pks}).update(
                    **item.anonymise
                )
        after = [hook(pks) for hook in registrations.erasure_hooks.values()]
        delete_rows(rows(Subject, pks))
        for then in after:
            if callable(then):
                then()
        erasure_record(pks, reason=reason)
    return pks


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


def reduction_record(pks: list[int], *, reason: str) -> None:
    """Log people reduced on request (what a hold or duty keeps stays) in the file, after commit.

    Only in the file: the table's rows are erasures, which retention queues and
    finishes. After a restore, `kolk retention replay` finds them in the file,
    cannot erase them (their invoice protects them) and reduces them again.
    """
    at = now()
    transaction.on_commit(lambda: _append([(pk, at.isoformat(), reason) for pk in pks]))


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


def erasure_replay(*, actor: Actor, batch_size: int = 500) -> ReplayReport:
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


def erase_admin_log_lines(pks: list[int]) -> None:
    """The admin's change log names objects by id and text: erase the lines about erased subjects."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(subject_model())
    LogEntry.objects.filter(content_type=content_type, object_id__in=[str(pk) for pk in pks]).delete()
