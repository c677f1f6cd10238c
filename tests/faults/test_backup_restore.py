"""Backup and restore: an older backup, restored, and the erasure log replayed, erases everyone again.

The procedure is the one docs/production.md gives: `pg_dump -Fc`, `pg_restore`
into a new database, `kolk retention replay` with the erasure log file that is
kept apart from the backups.
"""

from __future__ import annotations

import subprocess

import pytest

from kolk.privacy.erasure import erasure_replay
from tests.faults.data import copies_of, people, traces

GONE = {"people": 0, "orders_named": 0, "orders_linked": 0, "households": 0, "admin_log": 0}


def names(groups: dict[str, list[int]], *keys: str) -> list[str]:
    return [f"{key.capitalize()}{pk}x" for key in keys for pk in groups[key]]


@pytest.mark.django_db
def test_replay_erases_as_completely_as_the_first_erasure(settings, tmp_path):
    """A person back from a backup loses their copies too: the order's buyer name, the household, the admin log."""
    from tests.boxoffice.factories import show

    (pk,) = people(1, ended=False, start=30_000)
    copies_of(pk, "Teruggekeerd", show(capacity=10))
    # The restored person is named in the log file only: the restored table is older.
    with open(settings.KOLK_ERASURE_LOG, "w", encoding="utf-8") as fh:
        fh.write(f'{{"subject_pk": {pk}, "erased_at": "2026-01-01T00:00:00+00:00", "reason": "request"}}\n')
        fh.write('{"subject_pk": 99')  # a line cut short by a kill is skipped, not fatal
    report = erasure_replay(actor=None)
    assert (report.logged, report.erased, report.blocked) == (1, 1, [])
    assert traces(["Teruggekeerd"], [pk]) == {**GONE, "erasure_log_table": 1}
    assert erasure_replay(actor=None).erased == 0  # replaying twice changes nothing


@pytest.mark.postgres
def test_a_restored_older_backup_with_the_erasure_log_replayed_erases_everyone_again(template):
    live = template.copy("backup-live")
    groups = live.python("from tests.faults.data import backup_scenario\nresult = backup_scenario()")
    dump = live.home / "kolk.dump"
    subprocess.run(["pg_dump", "-Fc", "--file", str(dump), "--dbname", live.url], check=True)

    # After the backup: people erased on request, and by a retention run.
    live.python(f"from tests.faults.data import erase_on_request\nresult = erase_on_request({groups['request']})")
    live.kolk("retention", "run")
    gone = groups["request"] + groups["retention"]
    gone_names = names(groups, "request", "retention")
    check = f"from tests.faults.data import traces\nresult = traces({gone_names!r}, {gone!r})"
    assert live.python(check) == {**GONE, "erasure_log_table": len(gone)}

    # The restore: a new database from the older backup, with the live erasure log file.
    restored = template.empty("backup-restored")
    restored.extra_env["KOLK_ERASURE_LOG"] = str(live.erasure_log)
    subprocess.run(["pg_restore", "--no-owner", "--dbname", restored.url, str(dump)], check=True)
    back = restored.python(check)
    assert back["people"] == len(gone)
    assert back["erasure_log_table"] == 0  # the restored table is older: only the file knows
    assert f"erased again: {len(gone)}" in restored.kolk("retention", "replay").stdout

    assert restored.python(check) == {**GONE, "erasure_log_table": len(gone)}
    stay = groups["stay"]
    kept = restored.python(
        f"from tests.faults.data import traces\nresult = traces({names(groups, 'stay')!r}, {stay!r})"
    )
    assert kept == {
        "people": 4,
        "orders_named": 4,
        "orders_linked": 4,
        "households": 4,
        "admin_log": 4,
        "erasure_log_table": 0,
    }
    assert "erased again: 0" in restored.kolk("retention", "replay").stdout
    restored.promises_kept()
