"""The presale of a show or a theaterabonnement: nobody buys before `members_from`, only members until `public_from`.

Every hold asks here (`selling.seats_hold` for a show, `series.series_hold` for a
series), so the shop, the API and the till cannot differ. Whether the buyer is a
member is a yes or no the caller brings: the library's answer whether the buyer's
pass is current, asked only during a presale (purpose ticket_sales). At the till
that is the pass staff scanned; before `members_from` nobody sells, the till neither.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kolk.boxoffice.models import Series, Show
from kolk.core.clock import now
from kolk.core.errors import KolkError


class Presale(KolkError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="presale")


def in_words(moment: dt.datetime) -> str:
    """A date in a sentence: 11 december 2026 (month in lower case, as UX.md says)."""
    return date_format(timezone.localtime(moment), "j F Y")


def presale_check(*, members_from: dt.datetime | None, public_from: dt.datetime | None, member: bool) -> None:
    """Refuse a sale before its time: nobody before `members_from`, only members until `public_from`.

    `member` is the yes/no answer of the library whether the buyer's pass is
    current (the member price's check, purpose ticket_sales); nothing else.
    """
    at = now()
    if members_from is not None and at < members_from:
        raise Presale(_("De verkoop begint op %(date)s.") % {"date": in_words(members_from)})
    if public_from is not None and at < public_from and not member:
        raise Presale(_("Voorverkoop voor leden tot %(date)s.") % {"date": in_words(public_from)})


def in_presale(*things: Show | Series) -> bool:
    """Whether any of these (shows, series) is in its members' presale now (the caller then asks whether the
    buyer is a member)."""
    at = now()
    return any(t.public_from is not None and at < t.public_from for t in things)


def presale_dates_check(
    *, members_from: dt.datetime | None, public_from: dt.datetime | None, first_start: dt.datetime | None
) -> None:
    """The members' presale comes before the public sale, and both before the (first) show starts."""
    errors: dict[str, list[str]] = {}
    if members_from is not None and public_from is not None and members_from >= public_from:
        errors["public_from"] = [_("De vrije verkoop begint na de voorverkoop voor leden.")]
    if first_start is not None:
        if members_from is not None and members_from >= first_start:
            errors["members_from"] = [_("De voorverkoop voor leden begint vóór de (eerste) voorstelling.")]
        if public_from is not None and public_from >= first_start:
            errors.setdefault("public_from", []).append(_("De vrije verkoop begint vóór de (eerste) voorstelling."))
    if errors:
        raise ValidationError(errors)
