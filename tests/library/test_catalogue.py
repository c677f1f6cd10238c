"""Catalogue: ISBN checks, MARC21 import (idempotent, with copies), search on both engines."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from pymarc import Field, Leader, MARCWriter, Record, Subfield, XMLWriter

from kolk.core.errors import KolkError
from kolk.library.models import Copy, Title
from kolk.library.search import catalogue_search
from kolk.library.services.catalogue import copy_add, isbn_clean, marc_import, title_create, title_update
from kolk.privacy.models import AuditEntry
from tests.library.factories import BranchFactory
from tests.xml_attacks import ATTACK_IDS, ATTACKS, hostile

pytestmark = pytest.mark.django_db


def marc_record(
    control: str,
    title: str,
    author: str,
    isbn: str,
    subjects: list[str],
    kind: str = "a",
    barcodes: tuple[str, ...] = (),
) -> Record:
    record = Record(leader=Leader(f"00000n{kind}m a2200000 a 4500"))
    record.add_field(Field(tag="001", data=control))
    record.add_field(Field(tag="020", indicators=[" ", " "], subfields=[Subfield("a", isbn)]))
    record.add_field(Field(tag="100", indicators=["1", " "], subfields=[Subfield("a", author)]))
    record.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", title + " /")]))
    record.add_field(Field(tag="264", indicators=[" ", "1"], subfields=[Subfield("c", "[2019]")]))
    for subject in subjects:
        record.add_field(Field(tag="650", indicators=[" ", "7"], subfields=[Subfield("a", subject)]))
    for barcode in barcodes:
        record.add_field(Field(tag="949", indicators=[" ", " "], subfields=[Subfield("a", barcode)]))
    return record


def marc_file(records: list[Record]) -> bytes:
    buffer = io.BytesIO()
    writer = MARCWriter(buffer)
    for record in records:
        writer.write(record)
    return buffer.getvalue()


def marcxml_file(records: list[Record]) -> bytes:
    buffer = io.BytesIO()
    writer = XMLWriter(buffer)
    for record in records:
        writer.write(record)
    writer.close(close_fh=False)
    return buffer.getvalue()


FIXTURE = [
    marc_record(
        "PPN001",
        "Oorlogswinter",
        "Terlouw, Jan",
        "9789025871123 (pbk.)",
        ["Tweede Wereldoorlog", "Verzet"],
        barcodes=("3000000001", "3000000002"),
    ),
    marc_record("PPN002", "De avonden", "Reve, Gerard", "90-234-5678-0", ["Naoorlogse literatuur"]),
    marc_record("PPN003", "Mahler symfonie 5", "Mahler, Gustav", "", ["Klassieke muziek"], kind="j"),
    marc_record("", "Zonder nummer", "Niemand", "", []),
]


def test_isbn_is_validated_and_stored_as_isbn13():
    assert isbn_clean("90-5831-002-7") == "9789058310026"
    assert isbn_clean("978-90-5831-002-6") == "9789058310026"
    assert isbn_clean("") == ""
    with pytest.raises(ValidationError):
        isbn_clean("978-90-5831-002-5")
    with pytest.raises(ValidationError):
        title_create(title="X", isbn="12345", actor=None)


def test_marc_import_is_idempotent_and_adds_copies(tmp_path):
    BranchFactory(code="assen")
    data = marc_file(FIXTURE)
    first = marc_import(stream=io.BytesIO(data), actor=None, branch_code="assen")
    assert (first.created, first.updated, first.skipped, first.copies) == (3, 0, 1, 2)
    assert any("PPN002" in e and "ISBN" in e for e in first.errors)  # the made-up ISBN is left out
    path = tmp_path / "catalogus.mrc"
    path.write_bytes(data)
    call_command("library", "import-marc", str(path), "--branch", "assen")
    assert Title.objects.count() == 3
    assert Copy.objects.count() == 2
    winter = Title.objects.get(control_number="PPN001")
    assert (winter.title, winter.authors, winter.year, winter.media_type) == (
        "Oorlogswinter",
        "Terlouw, Jan",
        2019,
        "book",
    )
    assert winter.isbn == "9789025871123"
    assert Title.objects.get(control_number="PPN003").media_type == "cd"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_marcxml_is_imported_like_iso2709(tmp_path, encoding):
    BranchFactory(code="assen")
    text = marcxml_file(FIXTURE).decode().replace('encoding="UTF-8"', f'encoding="{encoding.upper()}"')
    path = tmp_path / "catalogus.xml"
    path.write_bytes(text.encode(encoding))
    with path.open("rb") as handle:
        first = marc_import(stream=handle, actor=None, branch_code="assen")
    assert (first.created, first.updated, first.skipped, first.copies) == (3, 0, 1, 2)
    call_command("library", "import-marc", str(path), "--branch", "assen")
    assert Title.objects.count() == 3
    assert Copy.objects.count() == 2
    winter = Title.objects.get(control_number="PPN001")
    assert (winter.title, winter.authors, winter.year, winter.isbn) == (
        "Oorlogswinter",
        "Terlouw, Jan",
        2019,
        "9789025871123",
    )


@pytest.mark.parametrize(("kind", "encoding", "pad"), ATTACKS, ids=ATTACK_IDS)
def test_a_dtd_in_marcxml_is_refused_and_nothing_imported(tmp_path, kind, encoding, pad):
    BranchFactory(code="assen")
    text = marcxml_file(FIXTURE).decode()
    path = tmp_path / "catalogus.xml"
    path.write_bytes(hostile(text, root="collection", kind=kind, encoding=encoding, pad=pad, replace="Oorlogswinter"))
    with pytest.raises(CommandError, match="bevat een DTD; dat wordt om veiligheidsredenen geweigerd"):
        call_command("library", "import-marc", str(path), "--branch", "assen")
    assert not Title.objects.exists()
    assert not Copy.objects.exists()
    assert not AuditEntry.objects.filter(action="catalogue.marc_imported").exists()


def test_broken_marcxml_is_refused_before_any_record_is_imported():
    text = marcxml_file(FIXTURE).decode()
    broken = text[: text.rindex("<record>")] + "<record><leader>kapot"  # the last record cut off
    with pytest.raises(KolkError, match="geen leesbaar MARC-XML-bestand"):
        marc_import(stream=io.BytesIO(broken.encode()), actor=None)
    assert not Title.objects.exists()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("oorlogswinter", ["Oorlogswinter"]),
        ("terlouw", ["Oorlogswinter"]),
        ("terl oorlog", ["Oorlogswinter"]),
        ("verzet", ["Oorlogswinter"]),
        ("reve avonden", ["De avonden"]),
        ("90-5831-002-7", ["Het ISBN-boek"]),
        ("9789058310026", ["Het ISBN-boek"]),
        ("terlouw reve", []),
        ("", []),
        ('"; DROP TABLE', []),
    ],
)
def test_search_by_title_author_subject_and_isbn(query, expected):
    title_create(title="Oorlogswinter", authors="Jan Terlouw", subjects="Verzet; Tweede Wereldoorlog", actor=None)
    title_create(title="De avonden", authors="Gerard Reve", actor=None)
    title_create(title="Het ISBN-boek", isbn="90-5831-002-7", actor=None)
    assert [t.title for t in catalogue_search(query)] == expected


def test_search_follows_updates():
    title = title_create(title="Kees de jongen", authors="Theo Thijssen", actor=None)
    title_update(title=title, changes={"authors": "Th. Thijssen en anderen"}, actor=None)
    assert list(catalogue_search("anderen")) == [title]
    assert list(catalogue_search("theo")) == []


def test_copy_barcodes_are_unique():
    title = title_create(title="Boek", actor=None)
    branch = BranchFactory()
    copy_add(title=title, barcode="3123456789", branch=branch, actor=None)
    with pytest.raises(ValidationError):
        copy_add(title=title, barcode="3123456789", branch=branch, actor=None)
    with pytest.raises(ValidationError):
        copy_add(title=title, barcode="12 34", branch=branch, actor=None)


def test_an_exact_title_comes_first_and_nothing_stops_at_fifty():
    from kolk.library.search import catalogue_matches
    from tests.library.factories import TitleFactory

    for n in range(55):
        TitleFactory(title=f"Aan het einde van de oorlog, deel {n}", authors="Lev Tolstoj")  # sorts before "Oorlog"
    TitleFactory(title="Oorlog", authors="Anna Zee")
    found = catalogue_matches("oorlog")
    assert found.count() == 56
    assert found[0].title == "Oorlog"
    assert len(catalogue_search("oorlog", limit=10)) == 10
