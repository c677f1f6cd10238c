"""What the library gives its partners, only through the privacy core's disclosure function.

- R01 Biblionet Drenthe, loan processing: the loans of a period with the
  member's pass number (and status), for the provincial loan administration.
- R02 the libraries in Drenthe, loan processing: interlibrary loans, the loans
  of a period whose copies belong to another library's branch.
- R03 the Koninklijke Bibliotheek, statistics: counts only (loans and members
  per month and target group), never a person.
- R04 the KB's data warehouse, marketing statistics (legitimate interest, serves
  L07, L08, L11, L17): per member and month the number of loans, with birth date,
  gender, target group and the dates of the subscription; no name, no number.
  It serves marketing analysis, so objectors to it and children under 16 drop out.
- R05 Bibliotheek.nl (courses, luisterbieb, e-books) and R06 Muziekweb (music
  and film), on contract: only the members who used that service in the period.
  kolk records a use of these services where it records every use of the
  library, as a loan: an audiobook (luisterboek) for Bibliotheek.nl, which then
  needs the member's name, primary email and pass number for their account; a
  cd, dvd or film for Muziekweb, which needs the pass number only.
Each release is recorded per person by `disclose`; an unlisted recipient, a
field outside the recipient's categories, or a person to the KB is refused.
Loan history for marketing analysis (L12) is read through the purpose gate,
so objectors, restricted people and children under 16 drop out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, OuterRef, Subquery, Sum
from django.utils import timezone

from kolk.core.actors import Actor
from kolk.library.models import Loan, LoanCount, MediaType, MemberProfile, Subscription
from kolk.library.reading import loans_beyond_history
from kolk.people.models import EmailAddress, Person
from kolk.privacy.disclosure import disclose, disclose_aggregate, disclosure_preview
from kolk.privacy.gate import GatedRead, purpose_read
from kolk.privacy.models import Disclosure

LOAN_FIELDS = ["copy__barcode", "copy__title__isbn", "person__pass_number", "checked_out_at", "due_on", "returned_at"]


def _period(start: dt.date, end: dt.date) -> Any:
    return Loan.objects.filter(
        loans_beyond_history(), checked_out_at__date__gte=start, checked_out_at__date__lt=end, person__isnull=False
    )


def loans_export_biblionet(*, start: dt.date, end: dt.date, actor: Actor) -> tuple[Disclosure, list[dict[str, Any]]]:
    """R01: the loans checked out in [start, end) for Biblionet Drenthe's loan processing."""
    return disclose(
        recipient="R01",
        purpose="loan_processing",
        model=Loan,
        fields=LOAN_FIELDS,
        queryset=_period(start, end).order_by("pk"),
        actor=actor,
    )


def interlibrary_loans_export(
    *, branch_codes: list[str], start: dt.date, end: dt.date, actor: Actor
) -> tuple[Disclosure, list[dict[str, Any]]]:
    """R02: loans of copies from partner libraries' branches, for those libraries."""
    return disclose(
        recipient="R02",
        purpose="loan_processing",
        model=Loan,
        fields=LOAN_FIELDS,
        queryset=_period(start, end).filter(copy__branch__code__in=branch_codes).order_by("pk"),
        actor=actor,
    )


def kb_statistics(*, start: dt.date, end: dt.date) -> dict[str, int]:
    """Counts per month (and per target group): loans and borrowing members. No person."""
    counts: dict[str, int] = {}
    months = LoanCount.objects.filter(month__gte=start.replace(day=1), month__lt=end)
    for row in months.values("month").annotate(loans=Sum("count"), members=Count("person", distinct=True)):
        key = f"{row['month']:%Y-%m}"
        counts[f"loans:{key}"] = int(row["loans"])
        counts[f"members:{key}"] = int(row["members"])
    groups = months.values("month", "person__library_profile__target_group").annotate(loans=Sum("count"))
    for group_row in groups:
        group = group_row["person__library_profile__target_group"] or "unknown"
        counts[f"loans:{group_row['month']:%Y-%m}:{group}"] = int(group_row["loans"])
    return counts


def kb_statistics_send(*, start: dt.date, end: dt.date, actor: Actor) -> Disclosure:
    """R03: release the period's counts to the Koninklijke Bibliotheek (aggregates only)."""
    return disclose_aggregate(
        recipient="R03", purpose="loan_statistics", counts=kb_statistics(start=start, end=end), actor=actor
    )


WAREHOUSE_FIELDS = [
    "month",
    "count",
    "person__date_of_birth",
    "person__gender",
    "person__library_profile__target_group",
    "person__library_subscriptions__started_on",
    "person__library_subscriptions__ended_on",
]
DIGITAL_FIELDS = ["person__given_name", "person__surname_prefix", "person__surname", "address", "person__pass_number"]
MUSIC_FILM_FIELDS = ["pass_number"]
# The uses of a partner's service that kolk records: loans of the media it serves.
DIGITAL_MEDIA = (MediaType.AUDIOBOOK,)
MUSIC_FILM_MEDIA = (MediaType.CD, MediaType.DVD, MediaType.FILM)


