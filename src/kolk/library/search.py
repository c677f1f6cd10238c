"""Catalogue search by title, author, ISBN and subject, one selector over two engines.

PostgreSQL: the generated tsvector column `search` ('dutch') with its GIN index.
SQLite: the FTS5 table `library_title_fts`. Both are kept by the database
(migration 0002). Every word must match, each as a prefix, so the desk can type
"terl ontd" for "Terlouw, Oorlogswinter ... ontdekking".

An exact title comes first (people type the title they know), then the engine's rank.
`catalogue_matches` is the whole, unsliced result, for a count and pages.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Case, FloatField, IntegerField, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from stdnum import isbn as stdnum_isbn

from kolk.library.models import Title

MAX_TERMS = 8


def _terms(query: str) -> list[str]:
    return re.findall(r"\w+", query.lower())[:MAX_TERMS]


def catalogue_search(query: str, *, limit: int = 50) -> QuerySet[Title]:
    """Titles matching every word of `query`, best first; an ISBN finds its title exactly."""
    return catalogue_matches(query)[:limit]


def _exact_first(query: str) -> Case:
    return Case(When(title__iexact=query, then=Value(0)), default=Value(1), output_field=IntegerField())


def catalogue_matches(query: str) -> QuerySet[Title]:
    """Every title matching every word of `query`: an exact title first, then by rank and title."""
    query = " ".join(query.split())[:200]
    compact = re.sub(r"[\s-]", "", query)
    if compact and stdnum_isbn.is_valid(compact):
        return Title.objects.filter(isbn=stdnum_isbn.to_isbn13(compact)).order_by("title", "pk")
    terms = _terms(query)
    if not terms:
        return Title.objects.none()
    if connection.vendor == "postgresql":
        tsquery = " & ".join(f"{t}:*" for t in terms)
        match = RawSQL("library_title.search @@ to_tsquery('dutch'::regconfig, %s)", [tsquery], BooleanField())
        rank = RawSQL("ts_rank(library_title.search, to_tsquery('dutch'::regconfig, %s))", [tsquery], FloatField())
        found = Title.objects.filter(match).annotate(rank=rank, exact=_exact_first(query))
        return found.order_by("exact", "-rank", "title", "pk")
    fts = " AND ".join(f'"{t}"*' for t in terms)
    match = RawSQL(
        "library_title.id IN (SELECT rowid FROM library_title_fts WHERE library_title_fts MATCH %s)",
        [fts],
        BooleanField(),
    )
    return Title.objects.filter(match).annotate(exact=_exact_first(query)).order_by("exact", "title", "pk")
