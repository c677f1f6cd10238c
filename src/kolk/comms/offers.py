"""Offers and new products or services (O01), per channel: email, post and phone.

Each selection is one read through the purpose gate for purpose `offers` on its
channel, so someone who objected on that channel, or to offers altogether, or
whose processing is restricted, is never in it. An objection takes effect at
once: the next selection leaves the person out. Every letter says how to object
(comms/letters/offers_objection.txt); an objection said on the phone is recorded
by staff in one step.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from kolk.core.actors import Actor
from kolk.people.models import Person
from kolk.privacy.gate import purpose_read
from kolk.privacy.ledger import objection_record
from kolk.privacy.models import PrivacyChoice
from kolk.privacy.register import get_register

PHONES = re.compile(r"^\+?[\d /+]+$")
NAME = ["given_name", "surname_prefix", "surname"]
ADDRESS = ["street", "house_number", "house_number_suffix", "postcode", "town"]


def _name(row: dict[str, Any]) -> str:
    return " ".join(str(row[f]) for f in NAME if row.get(f))


def offers_email_selection(*, actor: Actor) -> Iterator[dict[str, Any]]:
    """People who may get offers by email: id, name, primary address."""
    qs = Person.objects.filter(emails__is_primary=True).order_by("surname", "given_name", "id")
    for row in purpose_read(
        purpose="offers",
        model=Person,
        fields=["id", *NAME, "emails__address"],
        queryset=qs,
        channel="email",
        actor=actor,
    ):
        yield {"id": row["id"], "name": _name(row), "address": row["emails__address"]}


def offers_letter_selection(*, actor: Actor) -> Iterator[dict[str, Any]]:
    """People who may get offers by post: id, name and address."""
    qs = Person.objects.exclude(street="").exclude(postcode="").order_by("postcode", "house_number", "id")
    for row in purpose_read(
        purpose="offers", model=Person, fields=["id", *NAME, *ADDRESS], queryset=qs, channel="post", actor=actor
    ):
        number = f"{row['house_number'] or ''}{row['house_number_suffix']}"
        yield {
            "id": row["id"],
            "name": _name(row),
            "street": f"{row['street']} {number}".strip(),
            "postcode": row["postcode"],
            "town": row["town"],
        }


def offers_call_list(*, actor: Actor) -> list[dict[str, Any]]:
    """People who may be called with offers: id, name, their phone numbers."""
    qs = Person.objects.filter(phones__isnull=False).order_by("surname", "given_name", "id")
    people: dict[int, dict[str, Any]] = {}
    for row in purpose_read(
        purpose="offers",
        model=Person,
        fields=["id", *NAME, "phones__number"],
        queryset=qs,
        channel="phone",
        actor=actor,
    ):
        entry = people.setdefault(row["id"], {"id": row["id"], "name": _name(row), "phones": []})
        entry["phones"].append(row["phones__number"])
    return list(people.values())


def offers_objection_text(language: str = "nl") -> str:
    """How to object to offers by post: printed on every letter."""
    with translation.override(language):
        text = render_to_string("comms/letters/offers_objection.txt", {"centre": get_register().controller})
    return " ".join(text.split())


def offers_letter_text(*, body: str, recipient: dict[str, Any], language: str = "nl") -> str:
    """One whole letter, with how to object at its foot."""
    context = {**recipient, "body": body, "objection": offers_objection_text(language)}
    context["centre"] = get_register().controller
    with translation.override(language):
        return render_to_string("comms/letters/offers.txt", context)


def _safe(value: Any) -> str:
    """Keep a spreadsheet from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    if PHONES.match(text):  # +31 6... numbers: digits cannot form a formula
        return text
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(header)
    writer.writerows([_safe(v) for v in row] for row in rows)
    return out.getvalue()


def offers_letters_csv(*, actor: Actor, language: str = "nl") -> str:
    """The letter run as CSV (for mail merge); each row carries how to object."""
    objection = offers_objection_text(language)
    return _csv(
        ["id", "naam", "adres", "postcode", "woonplaats", "bezwaar"],
        (
            [r["id"], r["name"], r["street"], r["postcode"], r["town"], objection]
            for r in offers_letter_selection(actor=actor)
        ),
    )


def offers_call_list_csv(*, actor: Actor) -> str:
    return _csv(
        ["id", "naam", "telefoon"],
        ([r["id"], r["name"], " / ".join(r["phones"])] for r in offers_call_list(actor=actor)),
    )


def offers_phone_objection_record(*, person: Any, actor: Actor) -> PrivacyChoice:
    """'No thanks, do not call me again': recorded by staff in one step, effective at once."""
    return objection_record(
        subject=person, purpose="offers", objects=True, method="phone", channel="phone", actor=actor
    )
