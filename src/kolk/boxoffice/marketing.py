"""Marketing reads of ticket buyers, always through the purpose gate.

T03/T05: analysis of theatre buyers (marketing_analysis, legitimate interest:
objectors, children under 16 and restricted people drop out). R07: the Mosaic
segmentation export for The Alignment House, through the disclosure function,
which records every person released; it serves B03, T03 and P01 (the register's
`serves`), so whoever objects to marketing analysis or profiling is not in it,
nor is anyone under 16. The Mosaic file is the box office's profile of its
buyers: the day a person was last in it is their `profile_updated` event.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from typing import Any

from kolk.boxoffice.models import Order, Show
from kolk.core.actors import Actor
from kolk.core.clock import today
from kolk.people.models import Person
from kolk.privacy.disclosure import disclose, disclosure_preview, last_disclosed
from kolk.privacy.gate import purpose_read
from kolk.privacy.models import Disclosure
from kolk.privacy.register import get_register

# Nobody under 16 is analysed (the register's from_age), so the youngest band starts there.
AGE_BANDS = [(16, 17, "16-17"), (18, 29, "18-29"), (30, 44, "30-44"), (45, 64, "45-64"), (65, 200, "65+")]
# The Mosaic file holds the buyers of the last year (`kolk boxoffice mosaic --days`).
MOSAIC_DAYS = 365


def _buyers(*, kind: str | None, since: dt.date) -> Any:
    orders = Order.objects.filter(status=Order.Status.PAID, paid_at__date__gte=since, person__isnull=False)
    if kind:
        orders = orders.filter(show__kind=kind)
    return Person.objects.filter(pk__in=orders.values("person_id"))


def _band(born: dt.date | None, on: dt.date) -> str:
    if born is None:
        return "?"
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), "?")


def theatre_buyers_selected(*, since: dt.date) -> Any:
    """The people the theatre buyers' analysis takes (subject ids), through the gate; nothing is read."""
    read = purpose_read(
        purpose="marketing_analysis",
        model=Person,
        fields=["pk"],
        queryset=_buyers(kind=Show.Kind.THEATRE, since=since),
        actor=None,
    )
    return read.narrowed.values("pk")


def theatre_buyers_analysis(*, actor: Actor, since: dt.date) -> dict[str, Counter[str]]:
    """Theatre buyers since `since` by age band, gender and town (T03), and tickets per price (T05)."""
    rows = purpose_read(
        purpose="marketing_analysis",
        model=Person,
        fields=["gender", "date_of_birth", "town"],
        queryset=_buyers(kind=Show.Kind.THEATRE, since=since),
        actor=actor,
    ).list()
    on = today()
    tickets = purpose_read(
        purpose="marketing_analysis",
        model=Order,
        fields=["tickets__price__kind"],
        queryset=Order.objects.filter(
            status=Order.Status.PAID, paid_at__date__gte=since, show__kind=Show.Kind.THEATRE, person__isnull=False
        ),
        actor=actor,
    ).list()
    return {
        "age": Counter(_band(r["date_of_birth"], on) for r in rows),
        "gender": Counter(r["gender"] or "?" for r in rows),
        "town": Counter(r["town"] or "?" for r in rows),
        "price": Counter(r["tickets__price__kind"] for r in tickets),
    }


MOSAIC_FIELDS = ["postcode", "house_number", "gender", "date_of_birth"]


def mosaic_people(*, since: dt.date) -> Any:
    """Whom the next Mosaic file would hold (subject ids): the same gate as the export, nothing released."""
    return disclosure_preview(
        recipient="R07", purpose="segmentation", model=Person, queryset=_buyers(kind=None, since=since)
    )


def profile_updated() -> Any:
    """Start event `profile_updated` (rule `profiling`, P01): per person, the day their data last went
    into a profile, for the purposes that serve profiling (the Mosaic file)."""
    register = get_register()
    row = register.rows["P01"]
    return last_disclosed(purposes=[*row.purposes, *register.serving(row.id)])


def mosaic_export(*, actor: Actor, since: dt.date) -> tuple[Disclosure, bytes]:
    """The R07 file for The Alignment House: address, birth date and gender of cinema and theatre buyers."""
    disclosure, rows = disclose(
        recipient="R07",
        purpose="segmentation",
        model=Person,
        fields=MOSAIC_FIELDS,
        queryset=_buyers(kind=None, since=since),
        actor=actor,
    )
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MOSAIC_FIELDS, delimiter=";")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "date_of_birth": row["date_of_birth"].isoformat() if row["date_of_birth"] else ""})
    return disclosure, out.getvalue().encode()
