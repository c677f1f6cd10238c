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
from difflib import SequenceMatcher
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from stdnum import isbn as stdnum_isbn

from kolk.library.models import OUT_OF_CIRCULATION, Copy, Title
from kolk.library.models.catalogue import MediaType

# A copy in one of these counts for a branch's facet: it belongs to the branch's collection.
IN_CIRCULATION = [s for s in Copy.Status if s not in OUT_OF_CIRCULATION]

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


SIMILAR = 0.5  # how alike a misspelt word must be to a word of the catalogue (0..1)
CANDIDATES = 500  # at most this many titles are compared in Python on SQLite


def catalogue_similar(query: str) -> QuerySet[Title]:
    """Titles whose words are close to the query's (a typo, a missing letter), most alike first.

    PostgreSQL: pg_trgm's word similarity over search_text, with its trigram index.
    SQLite: the titles sharing the first three letters of a word, compared with difflib.
    """
    terms = _terms(" ".join(query.split())[:200])
    if not terms:
        return Title.objects.none()
    phrase = " ".join(terms)
    if connection.vendor == "postgresql":
        close = RawSQL("%s <%% library_title.search_text", [phrase], BooleanField())
        alike = RawSQL("word_similarity(%s, library_title.search_text)", [phrase], FloatField())
        return Title.objects.filter(close).annotate(alike=alike).order_by("-alike", "title", "pk")
    starts = " OR ".join(f'"{t[:3]}"*' for t in terms if len(t) >= 3)
    if not starts:
        return Title.objects.none()
    match = RawSQL(
        "library_title.id IN (SELECT rowid FROM library_title_fts WHERE library_title_fts MATCH %s)",
        [starts],
        BooleanField(),
    )
    scored = []
    for pk, text in Title.objects.filter(match).values_list("pk", "search_text")[:CANDIDATES]:
        words = re.findall(r"\w+", text.lower())
        score = sum(max((SequenceMatcher(None, t, w).ratio() for w in words), default=0.0) for t in terms) / len(terms)
        if score >= SIMILAR + 0.2:  # difflib's ratio is kinder than trigrams: ask more of it
            scored.append((score, pk))
    order = [pk for _, pk in sorted(scored, key=lambda s: (-s[0], s[1]))]
    if not order:
        return Title.objects.none()
    rank = Case(*[When(pk=pk, then=Value(n)) for n, pk in enumerate(order)], output_field=IntegerField())
    return Title.objects.filter(pk__in=order).annotate(alike=rank).order_by("alike")


def catalogue_narrow(
    found: QuerySet[Title], *, media_type: str = "", branch_id: int | None = None, available: bool = False
) -> QuerySet[Title]:
    """The matches narrowed by the facets: a media type, a branch that has a copy, a copy on the shelf now."""
    if media_type:
        found = found.filter(media_type=media_type)
    if branch_id is not None or available:
        copies = Copy.objects.filter(title=OuterRef("pk")).exclude(status__in=OUT_OF_CIRCULATION)
        if branch_id is not None:
            copies = copies.filter(branch_id=branch_id)
        if available:
            copies = copies.filter(status=Copy.Status.AVAILABLE)
        found = found.filter(Exists(copies))
    return found


def catalogue_facets(found: QuerySet[Title]) -> dict[str, list[tuple[Any, str, int]]]:
    """How many of the matches per media type and per branch (with a copy there): two grouped queries."""
    # Grouped on the matches' own query: the engines' match refers to library_title by name.
    kinds = dict(MediaType.choices)
    per_kind = found.order_by().values("media_type").annotate(n=Count("pk")).order_by("media_type")
    per_branch = (
        found.order_by()
        .filter(copies__status__in=IN_CIRCULATION)
        .values("copies__branch_id", "copies__branch__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("copies__branch__name")
    )
    return {
        "media_type": [
            (row["media_type"], str(kinds.get(row["media_type"], row["media_type"])), row["n"]) for row in per_kind
        ],
        "branch": [(row["copies__branch_id"], row["copies__branch__name"], row["n"]) for row in per_branch],
    }
