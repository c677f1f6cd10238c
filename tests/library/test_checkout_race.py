"""Two desks check out the same copy at the same moment: exactly one loan.

Real parallel HTTP requests against a live server on PostgreSQL. Both desks are
held right after reading the copy. Without the copy's row lock, both read
"available" and both try to lend it: the database's unique index is all that
stops the second loan (an IntegrityError). With the lock, the second desk
cannot even read the copy until the first has committed, and is refused.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.core.signals import got_request_exception
from django.db import IntegrityError
from django.test import Client

from kolk.core.roles import Role
from kolk.library.models import Copy, Loan
from kolk.library.services import loans
from kolk.library.services.members import subscription_start
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, SubscriptionTypeFactory, ensure_role_groups

CSRF = "k" * 32


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _checkout(url: str, session: str, barcode: str, person_id: int, results: list[int]) -> None:
    request = urllib.request.Request(  # noqa: S310 - the live test server
        f"{url}/api/v1/library/loans/checkout",
        data=json.dumps({"copy_barcode": barcode, "person_id": person_id}).encode(),
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            results.append(response.status)
    except urllib.error.HTTPError as exc:
        results.append(exc.code)


def _race(live_server, monkeypatch, *, lock: bool, barrier_timeout: float) -> tuple[list[int], list[type], bool]:
    ensure_role_groups()
    LoanRuleFactory()
    kind = SubscriptionTypeFactory()
    members = [PersonFactory(), PersonFactory()]
    for person in members:
        subscription_start(person=person, type=kind, actor=None, id_seen=True)
    copy = CopyFactory()
    desks = [UserFactory(roles=[Role.DESK]), UserFactory(roles=[Role.DESK])]
    sessions = [_session_cookie(d) for d in desks]

    barrier = threading.Barrier(2)
    broken = threading.Event()

    def hold_both_desks(_copy: Copy) -> None:
        try:
            barrier.wait(timeout=barrier_timeout)
        except threading.BrokenBarrierError:
            broken.set()

    errors: list[type] = []

    def record(sender, request, **kwargs):  # the exception a desk's request died of
        import sys

        errors.append(sys.exc_info()[0])

    monkeypatch.setattr(loans, "LOCK_COPY", lock)
    monkeypatch.setattr(loans, "after_copy_read", hold_both_desks)
    got_request_exception.connect(record)
    try:
        results: list[int] = []
        threads = [
            threading.Thread(
                target=_checkout, args=(live_server.url, sessions[i], copy.barcode, members[i].pk, results)
            )
            for i in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        got_request_exception.disconnect(record)
    return sorted(results), errors, broken.is_set()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_the_lock_both_desks_lend_the_copy(live_server, monkeypatch):
    results, errors, broken = _race(live_server, monkeypatch, lock=False, barrier_timeout=30)
    assert not broken  # both desks read the copy as available at the same time
    assert results == [201, 500]
    assert IntegrityError in errors  # only the unique index stopped the second loan
    assert Loan.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_the_lock_exactly_one_loan_and_the_other_desk_is_told_why(live_server, monkeypatch):
    results, errors, broken = _race(live_server, monkeypatch, lock=True, barrier_timeout=3)
    assert broken, (results, errors)  # the second desk never read the copy while the first held it
    assert results == [201, 409]
    assert errors == []
    assert Loan.objects.count() == 1
    assert Copy.objects.get().status == "on_loan"
