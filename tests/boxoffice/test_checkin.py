"""Check-in: once per ticket, for its own show; two doors scanning at once let one person in."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from kolk.boxoffice.models import Ticket
from kolk.boxoffice.services.checkin import ticket_check_in
from kolk.boxoffice.services.selling import order_pay
from tests.boxoffice import factories as f


def _paid(show, quantity=1):
    return order_pay(order=f.checked_out(show, quantity=quantity), method="ideal", actor=None)


@pytest.mark.django_db
def test_a_ticket_is_scanned_once(staff, django_assert_max_num_queries):
    show = f.show()
    ticket = _paid(show).tickets.get()
    with django_assert_max_num_queries(5):
        first = ticket_check_in(code=ticket.code, show=show, actor=staff)
    assert first.ok
    second = ticket_check_in(code=ticket.code, show=show, actor=staff)
    assert second.result == "already"
    assert second.at == first.at
    ticket.refresh_from_db()
    assert ticket.checked_in_by == staff


@pytest.mark.django_db
def test_unknown_unpaid_and_other_show(staff):
    show = f.show()
    assert ticket_check_in(code="nope", show=show, actor=staff).result == "unknown"
    unpaid = f.checked_out(show).tickets.first()
    assert ticket_check_in(code=unpaid.code, show=show, actor=staff).result == "not_paid"
    paid = _paid(show).tickets.first()
    assert ticket_check_in(code=paid.code, show=f.show(), actor=staff).result == "other_show"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_doors_scanning_the_same_ticket_at_once_let_one_in(staff):
    show = f.show()
    code = _paid(show).tickets.get().code
    results: list[str] = []
    barrier = threading.Barrier(8)

    def scan():
        try:
            barrier.wait()
            results.append(ticket_check_in(code=code, show=show, actor=staff).result)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["already"] * 7 + ["ok"]
    assert Ticket.objects.get(code=code).checked_in_at is not None
