"""Two kiosks check out the same copy at the same moment: exactly one loan (PostgreSQL, real connections).

Each kiosk has its own connection, thread and database connection. Both are held
right after reading the copy: with the copy's row lock the second cannot read it
until the first commits (the barrier breaks), and is refused in words; with the
lock switched off both read it as available and the unique index stops the
second loan, which the kiosk also gets as a refusal, never a dropped server.
"""

from __future__ import annotations

import socket
import threading

import pytest

from kolk.kiosk.codec import format_message
from kolk.library.models import Loan
from kolk.library.services import loans
from kolk.library.services.kiosks import kiosk_create, pin_set
from kolk.library.services.members import subscription_start
from tests.factories import PersonFactory
from tests.kiosk.conftest import PIN
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.postgres
DATE = "20261205    101500"


def _kiosk_checkout(port: int, name: str, password: str, pass_number: str, barcode: str, out: list[bytes]) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(format_message("93", ["0", "0"], [("CN", name), ("CO", password)]))
        assert sock.recv(100).startswith(b"941")
        fields = [("AO", "DNK"), ("AA", pass_number), ("AB", barcode), ("AD", PIN)]
        sock.sendall(format_message("11", ["N", "N", DATE, " " * 18], fields))
        out.append(sock.recv(4096))


def _race(sip_server, library, monkeypatch, *, lock: bool) -> tuple[list[bytes], bool]:
    _second, password2 = kiosk_create(name="zuil-2", branch=library.branch, actor=None)
    other = PersonFactory(with_pass=True)
    subscription_start(person=other, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    pin_set(person=other, pin=PIN, actor=None)
    copy = library.copies[0]
    barrier = threading.Barrier(2)
    broken = threading.Event()

    def hold_both(_copy) -> None:
        try:
            barrier.wait(timeout=3)
        except threading.BrokenBarrierError:
            broken.set()

    monkeypatch.setattr(loans, "after_copy_read", hold_both)
    monkeypatch.setattr(loans, "LOCK_COPY", lock)
    port = sip_server.server_address[1]
    answers: list[bytes] = []
    kiosks = [
        threading.Thread(target=_kiosk_checkout, args=(port, "zuil-1", library.password, library.member.pass_number,
                                                       copy.barcode, answers)),
        threading.Thread(target=_kiosk_checkout, args=(port, "zuil-2", password2, other.pass_number, copy.barcode,
                                                       answers)),
    ]  # fmt: skip
    for t in kiosks:
        t.start()
    for t in kiosks:
        t.join(timeout=60)
    assert Loan.objects.filter(copy=copy, returned_at__isnull=True).count() == 1
    return sorted(a[:3] for a in answers), broken.is_set()


def test_with_the_lock_the_second_kiosk_waits_and_is_refused(sip_server, live_library, monkeypatch):
    answers, broken = _race(sip_server, live_library, monkeypatch, lock=True)
    assert answers == [b"120", b"121"]
    assert broken  # the second kiosk could not read the copy while the first held it


def test_without_the_lock_the_race_is_real_and_the_index_still_holds(sip_server, live_library, monkeypatch):
    answers, broken = _race(sip_server, live_library, monkeypatch, lock=False)
    assert not broken  # both read the copy as available at the same time
    assert answers == [b"120", b"121"]
