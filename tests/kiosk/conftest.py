"""Kiosk fixtures: a branch with copies, a member with a pass and a PIN, a kiosk account, a live SIP2 server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from kolk.kiosk.server import Limits, SipServer
from kolk.library.services.kiosks import kiosk_create, pin_set
from kolk.library.services.members import subscription_start
from tests.factories import PersonFactory
from tests.library.factories import (
    BranchFactory,
    CopyFactory,
    LoanRuleFactory,
    SubscriptionTypeFactory,
    ensure_role_groups,
)

PIN = "4821"


@dataclass
class Library:
    branch: Any
    other_branch: Any
    member: Any
    kiosk: Any
    password: str
    copies: list[Any]


def make_library() -> Library:
    ensure_role_groups()
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    branch = BranchFactory(code="assen", name="DNK Assen")
    other = BranchFactory(code="beilen", name="Bibliotheek Beilen")
    member = PersonFactory(with_pass=True, given_name="Fenna", surname="Visser")
    subscription_start(person=member, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    pin_set(person=member, pin=PIN, actor=None)
    kiosk, password = kiosk_create(name="zuil-1", branch=branch, actor=None)
    copies = [CopyFactory(branch=branch) for _ in range(4)]
    return Library(branch, other, member, kiosk, password, copies)


@pytest.fixture
def library(db) -> Library:
    return make_library()


@pytest.fixture
def live_library(transactional_db) -> Library:
    return make_library()


def start_server(limits: Limits | None = None, tls: Any = None) -> tuple[SipServer, threading.Thread]:
    server = SipServer(("127.0.0.1", 0), tls=tls, limits=limits or Limits(line_timeout=2.0, idle_timeout=30.0))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def sip_server(live_library) -> Iterator[SipServer]:
    server, thread = start_server()
    yield server
    server.stop()
    server.server_close()
    thread.join(timeout=10)


def sip2_client(server: SipServer, tmp_path: Any) -> Any:
    """The SIP2 client from PyPI (package `sip2`, not kolk's), connected without TLS."""
    from Sip2.sip2 import Sip2

    client = Sip2()
    client.hostName = "127.0.0.1"
    client.hostPort = server.server_address[1]
    client.tlsEnable = False
    client.logfile_path = str(tmp_path)
    client.socketTimeout = 10
    client.institutionId = "DNK"
    client.scLocation = "assen"
    client.connect()
    return client
