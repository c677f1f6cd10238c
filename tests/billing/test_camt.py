"""Bank statement import (CAMT.053): matched, idempotent, unmatched reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kolk.billing.camt import parse
from kolk.billing.models import Invoice, Payment
from kolk.billing.services import camt_import, collection_create, invoice_cancel
from kolk.core.clock import today
from kolk.core.errors import KolkError
from kolk.privacy.models import AuditEntry
from tests.billing.factories import make_invoice, make_mandate
from tests.factories import PersonFactory
from tests.xml_attacks import ATTACK_IDS, ATTACKS, hostile

pytestmark = pytest.mark.django_db

FIXTURE = Path(__file__).parent / "data" / "camt053_statement.xml"


def statement() -> bytes:
    """The fixture, with its invoice numbers in this year (it was written in 2026)."""
    return (
        FIXTURE.read_bytes()
        .replace(b">2026-0000", f">{today().year}-0000".encode())
        .replace(b"factuur 2026-0000", f"factuur {today().year}-0000".encode())
    )


@pytest.fixture
def invoices():
    """Anna's two invoices go by direct debit (the batch), Carla pays hers by transfer."""
    anna, carla = PersonFactory(given_name="Anna"), PersonFactory(given_name="Carla")
    make_mandate(anna)
    a1, a2 = make_invoice(anna, cents=4450, vat=9), make_invoice(anna, cents=350, vat=0)
    c1 = make_invoice(carla, cents=2500)
    collection_create(collection_date=today() + dt.timedelta(days=3), actor=None)
    return a1, a2, c1


def test_parse_reads_every_transaction():
    txs = parse(statement())
    assert len(txs) == 8
    assert [t.amount_cents for t in txs] == [4450, 350, 2500, 5000, 1200, 450, 2500, 350]
    assert [t.credit for t in txs].count(False) == 2
    assert [t.booked for t in txs].count(False) == 1
    assert len({t.reference for t in txs}) == 8


def test_import_matches_and_settles(invoices):
    a1, a2, c1 = invoices
    result = camt_import(data=statement(), actor=None)
    assert (result.transactions, result.recorded, result.already, result.skipped) == (8, 3, 0, 2)
    assert sorted(result.settled) == sorted([a1.number, a2.number, c1.number])
    assert set(Invoice.objects.values_list("status", flat=True)) == {"paid"}
    methods = dict(Payment.objects.values_list("invoice__number", "method"))
    assert methods == {a1.number: "sepa", a2.number: "sepa", c1.number: "bank_transfer"}
    assert Payment.objects.get(invoice=a1).received_on == dt.date(2026, 12, 1)
    assert [(r.remittance, r.amount_cents, r.reason) for r in result.returned] == [
        (a2.number, 350, "teruggeboekte incasso")
    ]
    reasons = {u.remittance: u.reason for u in result.unmatched}
    assert reasons == {
        "Gift voor de leesclub": "geen factuur gevonden",
        "Factuur 2026-999999": "geen factuur gevonden",
    }


def test_reimport_changes_nothing(invoices):
    camt_import(data=statement(), actor=None)
    before = list(Payment.objects.order_by("pk").values())
    states = list(Invoice.objects.order_by("pk").values("status", "settled_at"))
    again = camt_import(data=statement(), actor=None)
    assert (again.recorded, again.already) == (0, 3)
    assert list(Payment.objects.order_by("pk").values()) == before
    assert list(Invoice.objects.order_by("pk").values("status", "settled_at")) == states


def test_payment_on_a_cancelled_invoice_is_reported(invoices):
    _a1, _a2, c1 = invoices
    invoice_cancel(invoice=c1, actor=None)
    result = camt_import(data=statement(), actor=None)
    assert result.recorded == 2
    assert any("geannuleerd" in u.reason for u in result.unmatched)
    assert not Payment.objects.filter(invoice=c1).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not xml", "geen leesbaar XML"),
        (b"<Document><x/></Document>", "geen CAMT.053"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><Document>&a;</Document>',
            "DTD",
        ),
    ],
)
def test_bad_files_are_refused_and_write_nothing(invoices, data, message):
    with pytest.raises(KolkError, match=message):
        camt_import(data=data, actor=None)
    assert not Payment.objects.exists()


