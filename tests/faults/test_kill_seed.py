"""`kolk seed --demo` killed with SIGKILL at random points: the next run loads the same demo."""

from __future__ import annotations

from tests.faults.conftest import KILLS
from tests.faults.harness import fingerprint, kill_repeatedly, startup_seconds, timed_run

RUN = ["seed", "--demo"]
VOLATILE = ["privacy.AuditEntry", "django_tasks_database.DBTaskResult", "sessions.Session", "core.SeedRun"]
# What the demo is made of, beyond the row counts: names, titles, loans, orders and mails.
CONTENT = """
from kolk.people.models import Person
from kolk.library.models import Copy, Loan
from kolk.boxoffice.models import Order
from kolk.comms.models import OutboxMessage
from kolk.core.models import SeedRun
result["people"] = sorted(Person.objects.values_list("given_name", "surname", "date_of_birth", "town"))
result["copies"] = sorted(Copy.objects.values_list("barcode", "title__control_number", "status"))
result["loans"] = sorted(  # loans returned long ago have no borrower any more (rule loans_returned)
    Loan.objects.values_list("copy__barcode", "person__given_name", "person__surname", "due_on"),
    key=lambda row: tuple("" if value is None else str(value) for value in row),
)
result["orders"] = sorted(Order.objects.values_list("buyer_name", "status"))
result["mails"] = sorted(OutboxMessage.objects.values_list("to_address", "subject", "status"))
result["runs"] = sorted(SeedRun.objects.values_list("key", flat=True))
"""


def test_seed_demo_killed_at_random_points_loads_the_same_demo_as_one_run(template):
    reference, victim = template.copy("seed-ref"), template.copy("seed-kill")

    took = timed_run(reference, *RUN)
    start = startup_seconds(reference)
    report = kill_repeatedly(
        victim, RUN, times=KILLS, span=(start * 0.8, took), seed=8002, progress="SELECT count(*) FROM core_seedrun"
    )
    assert report.killed >= KILLS // 2, report
    modules = reference.sql("SELECT count(*) FROM core_seedrun")
    assert report.halfway(modules) >= 1, report
    victim.kolk(*RUN)

    want = fingerprint(reference, skip=VOLATILE, extra=CONTENT)
    assert want["people.Person"] > 30
    assert fingerprint(victim, skip=VOLATILE, extra=CONTENT) == want
    victim.promises_kept()