def _warehouse_rows(start: dt.date, end: dt.date) -> Any:
    """Loan counts of the months in [start, end), each joined to its member's latest subscription begun by then.

    The subscription is chosen in the filter, and `values()` reuses that join, so a
    member who left and came back is one row per month, not one per subscription.
    """
    latest = (
        Subscription.objects.filter(person=OuterRef("person"), started_on__lt=end)
        .order_by("-started_on", "-pk")
        .values("started_on")[:1]
    )
    return LoanCount.objects.filter(
        month__gte=start.replace(day=1), month__lt=end, person__library_subscriptions__started_on=Subquery(latest)
    )


def warehouse_export(*, start: dt.date, end: dt.date, actor: Actor) -> tuple[Disclosure, list[dict[str, Any]]]:
    """R04: loans per member and month, with birth date, gender, target group and membership dates."""
    return disclose(
        recipient="R04",
        purpose="marketing_statistics",
        model=LoanCount,
        fields=WAREHOUSE_FIELDS,
        queryset=_warehouse_rows(start, end).order_by("person_id", "month"),
        actor=actor,
    )


def warehouse_people(*, start: dt.date, end: dt.date) -> Any:
    """Whom R04 would release now (subject ids), through the same gate; nothing goes out."""
    return disclosure_preview(
        recipient="R04", purpose="marketing_statistics", model=LoanCount, queryset=_warehouse_rows(start, end)
    ).distinct()


def _users_of(media: tuple[str, ...], start: dt.date, end: dt.date) -> Any:
    return _period(start, end).filter(copy__title__media_type__in=media).values("person_id")


def digital_services_export(*, start: dt.date, end: dt.date, actor: Actor) -> tuple[Disclosure, list[dict[str, Any]]]:
    """R05: name, primary email and pass number of the members who used Bibliotheek.nl's services in the period."""
    return disclose(
        recipient="R05",
        purpose="digital_services",
        model=EmailAddress,
        fields=DIGITAL_FIELDS,
        queryset=EmailAddress.objects.filter(is_primary=True, person__in=_users_of(DIGITAL_MEDIA, start, end)).order_by(
            "person_id"
        ),
        actor=actor,
    )


def music_film_export(*, start: dt.date, end: dt.date, actor: Actor) -> tuple[Disclosure, list[dict[str, Any]]]:
    """R06: the pass numbers of the members who borrowed music or film in the period, for Muziekweb."""
    return disclose(
        recipient="R06",
        purpose="music_film",
        model=Person,
        fields=MUSIC_FILM_FIELDS,
        queryset=Person.objects.filter(
            pk__in=_users_of(MUSIC_FILM_MEDIA, start, end), pass_number__isnull=False
        ).order_by("pk"),
        actor=actor,
    )


# The exports of a period, by recipient (R02 also needs the partner libraries' branches, R03 is counts).
PERIOD_EXPORTS = {
    "R01": loans_export_biblionet,
    "R04": warehouse_export,
    "R05": digital_services_export,
    "R06": music_film_export,
}
EXPORT_FIELDS = {
    "R01": LOAN_FIELDS,
    "R02": LOAN_FIELDS,
    "R04": WAREHOUSE_FIELDS,
    "R05": DIGITAL_FIELDS,
    "R06": MUSIC_FILM_FIELDS,
}


def loan_history_for_marketing(*, actor: Actor, since: dt.date) -> GatedRead:
    """L12: loan history per person for marketing analysis; objectors and restricted people drop out."""
    return purpose_read(
        purpose="marketing_analysis",
        model=Loan,
        fields=["person", "checked_out_at", "copy__title__media_type"],
        queryset=Loan.objects.filter(loans_beyond_history(), checked_out_at__date__gte=since, person__isnull=False),
        actor=actor,
    )


def loan_history_selection(
    *, actor: Actor, since: dt.date, media_type: str = "", min_loans: int = 1
) -> list[dict[str, Any]]:
    """L12: the members to select for marketing analysis, by their loans since a date (of one media type).

    One row per person (loans, last loan), counted in the database over the
    gated loan history, so objectors and restricted people are never counted.
    """
    read = _loan_history_read(actor=actor, since=since, media_type=media_type)
    rows = read.grouped(["person"], loans=Count("pk"), last_loan=Max("checked_out_at"))
    return [row for row in rows if row["loans"] >= min_loans]


def loan_history_selected(*, since: dt.date) -> Any:
    """The people the loan history selection takes (subject ids), through the same gate; nothing is read."""
    return _loan_history_read(actor=None, since=since, media_type="").narrowed.values("person_id").distinct()


def _loan_history_read(*, actor: Actor, since: dt.date, media_type: str) -> GatedRead:
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    qs = Loan.objects.filter(loans_beyond_history(), checked_out_at__gte=start, person__isnull=False)
    if media_type:
        qs = qs.filter(copy__title__media_type=media_type)
    return purpose_read(
        purpose="marketing_analysis",
        model=Loan,
        fields=["person", "checked_out_at", "copy__title__media_type"],
        queryset=qs,
        actor=actor,
    )


def target_groups_for_marketing(*, actor: Actor) -> GatedRead:
    """L10/L17: target group and last activity, for marketing analysis through the gate."""
    return purpose_read(
        purpose="marketing_analysis",
        model=MemberProfile,
        fields=["person", "target_group", "last_activity_on"],
        actor=actor,
    )
