"""Mollie's recorded answers for invoices paid by iDEAL from the portal (no network)."""

from __future__ import annotations

from kolk.billing import mollie
from kolk.billing.mollie import mollie_amount
from tests.boxoffice.mollie_replay import MollieReplay

PAYMENT = "tr_7UhSN1zuXS"  # the id of the recorded payment


def replay(monkeypatch) -> MollieReplay:
    replayed = MollieReplay()
    monkeypatch.setattr(mollie, "http_session", replayed.session)
    return replayed


def answer_created(replayed: MollieReplay, cents: int, *, checkout: str | None = None) -> None:
    changes: dict = {"amount": mollie_amount(cents), "description": "DNK factuur", "metadata": {"invoice": 1}}
    replayed.answer("POST", "/v2/payments", "payment_created.json", status=201, **changes)
    if checkout is not None:
        body = replayed.routes[("POST", "/v2/payments")][1]
        body["_links"]["checkout"]["href"] = checkout


def answer_status(replayed: MollieReplay, recording: str, cents: int) -> None:
    replayed.answer("GET", f"/v2/payments/{PAYMENT}", recording, amount=mollie_amount(cents))
