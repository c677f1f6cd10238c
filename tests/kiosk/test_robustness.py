"""Malformed input never stops the server: bad checksums get a resend request, the rest a refusal.

Raw sockets against a live server: a bad checksum, truncated fields, an unknown
command, garbage bytes, a huge message, a client that never finishes its line,
and a resend request (97) that gets the last answer again.
"""

from __future__ import annotations

import socket
import time

import pytest

from kolk.kiosk.codec import MAX_LINE, checksum, format_message, parse
from kolk.kiosk.server import Limits
from kolk.library.models import Loan
from tests.kiosk.conftest import PIN, start_server

DATE = "20261205    101500"


class Raw:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buffer = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def line(self) -> bytes:
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\r")
        return line

    def ask(self, data: bytes) -> bytes:
        self.send(data)
        return self.line()

    def closed(self, within: float = 10.0) -> bool:
        self.sock.settimeout(within)
        try:
            return self.sock.recv(4096) == b""
        except (ConnectionResetError, TimeoutError):
            return True

    def close(self) -> None:
        self.sock.close()


def login(raw: Raw, library) -> None:
    answer = raw.ask(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", library.password)], sequence=0))
    assert answer.startswith(b"941"), answer


def still_serving(port: int, library) -> None:
    """A new kiosk still gets in and is answered."""
    raw = Raw(port)
    login(raw, library)
    assert raw.ask(format_message("99", ["0", "080", "2.00"])).startswith(b"98YYYY")
    raw.close()


def test_a_bad_checksum_gets_a_resend_request_and_the_resent_message_is_served(sip_server, live_library):
    raw = Raw(sip_server.server_address[1])
    login(raw, live_library)
    good = format_message("99", ["0", "080", "2.00"], sequence=1)
    broken = good[:-5] + (b"0000" if good[-5:-1] != b"0000" else b"0001") + b"\r"
    assert raw.ask(broken) == b"96AZFEF6"
    answer = raw.ask(good)
    assert answer.startswith(b"98Y")
    assert isinstance(parse(answer), object)
    assert b"AY1AZ" in answer  # the answer carries the request's sequence number and a checksum
    body, _, given = answer.rpartition(b"AZ")
    assert checksum(body + b"AZ") == given.decode()
    # The SC asks for the last answer again (97): it gets it.
    assert raw.ask(b"97AZFEF5\r") == answer
    raw.close()


def test_truncated_unknown_and_garbage_get_refusals_not_a_dropped_server(sip_server, live_library):
    port = sip_server.server_address[1]
    raw = Raw(port)
    login(raw, live_library)
    assert raw.ask(b"11YN2026\r").startswith(b"120NUN")  # truncated checkout: a checkout refused
    assert raw.ask(b"42hello\r") == b"96"  # an unknown command
    assert raw.ask(b"\xff\xfe\xfd garbage \x00\x01\r") == b"96"
    assert raw.ask(b"09N" + b"x" * 36 + b"AB1|\r").startswith(b"100")  # a bad date: a checkin refused
    missing = raw.ask(b"11NN" + DATE.encode() + b" " * 18 + b"AODNK|AB1|\r")  # no patron
    assert missing.startswith(b"120")
    assert b"AF" in missing
    raw.close()
    still_serving(port, live_library)


def test_before_signing_in_nothing_is_served(sip_server, live_library):
    raw = Raw(sip_server.server_address[1])
    checkout = format_message("11", ["N", "N", DATE, " " * 18], [("AO", "DNK"), ("AA", live_library.member.pass_number),
                              ("AB", live_library.copies[0].barcode), ("AD", PIN)])  # fmt: skip
    assert raw.ask(checkout).startswith(b"120")
    assert not Loan.objects.exists()
    assert raw.ask(format_message("99", ["0", "080", "2.00"])).startswith(b"98N")
    raw.close()


def test_three_wrong_logins_close_the_connection(sip_server, live_library):
    raw = Raw(sip_server.server_address[1])
    for _ in range(2):
        assert raw.ask(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", "fout")])) == b"940"
    raw.send(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", "fout")]))
    assert raw.closed()
    raw.close()
    still_serving(sip_server.server_address[1], live_library)


def test_a_huge_message_is_refused_and_its_connection_closed(sip_server, live_library):
    raw = Raw(sip_server.server_address[1])
    login(raw, live_library)
    raw.send(b"63" + b"A" * (MAX_LINE * 4))
    assert raw.line() == b"96"
    assert raw.closed()
    raw.close()
    still_serving(sip_server.server_address[1], live_library)


def test_a_client_that_never_finishes_its_line_is_closed_and_holds_up_nobody(live_library):
    server, thread = start_server(Limits(line_timeout=1.0, idle_timeout=30.0))
    try:
        port = server.server_address[1]
        slow = Raw(port)
        slow.send(b"9300CNzuil-1|CO")  # and never the rest
        started = time.monotonic()
        still_serving(port, live_library)  # meanwhile another kiosk is served
        assert slow.closed(within=5.0)
        assert time.monotonic() - started < 5.0
        slow.close()
    finally:
        server.stop()
        server.server_close()
        thread.join(timeout=10)


@pytest.mark.parametrize("line_end", [b"\r", b"\r\n", b"\n"])
def test_every_line_end(sip_server, live_library, line_end):
    raw = Raw(sip_server.server_address[1])
    message = format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", live_library.password)])
    assert raw.ask(message[:-1] + line_end) == b"941"
    raw.close()


def test_a_failed_login_signs_the_session_out(sip_server, live_library):
    raw = Raw(sip_server.server_address[1])
    login(raw, live_library)
    assert raw.ask(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", "fout")])) == b"940"
    assert raw.ask(format_message("99", ["0", "080", "2.00"])).startswith(b"98N")
    raw.close()
