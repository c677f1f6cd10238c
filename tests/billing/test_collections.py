"""SEPA direct-debit collections: each open invoice with a mandate is collected once."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sepaxml
import xmlschema
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kolk.billing.models import Collection, CollectionItem, Invoice, Mandate
from kolk.billing.sepa import NS, SCHEMA, collection_xml
from kolk.billing.services import (
    bank_account_set,
    collection_create,
    invoice_cancel,
    mandate_revoke,
    payment_record,
)
from kolk.billing.services import collections as collection_services
from kolk.billing.services.collections import collectable_invoices
from kolk.core.clock import today
from kolk.core.errors import KolkError
from kolk.privacy.models import AuditEntry
from tests.billing.factories import IBANS, make_invoice, make_mandate
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
XSD = Path(sepaxml.__file__).parent / "schemas" / f"{SCHEMA}.xsd"
DAY = today() + dt.timedelta(days=3)


@pytest.fixture
def book():
    """Who owes what: only Anna's two invoices and Erik's open remainder can be collected."""
    anna = PersonFactory(given_name="Anna", surname="Bakker")
    make_mandate(anna, iban=IBANS[0])
    bert = PersonFactory(given_name="Bert", surname="Mulder")
    mandate_revoke(mandate=make_mandate(bert, iban=IBANS[1]), actor=None)
    carla = PersonFactory(given_name="Carla", surname="Smit")
    bank_account_set(person=carla, iban=IBANS[2], holder_name="C. Smit", actor=None)
    erik = PersonFactory(given_name="Erik", surname="Dijkstra")
    make_mandate(erik, iban=IBANS[3])
    a1, a2 = make_invoice(anna, cents=4450, vat=9), make_invoice(anna, cents=350, vat=0)
    make_invoice(bert)
    make_invoice(carla)
    e_open, e_paid, e_cancelled = make_invoice(erik, cents=3000), make_invoice(erik), make_invoice(erik)
    payment_record(invoice=e_open, amount_cents=1000, method="cash", reference="KAS-1", actor=None)
    payment_record(invoice=e_paid, amount_cents=2500, method="cash", reference="KAS-2", actor=None)
    invoice_cancel(invoice=e_cancelled, actor=None)
    return {"anna": anna, "erik": erik, "expected": {a1.number: 4450, a2.number: 350, e_open.number: 2000}}


def items_of(collection: Collection) -> dict[str, int]:
    return dict(collection.items.values_list("invoice__number", "amount_cents"))


def test_collectable_invoices_are_exactly_those_with_an_active_mandate(book):
    assert set(collectable_invoices().values_list("number", flat=True)) == set(book["expected"])


def test_collects_open_invoices_with_an_active_mandate_once(book):
    collection = collection_create(collection_date=DAY, actor=None)
    assert collection is not None
    assert items_of(collection) == book["expected"]
    assert set(collection.items.values_list("sequence", flat=True)) == {"FRST"}
    assert set(Mandate.objects.filter(revoked_at__isnull=True).values_list("sequence", flat=True)) == {"RCUR"}
    assert AuditEntry.objects.filter(action="collection.created").count() == 1
    assert collection_create(collection_date=DAY, actor=None) is None  # nothing twice
    later = make_invoice(book["anna"], cents=1200)
    second = collection_create(collection_date=DAY, actor=None)
    assert second is not None
    assert items_of(second) == {later.number: 1200}
    assert list(second.items.values_list("sequence", flat=True)) == ["RCUR"]


def test_collected_invoice_cannot_be_cancelled(book):
    collection = collection_create(collection_date=DAY, actor=None)
    assert collection is not None
    invoice = collection.items.first().invoice
    with pytest.raises(KolkError, match="ter incasso"):
        invoice_cancel(invoice=invoice, actor=None)


def test_collection_date_must_be_in_the_future(book):
    with pytest.raises(ValidationError, match="na vandaag"):
        collection_create(collection_date=today(), actor=None)
    assert not Collection.objects.exists()


def test_a_run_killed_halfway_leaves_nothing_and_the_next_run_finishes(book, monkeypatch):
    monkeypatch.setattr(collection_services, "BATCH", 1)
    seen = []

    def killed(n: int) -> None:
        seen.append(n)
        if len(seen) == 2:
            raise KeyboardInterrupt  # the operator pressed ^C after the second invoice

    with pytest.raises(KeyboardInterrupt):
        collection_create(collection_date=DAY, actor=None, progress=killed)
    assert not Collection.objects.exists()
    assert not CollectionItem.objects.exists()
    assert set(Mandate.objects.values_list("sequence", flat=True)) == {"FRST"}
    collection = collection_create(collection_date=DAY, actor=None)
    assert collection is not None
    assert items_of(collection) == book["expected"]


def test_pain008_is_valid_and_names_each_invoice(book):
    collection = collection_create(collection_date=DAY, actor=None)
    assert collection is not None
    data = collection_xml(collection)
    xmlschema.XMLSchema(str(XSD)).validate(data.decode())
    root = ET.fromstring(data)  # noqa: S314 - our own output
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == collection.message_id
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "68.00"
    ids = {e.text for e in root.iterfind(".//p:EndToEndId", NS)}
    assert ids == set(book["expected"])
    assert {e.text for e in root.iterfind(".//p:CdtrSchmeId//p:Othr/p:Id", NS)} == {"NL95ZZZ012345670000"}
    assert {e.text for e in root.iterfind(".//p:DbtrAcct/p:Id/p:IBAN", NS)} == {IBANS[0], IBANS[3]}
    assert collection_xml(collection) == data  # the same file again, same message id


def normalised(data: bytes) -> str:
    """The file with the values that change per run (ids, dates, times) replaced by names."""
    root = ET.fromstring(data)  # noqa: S314 - our own output
    dynamic = {"MsgId", "CreDtTm", "PmtInfId", "ReqdColltnDt", "DtOfSgntr", "MndtId", "EndToEndId", "Ustrd"}
    for node in root.iter():
        tag = node.tag.split("}")[1]
        if tag in dynamic:
            node.text = tag.upper()
    return ET.canonicalize(ET.tostring(root, encoding="unicode"), strip_text=True)


def test_pain008_matches_the_checked_fixture(book):
    collection = collection_create(collection_date=DAY, actor=None)
    assert collection is not None
    expected = (DATA / "pain008_expected.xml").read_bytes()
    assert normalised(collection_xml(collection)) == normalised(expected)


def test_command_writes_the_file_once(book, tmp_path):
    out = tmp_path / "incasso.xml"
    call_command("billing", "collect", "--date", DAY.isoformat(), "--out", str(out))
    first = out.read_bytes()
    xmlschema.XMLSchema(str(XSD)).validate(first.decode())
    assert Collection.objects.get().exported_at is not None
    again = tmp_path / "again.xml"
    call_command("billing", "collect", "--date", DAY.isoformat(), "--out", str(again))
    assert not again.exists()
    assert Invoice.objects.filter(collection_item__isnull=False).count() == 3


def test_command_finishes_a_collection_whose_file_was_not_written(book, tmp_path, monkeypatch, capsys):
    from kolk.billing.management.commands import billing as command

    out = tmp_path / "incasso.xml"

    def crash(path: Path, data: bytes) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(command, "write_atomically", crash)
    with pytest.raises(KeyboardInterrupt):
        call_command("billing", "collect", "--date", DAY.isoformat(), "--out", str(out))
    collection = Collection.objects.get()
    assert collection.exported_at is None
    assert not out.exists()
    monkeypatch.undo()
    call_command("billing", "collect", "--date", DAY.isoformat(), "--out", str(out))
    assert "eerdere run" in capsys.readouterr().out
    collection.refresh_from_db()
    assert collection.exported_at is not None
    assert Collection.objects.count() == 1
    written = ET.fromstring(out.read_bytes())  # noqa: S314 - our own output
    assert written.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:MsgId", namespaces=NS) == collection.message_id


def test_the_collection_date_is_read_as_people_write_it():
    from argparse import ArgumentTypeError

    from kolk.billing.management.commands.billing import collection_date

    assert collection_date("11-12-2026") == collection_date("2026-12-11") == dt.date(2026, 12, 11)
    with pytest.raises(ArgumentTypeError, match="schrijf DD-MM-JJJJ"):
        collection_date("31-02-2026")
