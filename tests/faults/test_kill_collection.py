"""`kolk billing collect` killed with SIGKILL at random points: one complete collection file, once."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tests.faults.conftest import KILLS
from tests.faults.harness import kill_repeatedly, startup_seconds, timed_run

DEBTORS = 400
DATE = "2099-01-02"


def normalised(xml: str) -> str:
    """The file without what differs between two runs by design: the message id and creation time."""
    xml = re.sub(r"DNK-\d{14}-[0-9a-f]{8}", "MSGID", xml)
    return re.sub(r"<CreDtTm>[^<]*</CreDtTm>", "<CreDtTm/>", xml)


def test_collection_file_killed_at_random_points_is_the_file_of_one_run(template):
    base = template.copy("collect-base")
    assert base.python(f"from tests.faults.data import debtors\nresult = debtors({DEBTORS})") == 2 * DEBTORS
    reference, victim = template.copy("collect-ref", base), template.copy("collect-kill", base)
    want_file, got_file = reference.home / "pain008.xml", victim.home / "pain008.xml"
    run = ["billing", "collect", "--date", DATE, "--out"]

    took = timed_run(reference, *run, str(want_file))
    start = startup_seconds(reference)
    report = kill_repeatedly(victim, [*run, str(got_file)], times=KILLS, span=(start * 0.8, took), seed=8003)
    assert report.killed >= KILLS // 2, report
    victim.kolk(*run, str(got_file))

    want = reference.python("from tests.faults.data import collections\nresult = collections()")
    assert want == {
        "collections": 1,
        "not_exported": 0,
        "items": 2 * DEBTORS,
        "invoices_in_two": False,
        "open_outside": 0,
        "sequences": ["RCUR"],
    }
    assert victim.python("from tests.faults.data import collections\nresult = collections()") == want
    ET.fromstring(got_file.read_bytes())  # noqa: S314 - complete and well-formed, never half written
    assert normalised(got_file.read_text()) == normalised(want_file.read_text())
    assert victim.kolk(*run, str(got_file)).stdout.strip() == "Niets te incasseren."  # nothing is collected twice
    victim.promises_kept()
