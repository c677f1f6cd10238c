"""The access package (D01, D02, art. 15 and 20): everything kolk holds about a person.

It is assembled from the field map, so it is complete by construction: every
model with a PrivacyMap and a subject path is one source, read with one query.
Per category it explains the data held, why (purposes), on which basis, how
long and until which date, where it came from, and to which partners it went.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import operator
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import Func
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.money import euros
from kolk.privacy.audit import audit_log
from kolk.privacy.disclosure import recipients_of
from kolk.privacy.fieldmap import personal_models
from kolk.privacy.gate import lookup_category
from kolk.privacy.ledger import choices_of
from kolk.privacy.models import Disclosure
from kolk.privacy.register import Register, Row, get_register
from kolk.privacy.registry import event_sources
from kolk.privacy.statement import channel_label, retention_text


def _plain(value: Any) -> Any:
    """A JSON-ready value."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return value


def _event_dates(subject_pk: int) -> dict[str, dt.date]:
    """This person's date for each registered start event."""
    dates = {}
    for event, source in event_sources().items():
        key = (connection.alias, connection.vendor, "event", event)
        statement = _statements.get(key)
        if statement is None:
            statement = _statements[key] = Statement(source().filter(subject_id=_SUBJECT).values_list("event_date")[:1])
        found = statement.rows(subject_pk)
        row = found[0][0] if found else None
        if row is not None:
            dates[event] = row if isinstance(row, dt.date) and not isinstance(row, dt.datetime) else row.date()
    return dates


def _retention_for(register: Register, category: str, lang: str, dates: dict[str, dt.date]) -> list[dict[str, Any]]:
    rules = []
    for section in register.sections.values():
        if section.retention and any(category in row.categories for row in section.rows):
            rule = register.retention[section.retention]
            start = dates.get(rule.event)
            rules.append(
                {
                    "section": section.title.get(lang),
                    "rule": rule.key,
                    "text": retention_text(register, rule, lang),
                    "until": rule.duration.after(start).isoformat() if start else None,
                    "running": start is None,
                }
            )
    return rules


def access_package(*, subject: models.Model, actor: Actor, lang: str = "nl") -> dict[str, Any]:
    """The person's data, per category, with purpose, basis, retention and recipients.

    Each category holds its data as tables, one per source: the field names once and a
    row per record (the record's id first). A member with thousands of loans has tens
    of thousands of values; as rows they stay readable and a fraction of the size.
    """
    register = get_register()
    lang = "en" if lang == "en" else "nl"
    held: dict[str, list[dict[str, Any]]] = defaultdict(list)
    sources = []
    for model, pmap in personal_models():
        if pmap.subject is None:
            continue
        source = _source(model, pmap)
        if source is None:
            continue
        table = source.statement.rows(subject.pk)
        sources.append({"source": source.label, "rows": len(table)})
        if not table:
            continue
        for held_as, indexes in source.by_category.items():
            records = _records(table, indexes, source.plain)
            if records:
                held[held_as].append(
                    {
                        "source": source.label,
                        "title": _in(lang, source.title),
                        "fields": ["record", *(source.names[i - 1] for i in indexes)],
                        "headings": [_in(lang, source.headings[i - 1]) for i in indexes],
                        "hidden": [position for position, i in enumerate(indexes, start=1) if i in source.hidden],
                        "rows": records,
                    }
                )
    dates = _event_dates(subject.pk)
    disclosures = recipients_of(subject, with_demands=True)
    with translation.override(lang):
        categories = []
        for key, items in held.items():
            category = register.categories[key]
            lines = [line for line in register.rows.values() if key in line.categories]
            categories.append(
                {
                    "category": key,
                    "label": category.label.get(lang),
                    "in_statement": category.stated,
                    "data": items,
                    "purposes": sorted({register.purposes[p].label.get(lang) for line in lines for p in line.purposes}),
                    "bases": sorted({register.legal_bases[line.basis].label.get(lang) for line in lines}),
                    "statement_rows": [line.id for line in lines],
                    "sources": sorted(_sources(register, lines, lang)),
                    "retention": _retention_for(register, key, lang, dates),
                    "recipients": [
                        {
                            "recipient": d.recipient,
                            "name": register.recipients[d.recipient].name
                            if d.recipient in register.recipients
                            else d.recipient,
                            "purpose": register.purposes[d.purpose].label.get(lang),
                            "when": d.disclosed_at.isoformat(),
                        }
                        for d in disclosures
                        if _category_disclosed(d, key)
                    ],
                }
            )
    state = choices_of(subject)  # type: ignore[arg-type]
    package = {
        "controller": register.controller,
        "statement_version": register.version.isoformat(),
        "generated_at": now().isoformat(),
        "language": lang,
        "subject": {"id": subject.pk},
        "categories": sorted(categories, key=lambda c: list(register.categories).index(str(c["category"]))),
        "choices": {
            "consents": state["consents"],
            "objections": [{"purpose": p, "channel": c, "objects": v} for (p, c), v in state["objections"].items()],
            "restricted": state["restricted"],
        },
        "disclosures": [
            {
                "recipient": d.recipient,
                "name": _recipient_name(register, d),
                "purpose": d.purpose,
                "fields": d.fields,
                "data": sorted({c["label"] for c in categories if c["category"] in _categories_of(d)}),
                "when": d.disclosed_at.isoformat(),
            }
            for d in disclosures
        ],
        "event_dates": {k: v.isoformat() for k, v in dates.items()},
        "sources": sources,
        "as_of": today().isoformat(),
    }
    audit_log(actor=actor, action="access.package", subject=subject, details={"sources": len(sources)})
    return package


