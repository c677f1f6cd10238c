"""Each kiosk holds one database connection while connected, and gives it back when it goes (PostgreSQL)."""

from __future__ import annotations

import socket
import time

import pytest
from django.db import connection

from kolk.kiosk.codec import format_message

pytestmark = pytest.mark.postgres


def _backends() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return int(cursor.fetchone()[0])


def _settle(expected, within: float = 10.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        count = _backends()
        if expected(count):
            return count
        time.sleep(0.1)
    return _backends()


def test_a_connection_per_kiosk_closed_when_it_goes(sip_server, live_library):
    before = _backends()
    socks = []
    for _ in range(5):
        sock = socket.create_connection(("127.0.0.1", sip_server.server_address[1]), timeout=10)
        sock.sendall(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", live_library.password)]))
        assert sock.recv(100).startswith(b"941")
        socks.append(sock)
    assert _settle(lambda n: n >= before + 5) == before + 5
    for sock in socks:
        sock.close()
    assert _settle(lambda n: n <= before) == before
