"""`kolk retention run` killed with SIGKILL at random points: the next run finishes the work."""

from __future__ import annotations

from tests.faults.conftest import KILLS
from tests.faults.harness import fingerprint, kill_repeatedly, spread

PEOPLE = 400
RUN = ["retention", "run", "--batch-size", "5"]
# Rows that differ between runs by nature: the audit log counts each (partial) run.
ERASED = "SELECT count(*) FROM privacy_erasurelog WHERE erased_at IS NOT NULL"
VOLATILE = ["privacy.AuditEntry", "django_tasks_database.DBTaskResult", "sessions.Session"]


def test_retention_run_killed_at_random_points_erases_exactly_what_one_run_erases(template):
    base = template.copy("retention-base")
    base.python(
        f"from tests.faults.data import people\npeople({PEOPLE}, ended=True)\npeople(20, ended=False, start={PEOPLE})\nresult = 0"
    )
    reference, victim = template.copy("retention-ref", base), template.copy("retention-kill", base)

    reference.kolk(*RUN)
    # A twentieth of a second at most past each point of progress: a few batches on an idle machine,
    # so the kill lands inside the work however fast or slow the machine is that day.
    report = kill_repeatedly(
        victim, RUN, times=KILLS, span=(0, 0.05), seed=8001, progress=ERASED, targets=spread(8001, KILLS, PEOPLE)
    )
    assert report.killed >= KILLS // 2, report
    assert report.halfway(PEOPLE) >= max(1, KILLS // 4), report
    victim.kolk(*RUN)

    want = reference.python("from tests.faults.data import summary\nresult = summary()")
    got = victim.python("from tests.faults.data import summary\nresult = summary()")
    assert len(want["erased"]) == PEOPLE
    assert got == want  # the same people erased, nobody left in the queue
    assert fingerprint(victim, skip=VOLATILE) == fingerprint(reference, skip=VOLATILE)
    # The erasure log kept beside the database names everyone erased, once a run has finished.
    logged = victim.python(
        "from kolk.privacy.erasure import erasure_log_file\nresult = sorted(set(erasure_log_file()))"
    )
    assert logged == got["erased"]
    victim.promises_kept()