@pytest.mark.parametrize(("kind", "encoding", "pad"), ATTACKS, ids=ATTACK_IDS)
def test_a_dtd_is_refused_wherever_it_hides(invoices, tmp_path, kind, encoding, pad):
    """A byte search for "<!DOCTYPE" in the first 4 KB missed these; the parser itself refuses them now."""
    text = statement().decode()
    path = tmp_path / "afschrift.xml"
    path.write_bytes(hostile(text, root="Document", kind=kind, encoding=encoding, pad=pad, replace="Gift voor"))
    with pytest.raises(CommandError, match="bevat een DTD; dat wordt om veiligheidsredenen geweigerd"):
        call_command("billing", "camt", str(path))
    with pytest.raises(KolkError, match="DTD"):
        parse(path.read_bytes())
    assert not Payment.objects.exists()
    assert not AuditEntry.objects.filter(action="camt.imported").exists()


def test_a_statement_in_utf16_without_a_dtd_is_read():
    text = statement().decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert [t.amount_cents for t in parse(text.encode("utf-16"))] == [t.amount_cents for t in parse(statement())]


def test_bad_amount_writes_nothing(invoices):
    broken = statement().replace(b'<Amt Ccy="EUR">12.00</Amt>', b'<Amt Ccy="EUR">12.001</Amt>')
    with pytest.raises(KolkError, match="ongeldig bedrag"):
        camt_import(data=broken, actor=None)
    assert not Payment.objects.exists()  # the good transactions before it are not half imported


def test_command_reports_unmatched(invoices, tmp_path, capsys):
    path = tmp_path / "afschrift.xml"
    path.write_bytes(statement())
    call_command("billing", "camt", str(path))
    out = capsys.readouterr().out
    assert "3 betalingen geboekt" in out
    assert "Niet verwerkt (2)" in out
    assert "Gift voor de leesclub" in out
    assert "Teruggeboekte incasso's, handmatig afhandelen (1)" in out
    call_command("billing", "camt", str(path))
    assert "0 betalingen geboekt, 3 waren al geboekt" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Kan"):
        call_command("billing", "camt", str(tmp_path / "missing.xml"))


def test_newer_camt_version_with_entry_status_code(invoices):
    newer = (
        statement()
        .replace(b"camt.053.001.02", b"camt.053.001.08")
        .replace(b"<Sts>BOOK</Sts>", b"<Sts><Cd>BOOK</Cd></Sts>")
    )
    assert camt_import(data=newer, actor=None).recorded == 3


def test_person_without_invoices_is_untouched():
    PersonFactory()
    result = camt_import(data=statement(), actor=None)
    assert result.recorded == 0
    assert len(result.unmatched) == 5
    assert result.returned == []  # a debit that names no collected invoice is just skipped
    assert result.skipped == 3


def test_two_payments_in_one_file_settle_once_and_overpayment_is_recorded(invoices):
    _a1, _a2, c1 = invoices
    data = statement().replace(b"<AcctSvcrRef>20261201INGB0000003</AcctSvcrRef>", b"<AcctSvcrRef>GIFT</AcctSvcrRef>")
    data = data.replace(b"Gift voor de leesclub", f"nogmaals factuur {c1.number}".encode())
    result = camt_import(data=data, actor=None)
    assert result.recorded == 4
    assert result.settled.count(c1.number) == 1
    assert sum(Payment.objects.filter(invoice=c1).values_list("amount_cents", flat=True)) == 7500


def test_reimport_takes_a_few_queries(invoices, django_assert_max_num_queries):
    camt_import(data=statement(), actor=None)
    with django_assert_max_num_queries(6):  # invoices, payments, audit, savepoints
        assert camt_import(data=statement(), actor=None).already == 3
