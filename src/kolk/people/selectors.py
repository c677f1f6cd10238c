"""Reads on people that pages and the API share."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kolk.core.validators import normalize_postcode
from kolk.people.models import FamilyRelation, Person

SEARCH_LIMIT = 50


def person_search(query: str, limit: int = SEARCH_LIMIT) -> QuerySet[Person]:
    """Find people by pass or customer number (exact), postcode, or name.

    A scanned pass number is exact and uses its unique index; a postcode uses
    its index; names match on the start of surname or given name.
    """
    query = " ".join(query.split())
    if not query:
        return Person.objects.none()
    base = Person.objects.order_by("surname", "given_name", "pk")
    if query.isdigit():
        return base.filter(Q(pass_number=query) | Q(customer_number=query))[:limit]
    try:
        postcode = normalize_postcode(query)
    except Exception:  # noqa: BLE001 - not a postcode: search by name
        postcode = ""
    if postcode:
        return base.filter(postcode=postcode)[:limit]
    terms = Q()
    for word in query.split():
        terms &= Q(surname__istartswith=word) | Q(given_name__istartswith=word) | Q(surname_prefix__iexact=word)
    return base.filter(terms)[:limit]


def person_detail(pk: int) -> Person:
    return (
        Person.objects.select_related("household", "user")
        .prefetch_related("emails", "phones", "relations__relative")
        .get(pk=pk)
    )


def wards_of(guardian: Person) -> QuerySet[Person]:
    """The people `guardian` is parent or guardian of (their family relations), youngest first."""
    return Person.objects.filter(relations__relative=guardian, relations__kind=FamilyRelation.Kind.GUARDIAN).order_by(
        "-date_of_birth", "given_name", "pk"
    )


def person_id_by_pass(number: str) -> int | None:
    """The person a scanned pass number belongs to (exact, on its unique index), or None."""
    number = "".join(number.split())
    if not number.isdigit() or len(number) > 14:
        return None
    found: int | None = Person.objects.filter(pass_number=number).values_list("pk", flat=True).first()
    return found
