"""The catalogue: titles and copies, and the MARC21 import (idempotent on the control number).

ISBNs are checked with python-stdnum and stored as ISBN-13 without hyphens;
`search_text` (what full-text search matches) is written here and nowhere else.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler, feature_namespaces

from defusedxml import DefusedXmlException
from defusedxml.sax import make_parser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum import isbn as stdnum_isbn
from tqdm import tqdm

from kolk.core.actors import Actor
from kolk.core.errors import KolkError
from kolk.library.models import Branch, Copy, MediaType, Title
from kolk.privacy.audit import audit_log

BARCODE = re.compile(r"^[0-9A-Za-z]{4,20}$")


def isbn_clean(value: str) -> str:
    """A valid ISBN as ISBN-13 without hyphens, '' for empty; ValidationError otherwise."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return str(stdnum_isbn.to_isbn13(stdnum_isbn.validate(value)))
    except Exception as exc:
        raise ValidationError({"isbn": [_("'%(value)s' is geen geldig ISBN.") % {"value": value}]}) from exc


def search_text_for(title: Title) -> str:
    parts = [title.title, title.authors, title.subjects]
    if title.isbn:
        parts.append(title.isbn)
        if title.isbn.startswith("978"):
            parts.append(str(stdnum_isbn.to_isbn10(title.isbn)))
    return " ".join(p for p in parts if p)


