"""Two deliveries of Mollie's webhook at the same moment, on PostgreSQL with real threads and
connections: both have asked Mollie (paid) before either books, and one payment is booked."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kolk.billing.models import Invoice, OnlinePayment, Payment
from kolk.billing.services import invoice_pay_online, online_payment_update
from kolk.billing.services import online as online_services
from kolk.privacy.models import AuditEntry
from tests.billing.factories import make_invoice
from tests.billing.mollie import PAYMENT, answer_created, answer_status, replay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DELIVERIES = 2


def _deliver_together(monkeypatch) -> list[str | Exception]:
    """Each delivery waits, after Mollie's answer, until all have it: they enter the booking together."""
    barrier = threading.Barrier(DELIVERIES)
    asked = online_services.mollie_client

    def client_then_wait():
        client = asked()
        get = client.payments.get

        def get_and_wait(payment_id, **kwargs):
            remote = get(payment_id, **kwargs)
            barrier.wait(timeout=30)
            return remote

        client.payments.get = get_and_wait
        return client

    monkeypatch.setattr(online_services, "mollie_client", client_then_wait)

    def deliver(_: int) -> str | Exception:
        try:
            return online_payment_update(payment_id=PAYMENT)
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=DELIVERIES) as pool:
        return list(pool.map(deliver, range(DELIVERIES)))


@pytest.fixture
def started(monkeypatch):
    mollie = replay(monkeypatch)
    invoice = make_invoice(cents=4950)
    answer_created(mollie, 4950)
    invoice_pay_online(invoice=invoice, return_url="http://x/", webhook_url="http://x/", actor=None)
    answer_status(mollie, "payment_paid.json", 4950)
    return invoice


def test_without_the_row_lock_both_deliveries_go_on_to_book(monkeypatch, started):
    """The race is real: without the online payment's row lock both deliveries go on to book it;
    the invoice's lock then makes the second take the payment for one owed back, wrongly."""
    manager = OnlinePayment.objects

    class Unlocked:
        def __getattr__(self, name):
            return getattr(manager, name)

        def select_for_update(self):
            return manager.all()

    monkeypatch.setattr(online_services.OnlinePayment, "objects", Unlocked())
    results = _deliver_together(monkeypatch)
    assert sorted(map(str, results)) == ["paid", "refund_due"], results
    assert Payment.objects.count() == 1


def test_two_deliveries_at_once_book_one_payment(monkeypatch, started):
    results = _deliver_together(monkeypatch)
    assert results == ["paid", "paid"]
    assert Payment.objects.filter(reference=PAYMENT).count() == 1
    assert Invoice.objects.get(pk=started.pk).status == Invoice.Status.PAID
    assert AuditEntry.objects.filter(action="payment.recorded").count() == 1