def _recipient_name(register: Register, disclosure: Disclosure) -> str:
    """The partner's name, or for a legal demand the authority that made it."""
    if disclosure.recipient in register.recipients:
        return register.recipients[disclosure.recipient].name
    if disclosure.legal_demand is not None:
        return disclosure.legal_demand.authority
    return disclosure.recipient


def _categories_of(disclosure: Disclosure) -> set[str]:
    if disclosure.aggregate is not None or not disclosure.model:
        return set()
    model = apps.get_model(disclosure.model)
    return {lookup_category(model, lookup) for lookup in disclosure.fields}


def values_of(category: Mapping[str, Any]) -> Iterator[tuple[str, Any, str, Any]]:
    """A category's data value by value, as (source, record, field, value): for reading a package."""
    for table in category["data"]:
        fields = table["fields"][1:]
        for record, *values in table["rows"]:
            for field, value in zip(fields, values, strict=True):
                if value is not None and value != "":
                    yield table["source"], record, field, value


def _sources(register: Register, lines: list[Row], lang: str) -> set[str]:
    """Where the data of these rows came from, as the statement says (else: from you)."""
    found = set()
    for line in lines:
        source = register.sections[line.section].source
        found.add(source.get(lang) if source else _("Van jou zelf"))
    return found


def _columns(model: type[models.Model], personal: Mapping[str, str]) -> dict[str, str | Func]:
    """Personal field name -> what to select: its column, or for dates the ISO text of it.

    Concrete, non-m2m fields only. Dates and timestamps come as ISO 8601 text from the
    database: turning thousands of them into Python objects only to turn them back
    into text was most of the package's time.
    """
    columns: dict[str, str | Func] = {}
    for name in personal:
        field = model._meta.get_field(name)
        if isinstance(field, models.Field) and field.concrete and not field.many_to_many:
            if isinstance(field, models.DateTimeField):
                columns[name] = IsoTimestamp(field.attname)
            elif isinstance(field, models.DateField):
                columns[name] = IsoDate(field.attname)
            else:
                columns[name] = field.attname
    return columns


_SUBJECT = -736_429_181  # stands in for the subject's id while a statement is compiled