def _title_values(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    if "isbn" in cleaned:
        cleaned["isbn"] = isbn_clean(cleaned["isbn"])
    if cleaned.get("media_type") not in MediaType.values:
        raise ValidationError({"media_type": [_("Onbekende soort materiaal.")]})
    for name in ("title", "authors", "subjects"):
        if name in cleaned:
            cleaned[name] = " ".join(str(cleaned[name]).split())
    if not cleaned.get("title"):
        raise ValidationError({"title": [_("Een titel is verplicht.")]})
    return cleaned


@transaction.atomic
def title_create(
    *,
    title: str,
    actor: Actor,
    media_type: str = MediaType.BOOK,
    authors: str = "",
    isbn: str = "",
    subjects: str = "",
    year: int | None = None,
    control_number: str | None = None,
    audit: bool = True,
) -> Title:
    values = _title_values(
        {"title": title, "media_type": media_type, "authors": authors, "isbn": isbn, "subjects": subjects}
    )
    obj = Title(**values, year=year, control_number=control_number or None)
    obj.search_text = search_text_for(obj)
    obj.full_clean()
    obj.save()
    if audit:
        audit_log(actor=actor, action="title.created", details={"title": obj.pk})
    return obj


@transaction.atomic
def title_update(*, title: Title, changes: dict[str, Any], actor: Actor, audit: bool = True) -> Title:
    allowed = {"title", "media_type", "authors", "isbn", "subjects", "year"}
    if set(changes) - allowed:
        raise ValueError(f"fields that cannot be changed here: {sorted(set(changes) - allowed)}")
    values = _title_values({"media_type": title.media_type, "title": title.title, **changes})
    for name, value in values.items():
        setattr(title, name, value)
    title.search_text = search_text_for(title)
    title.full_clean()
    title.save()
    if audit:
        audit_log(actor=actor, action="title.updated", details={"title": title.pk, "fields": sorted(changes)})
    return title


@transaction.atomic
def copy_add(*, title: Title, barcode: str, branch: Branch, actor: Actor, audit: bool = True) -> Copy:
    barcode = barcode.strip()
    if not BARCODE.match(barcode):
        raise ValidationError({"barcode": [_("Een barcode is 4 tot 20 letters of cijfers.")]})
    if Copy.objects.filter(barcode=barcode).exists():
        raise ValidationError({"barcode": [_("Barcode %(code)s bestaat al.") % {"code": barcode}]})
    copy = Copy.objects.create(title=title, barcode=barcode, branch=branch)
    if audit:
        audit_log(actor=actor, action="copy.added", details={"copy": copy.pk, "title": title.pk})
    return copy


# MARC21


def _sub(record: Any, tag: str, code: str) -> list[str]:
    return [v for f in record.get_fields(tag) for v in f.get_subfields(code)]


def _strip(value: str) -> str:
    return value.strip().rstrip(" /:;,.=").strip()


def _media_type(record: Any) -> str:
    leader = str(record.leader)
    kind, level = leader[6:7], leader[7:8]
    extent = " ".join(_sub(record, "300", "a")).lower()
    if kind in ("a", "t"):
        return MediaType.MAGAZINE if level == "s" else MediaType.BOOK
    if kind == "j":
        return MediaType.CD
    if kind == "i":
        return MediaType.AUDIOBOOK
    if kind == "g":
        return MediaType.DVD if "dvd" in extent else MediaType.FILM
    return MediaType.BOOK


def marc_values(record: Any) -> dict[str, Any]:
    """What kolk keeps of a MARC21 record."""
    title = " ".join(_strip(v) for v in (*_sub(record, "245", "a"), *_sub(record, "245", "b")) if _strip(v))
    authors = [_strip(v) for tag in ("100", "110", "700", "710") for v in _sub(record, tag, "a")]
    subjects = [_strip(v) for tag in ("650", "651", "655") for v in _sub(record, tag, "a")]
    years = [
        m.group(0) for v in (*_sub(record, "260", "c"), *_sub(record, "264", "c")) if (m := re.search(r"\d{4}", v))
    ]
    isbns = [v.split()[0] for v in _sub(record, "020", "a") if v.strip()]
    return {
        "title": title,
        "authors": "; ".join(dict.fromkeys(a for a in authors if a)),
        "subjects": "; ".join(dict.fromkeys(s for s in subjects if s)),
        "year": int(years[0]) if years else None,
        "isbn": isbns[0] if isbns else "",
        "media_type": _media_type(record),
        "barcodes": [b.strip() for b in _sub(record, "949", "a") if b.strip()],
    }


# MARC-XML: read by defusedxml's SAX parser, which refuses any DTD (and so every
# entity and external reference), wherever it stands and in any encoding.

XML_CHUNK = 1 << 16


def _is_marcxml(stream: BinaryIO) -> bool:
    """MARC-XML opens with '<' (after a byte order mark and white space); ISO 2709 with its record length."""
    start = stream.tell()
    head = stream.read(64)
    stream.seek(start)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (b"<\x00", b"\x00<"):
        return True
    return head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n").startswith(b"<")


def _xml_parser(handler: ContentHandler) -> Any:
    parser = make_parser()
    parser.forbid_dtd = True  # entities and external references are forbidden by default
    parser.setFeature(feature_namespaces, True)
    parser.setContentHandler(handler)
    return parser


def _feed(stream: BinaryIO, parser: Any) -> Iterator[None]:
    """Feed the parser the file chunk by chunk; a DTD or broken XML is a KolkError."""
    try:
        for chunk in iter(lambda: stream.read(XML_CHUNK), b""):
            parser.feed(chunk)
            yield
        parser.close()
    except DefusedXmlException as exc:
        raise KolkError(_("Dit MARC-XML-bestand bevat een DTD; dat wordt om veiligheidsredenen geweigerd.")) from exc
    except SAXParseException as exc:
        raise KolkError(_("Dit is geen leesbaar MARC-XML-bestand: %(error)s.") % {"error": exc}) from exc
    yield


def _marcxml_records(stream: BinaryIO) -> Iterator[Any]:
    """The records of a MARC-XML file, as they are read.

    The file is read once through first, keeping nothing: a DTD or broken XML
    anywhere refuses the whole file before one record is imported.
    """
    from pymarc.marcxml import XmlHandler

    start = stream.tell()
    for _chunk in _feed(stream, _xml_parser(ContentHandler())):
        pass
    stream.seek(start)
    handler = XmlHandler()  # type: ignore[no-untyped-call]
    for _chunk in _feed(stream, _xml_parser(handler)):
        yield from handler.records
        handler.records.clear()


@dataclass
class MarcResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    copies: int = 0
    errors: list[str] = field(default_factory=list)


def marc_import(*, stream: BinaryIO, actor: Actor, branch_code: str = "", progress: bool = False) -> MarcResult:
    """Import MARC21 records, from ISO 2709 or MARC-XML (a seekable stream); the same 001 updates, never doubles.

    Each record is its own transaction, so a bad record is reported and skipped
    and a run killed halfway is finished by running it again. A MARC-XML file
    with a DTD, or that is not well-formed, is refused whole (KolkError).
    """
    from pymarc import MARCReader

    branch = Branch.objects.filter(code=branch_code).first() if branch_code else None
    result = MarcResult()
    if _is_marcxml(stream):
        source: Iterable[Any] = _marcxml_records(stream)
    else:
        source = MARCReader(stream, to_unicode=True, force_utf8=True, utf8_handling="replace")
    records: Iterable[Any] = tqdm(source, unit=" records", disable=not progress)
    for number, record in enumerate(records, start=1):
        if record is None:
            result.skipped += 1
            result.errors.append(str(_("Record %(n)d: onleesbaar, overgeslagen.") % {"n": number}))
            continue
        control = (record["001"].data.strip() if record["001"] else "")[:40]
        if not control:
            result.skipped += 1
            result.errors.append(str(_("Record %(n)d: zonder recordnummer (001), overgeslagen.") % {"n": number}))
            continue
        values = marc_values(record)
        barcodes = values.pop("barcodes")
        try:
            isbn_clean(values["isbn"])
        except ValidationError:
            result.errors.append(
                str(
                    _("Record %(n)d (%(control)s): ongeldig ISBN %(isbn)s, weggelaten.")
                    % {"n": number, "control": control, "isbn": values["isbn"]}
                )
            )
            values["isbn"] = ""
        try:
            with transaction.atomic():
                existing = Title.objects.filter(control_number=control).first()
                if existing is None:
                    title = title_create(**values, control_number=control, actor=actor, audit=False)
                    result.created += 1
                else:
                    title = title_update(title=existing, changes=values, actor=actor, audit=False)
                    result.updated += 1
                if branch is not None:
                    known = set(Copy.objects.filter(barcode__in=barcodes).values_list("barcode", flat=True))
                    for barcode in barcodes:
                        if barcode not in known:
                            copy_add(title=title, barcode=barcode, branch=branch, actor=actor, audit=False)
                            result.copies += 1
        except ValidationError as exc:
            result.skipped += 1
            result.errors.append(
                str(
                    _("Record %(n)d (%(control)s): %(why)s")
                    % {"n": number, "control": control, "why": "; ".join(exc.messages)}
                )
            )
    audit_log(
        actor=actor,
        action="catalogue.marc_imported",
        details={
            "created": result.created,
            "updated": result.updated,
            "skipped": result.skipped,
            "copies": result.copies,
        },
    )
    return result


# At the desk: a title with its copies in one go, a copy's status.


@transaction.atomic
def title_with_copies_create(
    *, values: dict[str, Any], barcodes: list[str], branch: Branch, actor: Actor
) -> tuple[Title, list[Copy]]:
    """Catalogue a title and its copies together: all or nothing (a bad barcode adds no title)."""
    title = title_create(**values, actor=actor)
    seen: set[str] = set()
    copies = []
    for barcode in barcodes:
        if barcode in seen:
            raise ValidationError({"barcodes": [_("Barcode %(code)s staat er twee keer.") % {"code": barcode}]})
        seen.add(barcode)
        try:
            copies.append(copy_add(title=title, barcode=barcode, branch=branch, actor=actor))
        except ValidationError as exc:
            raise ValidationError({"barcodes": exc.messages}) from exc
    return title, copies


# What the desk may set by hand; on loan, on hold and in transit follow from lending.
STATUS_BY_HAND = (Copy.Status.AVAILABLE, Copy.Status.DAMAGED, Copy.Status.LOST, Copy.Status.WITHDRAWN)


@transaction.atomic
def copy_status_set(*, copy: Copy, status: str, actor: Actor) -> Copy:
    """Mark a copy damaged, lost or withdrawn (afgeschreven), or back on the shelf; not while it is lent, held
    or in transit."""
    copy = Copy.objects.select_for_update().get(pk=copy.pk)
    if status not in STATUS_BY_HAND:
        raise ValidationError({"status": [_("Kies aanwezig, beschadigd, vermist of afgeschreven.")]})
    if copy.status in (Copy.Status.ON_LOAN, Copy.Status.ON_HOLD, Copy.Status.IN_TRANSIT):
        raise KolkError(
            _("Dit exemplaar is uitgeleend, ligt klaar of is onderweg: neem het eerst in of annuleer de reservering."),
            code="in_use",
        )
    before = copy.status
    copy.status = status
    copy.save(update_fields=["status"])
    audit_log(actor=actor, action="copy.status_set", details={"copy": copy.pk, "from": before, "to": status})
    return copy
