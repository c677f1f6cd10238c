"""`kolk comms send` killed with SIGKILL at random points while a newsletter goes out: nobody gets it twice."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.faults.conftest import KILLS
from tests.faults.harness import free_port, kill_repeatedly, spread

READERS = 500
RUN = ["comms", "send", "--no-progress"]
LEASE_PASSED = "UPDATE comms_outboxmessage SET claimed_at = '2000-01-01 00:00:00' WHERE status = 'sending'"
SENT = "SELECT count(*) FROM comms_outboxmessage WHERE status = 'sent'"


class Recorder:
    """An SMTP server's mailbox: every message it accepted, by recipient."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for address in envelope.rcpt_tos:
            self.received[address] += 1
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


def test_newsletter_send_killed_at_random_points_reaches_everyone_once(template, smtp_server):
    mailbox, port = smtp_server
    smtp = {"KOLK_EMAIL_HOST": "127.0.0.1", "KOLK_EMAIL_PORT": str(port)}
    base = template.copy("newsletter-base")
    assert base.python(f"from tests.faults.data import newsletter\nresult = newsletter({READERS})") == READERS
    reference, victim = template.copy("newsletter-ref", base), template.copy("newsletter-kill", base)

    reference.kolk(*RUN, **smtp)
    assert sorted(mailbox.received.values()) == [1] * READERS
    mailbox.received.clear()

    def lease_runs_out() -> None:
        """A killed sender's claim runs out after the lease (ten minutes): let that time pass."""
        victim.sql_execute(LEASE_PASSED)

    report = kill_repeatedly(
        victim,
        RUN,
        times=KILLS,
        span=(0, 0.1),  # past each point of progress: a few messages, so the kill lands inside the send
        seed=8004,
        progress=SENT,
        targets=spread(8004, KILLS, READERS),
        between=lease_runs_out,
        **smtp,
    )
    assert report.killed >= KILLS // 2, report
    assert report.halfway(READERS) >= max(1, KILLS // 4), report
    victim.kolk(*RUN, **smtp)

    state = victim.python("from tests.faults.data import outbox\nresult = outbox()")
    assert max(mailbox.received.values()) == 1  # no mail is sent twice
    # Each kill can leave at most the one message it was handing over in doubt; marketing
    # in doubt is not resent (at most once), so that reader may have it or not.
    assert len(state["in_doubt"]) <= report.killed
    assert state["status"] == {
        "sent": READERS - len(state["in_doubt"]),
        **({"failed": len(state["in_doubt"])} if state["in_doubt"] else {}),
    }
    missing = {f"lezer{n}@example.nl" for n in range(READERS)} - set(mailbox.received)
    assert missing <= set(state["in_doubt"])
    victim.promises_kept()
