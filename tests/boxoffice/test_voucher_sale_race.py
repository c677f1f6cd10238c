"""Two web processes handle Mollie's webhook for one paid voucher sale at the same moment: one voucher.

Both read the sale as pending and ask Mollie at the same time (a barrier holds them
there); then the sale's row lock lets one issue the voucher and the other find it paid.
PostgreSQL only (SQLite serialises writers anyway): DATABASE_URL=postgres://...
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from kolk.boxoffice.models import GiftVoucher, VoucherSale
from kolk.boxoffice.services import payments
from kolk.boxoffice.services.voucher_sales import voucher_sale_create, voucher_sale_webhook
from tests.boxoffice.mollie_replay import MollieReplay

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL"),
]
AMOUNT = {"value": "25.00", "currency": "EUR"}
PAYMENT = "tr_7UhSN1zuXS"


class TogetherReplay(MollieReplay):
    """Mollie's answer reaches both callers only once both have asked: they read the sale before either writes."""

    def __init__(self, callers: int) -> None:
        super().__init__()
        self.barrier = threading.Barrier(callers, timeout=10)

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def]
        if request.method == "GET":
            self.barrier.wait()
        return super().send(request, **kwargs)


def test_two_webhooks_at_once_issue_one_voucher(monkeypatch):
    replay = TogetherReplay(callers=2)
    monkeypatch.setattr(payments, "http_session", replay.session)
    replay.answer("GET", f"/v2/payments/{PAYMENT}", "payment_paid.json", amount=AMOUNT)
    sale = voucher_sale_create(value_cents=2500, buyer_name="Gea Gast", buyer_email="gea@example.nl", actor=None)
    VoucherSale.objects.filter(pk=sale.pk).update(provider_ref=PAYMENT)
    results: list[str] = []
    errors: list[BaseException] = []

    def webhook() -> None:
        try:
            results.append(voucher_sale_webhook(payment_id=PAYMENT))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=webhook) for _i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(results) == ["paid", "paid"]
    assert GiftVoucher.objects.count() == 1
    assert VoucherSale.objects.get(pk=sale.pk).voucher_id == GiftVoucher.objects.get().pk