class Statement:
    """A query compiled once per process, run again for each subject.

    Compiling a query costs Django more than running it: the package reads some forty
    sources, so each is turned into SQL once and kept, with the subject's id as the
    parameter that changes. Values come back through the fields' own converters (the
    IBAN is decrypted as the ORM would).
    """

    def __init__(self, queryset: models.QuerySet[Any]) -> None:
        compiler = queryset.query.get_compiler(queryset.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        places = [i for i, value in enumerate(self.params) if value == _SUBJECT]
        if len(places) != 1:
            raise ValueError(f"the subject's id must be one parameter of {self.sql}")
        self.place = places[0]
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(fields)

    def rows(self, subject_pk: Any) -> list[Any]:
        params = self.params.copy()
        params[self.place] = subject_pk
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: list[Any] = cursor.fetchall()
        if self.converters:  # as SQLCompiler.apply_converters, with this thread's connection, not the compiling one's
            rows = [list(row) for row in rows]
            for row in rows:
                for position, (converters, expression) in self.converters.items():
                    value = row[position]
                    for convert in converters:
                        value = convert(value, expression, connection)
                    row[position] = value
        return rows


_statements: dict[tuple[Any, ...], Statement] = {}


@dataclass(frozen=True)
class _Source:
    """One model's part of the package: its statement and how its columns map to categories."""

    label: str
    title: Any  # the records' name, lazily translated ("uitleningen")
    names: list[str]
    headings: list[Any]  # the fields' own names, lazily translated ("uitgeleend op"), for the readable package
    by_category: dict[str, list[int]]  # category -> positions in a row (0 is the record's id)
    plain: frozenset[int]
    statement: Statement
    # ids of related rows and hashes: in the portable package, not the readable one
    hidden: frozenset[int] = frozenset()


_parts: dict[tuple[Any, ...], _Source | None] = {}


def _source(model: type[models.Model], pmap: Any) -> _Source | None:
    """The model's part of the package, worked out once per process (None: no personal columns)."""
    key = (connection.alias, connection.vendor, model)
    if key not in _parts:
        _parts[key] = _new_source(model, pmap)
    return _parts[key]


def _new_source(model: type[models.Model], pmap: Any) -> _Source | None:
    columns = _columns(model, pmap.personal)
    categories = dict(pmap.personal)
    for lookup, category in pmap.shows.items():  # joined into the same query: still one per source
        columns[lookup] = lookup
        categories[lookup] = category
    if not columns:
        return None
    query = model._default_manager.filter(**{pmap.subject_lookup("pk"): _SUBJECT}).order_by("pk")
    if _fans_out(model, pmap.subject):  # only then can a record come twice
        query = query.distinct()
    by_category: dict[str, list[int]] = defaultdict(list)
    for index, name in enumerate(columns, start=1):
        by_category[categories[name]].append(index)
    return _Source(
        label=model._meta.label,
        title=model._meta.verbose_name_plural,
        names=list(columns),
        headings=[_heading(model, name) for name in columns],
        by_category=dict(by_category),
        plain=frozenset(i for i, name in enumerate(columns, start=1) if _needs_plain(_field(model, name))),
        statement=Statement(query.values_list("pk", *columns.values())),
        hidden=frozenset(i for i, name in enumerate(columns, start=1) if _unreadable(_field(model, name))),
    )


def _unreadable(field: Any) -> bool:
    """A value that means nothing to a person: the id of a related row, a hash, a token."""
    return bool(field.is_relation) or field.name.endswith(("_hash", "_token", "_digest"))


def _in(lang: str, text: Any) -> str:
    with translation.override(lang):
        return str(text)


def _field(model: type[models.Model], lookup: str) -> Any:
    """The field a lookup ends on ("copy__title__title": the title's title)."""
    *path, last = lookup.split("__")
    for part in path:
        model = model._meta.get_field(part).related_model  # type: ignore[assignment]
    return model._meta.get_field(last)


def _heading(model: type[models.Model], lookup: str) -> Any:
    """A field's name as people read it: its verbose name (lazy: read in the package's language)."""
    return getattr(_field(model, lookup), "verbose_name", lookup)


def _records(table: list[Any], indexes: list[int], plain: frozenset[int]) -> list[tuple[Any, ...]]:
    """The rows of one category's columns (record id first), leaving out rows with none of them set.

    Tuples, not lists: a tuple of plain values drops out of the garbage collector's
    sight, so a long history does not set off full collections while it is read.
    """
    pick = operator.itemgetter(0, *indexes)  # two or more items: always a tuple
    records = [pick(row) for row in table if any(row[i] is not None and row[i] != "" for i in indexes)]
    convert = [position for position, index in enumerate(indexes, start=1) if index in plain]
    if convert:
        records = [
            tuple(_plain(v) if p in convert and v is not None else v for p, v in enumerate(record))
            for record in records
        ]
    return records


def _needs_plain(field: Any) -> bool:
    """Whether a field's values need turning into JSON (decimals, UUIDs, bytes, times); dates come as text."""
    return isinstance(
        field, models.DecimalField | models.UUIDField | models.BinaryField | models.TimeField | models.DurationField
    )


def _fans_out(model: type[models.Model], path: str) -> bool:
    """Whether the way from a record to its subject crosses a to-many relation (so rows repeat)."""
    if path == "self":
        return False
    for part in path.split("__"):
        field = model._meta.get_field(part)
        if field.many_to_many or field.one_to_many:
            return True
        if field.related_model is None:
            return False
        model = field.related_model
    return False


class IsoDate(Func):
    """A date as ISO 8601 text (YYYY-MM-DD), written by the database."""

    template = "CAST(%(expressions)s AS TEXT)"  # SQLite keeps dates as ISO text (the cast skips its date parser)
    output_field = models.TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(compiler, connection, template="to_char(%(expressions)s, 'YYYY-MM-DD')", **extra_context)


class IsoTimestamp(Func):
    """A timestamp as ISO 8601 text in UTC, written by the database as Python's isoformat() would."""

    template = "replace(%(expressions)s, ' ', 'T') || '+00:00'"  # SQLite: 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC
    output_field = models.TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = (
            "to_char(%(expressions)s AT TIME ZONE 'UTC', "
            "CASE WHEN mod(extract(microseconds FROM %(expressions)s)::int, 1000000) = 0 "
            'THEN \'YYYY-MM-DD"T"HH24:MI:SS"+00:00"\' ELSE \'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"\' END)'
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _category_disclosed(disclosure: Disclosure, category: str) -> bool:
    """Whether a disclosure carried a field of this category (from its recorded fields)."""
    if disclosure.aggregate is not None or not disclosure.model:
        return False
    model = apps.get_model(disclosure.model)
    return any(lookup_category(model, lookup) == category for lookup in disclosure.fields)


LATEST = 5  # entries per kind of data in the readable package; the portable one holds them all


def readable(package: Mapping[str, Any]) -> dict[str, Any]:
    """The package as a person reads it (the page and the PDF).

    Per purpose: what we hold for it, why, on which basis, until when and who else
    received it, and when. Per kind of data: how many entries and the latest few, with
    the fields' own names. Ids, hashes and empty values stay out; everything is in the
    portable (JSON) package.
    """
    register = get_register()
    lang = str(package["language"])
    held = {str(c["category"]): c for c in package["categories"]}
    order = list(register.categories)
    purposes = []
    with translation.override(lang):
        for key, purpose in register.purposes.items():
            lines = [r for r in register.rows.values() if key in r.purposes and held.keys() & set(r.categories)]
            if not lines:
                continue
            kinds = sorted({c for r in lines for c in r.categories if c in held}, key=order.index)
            titles = {register.sections[r.section].title.get(lang) for r in lines}
            purposes.append(
                {
                    "key": key,
                    "label": purpose.label.get(lang),
                    "what": sorted({r.data.get(lang) for r in lines}),
                    "held": [held[c]["label"] for c in kinds],
                    "bases": [
                        {"label": register.legal_bases[b].label.get(lang), "objection": b == "legitimate_interest"}
                        for b in sorted({r.basis for r in lines}, key=list(register.legal_bases).index)
                    ],
                    "objection": "legitimate_interest" in {r.basis for r in lines},
                    "retention": _unique(
                        {"text": r["text"], "until": _when(r["until"])}
                        for c in kinds
                        for r in held[c]["retention"]
                        if r["section"] in titles
                    ),
                    "recipients": [
                        {"name": _released_to(register, d), "when": _when(d["when"])}
                        for d in package["disclosures"]
                        if d["purpose"] == key or key in _served(register, str(d["purpose"]))
                    ],
                }
            )
        kinds_held = []
        for c in package["categories"]:
            tables = [t for t in (_latest(table) for table in c["data"]) if t["count"]]
            if tables:
                kinds_held.append({"label": c["label"], "count": sum(t["count"] for t in tables), "tables": tables})
        released = [
            {
                "name": _released_to(register, d),
                "purpose": register.purposes[d["purpose"]].label.get(lang)
                if d["purpose"] in register.purposes
                else d["purpose"],
                "data": d.get("data", []),
                "when": _when(d["when"]),
            }
            for d in reversed(package["disclosures"])
        ]
    return {"purposes": purposes, "held": kinds_held, "released": released}


def _released_to(register: Register, disclosure: Mapping[str, Any]) -> str:
    if disclosure["recipient"] in register.recipients:
        return register.recipients[disclosure["recipient"]].name
    return str(disclosure.get("name") or disclosure["recipient"])


def _served(register: Register, purpose: str) -> set[str]:
    """The purposes of the statement rows a partner's purpose serves (its export serves those rows)."""
    if purpose not in register.purposes:
        return set()
    return {
        p
        for row_id in register.purposes[purpose].serves
        if row_id in register.rows
        for p in register.rows[row_id].purposes
    }


def _latest(table: Mapping[str, Any]) -> dict[str, Any]:
    """One table as read: its entries that say something (not only nought), the latest few first."""
    hidden = set(table.get("hidden", ()))
    fields = _fields_of(table)
    keep = [p for p in range(1, len(table["fields"])) if p not in hidden and not _internal(fields.get(p))]
    money = {p for p in keep if str(table["fields"][p]).endswith("_cents")}
    meaningful = [row for row in table["rows"] if any(row[p] not in (None, "", 0, False) for p in keep)]
    shown = {p: _shower(fields.get(p), str(table["fields"][p]), p in money) for p in keep}
    return {
        "title": str(_SUBJECT_TITLE)
        if table["source"] == settings.PRIVACY_SUBJECT_MODEL
        else table.get("title") or table["source"],
        "count": len(meaningful),
        "more": len(meaningful) > LATEST,
        "headings": [_heading_shown(str(table["headings"][p - 1]), p in money) for p in keep],
        "rows": [[shown[p](row[p]) for p in keep] for row in reversed(meaningful[-LATEST:])],
    }


_SUBJECT_TITLE = gettext_lazy("Je gegevens als lid")
# "(centen, incl. btw)", "(cent)": a heading that names the unit the readable package turns into euros
_CENTS = re.compile(r"\s*\((?:centen|cent|cents)\)|(?<=\()(?:centen|cent|cents),\s*")


def _fields_of(table: Mapping[str, Any]) -> dict[int, Any]:
    """The model field behind each column of a package table (by its source and lookup)."""
    try:
        model = apps.get_model(str(table["source"]))
    except (LookupError, ValueError):
        return {}
    found = {}
    for position, lookup in enumerate(table["fields"][1:], start=1):
        try:
            found[position] = _field(model, str(lookup))
        except (LookupError, AttributeError, FieldDoesNotExist):
            continue
    return found


def _heading_shown(heading: str, money: bool) -> str:
    """A column's heading in the reader's words: never 'cents' above euros.

    Every personal field has a Dutch name of its own (tests/privacy/test_field_names.py).
    """
    return _CENTS.sub("", heading) if money else heading


def _internal(field: Any) -> bool:
    """A column a person reads nothing in: the HTML twin of a message's text, a text version's key."""
    name = getattr(field, "name", "")
    return name in ("html_body", "body_html", "text_version")


def _shower(field: Any, lookup: str, money: bool) -> Any:
    """How one column's values are shown: a choice by its label, a file by its size, a purpose by its name."""
    if isinstance(field, models.BinaryField):
        return _file_size
    if getattr(field, "name", "") == "password":
        return lambda value: _("versleuteld opgeslagen") if value else ""
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else None
    if choices:
        return lambda value: str(choices.get(value, value)) if value not in (None, "") else ""
    if getattr(field, "model", None) is not None and field.model._meta.app_label == "privacy":
        if field.name == "purpose":
            purposes = get_register().purposes
            return lambda value: purposes[value].label.get() if value in purposes else _shown(value)
        if field.name == "channel":
            return lambda value: channel_label(value) if value in ("post", "email", "phone") else _shown(value)
    return lambda value: _shown(value, money)


def _file_size(value: Any) -> str:
    """A file held as bytes (base64 in the package): its size, not its contents."""
    if not value:
        return ""
    size = len(value) * 3 // 4 if isinstance(value, str) else len(value)
    kilobytes = max(1, round(size / 1024))
    return ngettext("een bestand van %(n)s kB", "een bestand van %(n)s kB", kilobytes) % {"n": kilobytes}


def _unique(items: Iterator[dict[str, Any]]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        if item not in found:
            found.append(item)
    return found


def _when(value: Any) -> str:
    """An ISO date or timestamp as '11 december 2026' (UX.md: dates in sentences)."""
    if not value:
        return ""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return date_format(moment, "j F Y")


def _shown(value: Any, money: bool = False) -> str:
    """A value as a person reads it: dates in words, amounts in euros, yes/no, nothing for empty."""
    if value is None or value == "":
        return ""
    if money and isinstance(value, int):
        return euros(value)
    if isinstance(value, bool):
        return _("ja") if value else _("nee")
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        return _when(value)
    return str(value)
