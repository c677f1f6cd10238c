"""What the library gives its partners, only through the privacy core's disclosure function.

- R01 Biblionet Drenthe, loan processing: the loans of a period with the
  member's pass number (and status), for the provincial loan administration.
- R02 the libraries in Drenthe, loan processing: interlibrary loans, the loans
  of a period whose copies belong to another library's branch.
- R03 the Koninklijke Bibliotheek, statistics: counts only (loans and members
  per month and target group), never a person.
Each release is recorded per person by `disclose`; an unlisted recipient, a
field outside the recipient's categories, or a person to the KB is refused.
Loan history for marketing analysis (L12) is read through the purpose gate,
so objectors, restricted people and children under 16 drop out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Max, Sum
from django.utils import timezone

from kolk.core.actors import Actor
from kolk.library.models import Loan, LoanCount, MemberProfile
from kolk.privacy.disclosure import disclose, disclose_aggregate
from kolk.privacy.gate import GatedRead, purpose_read
from kolk.privacy.models import Disclosure

LOAN_FIELDS = ["copy__barcode", "copy__title__isbn", "person__pass_number", "checked_out_at", "due_on", "returned_at"]


def _period(start: dt.date, end: dt.date) -> Any:
    return Loan.objects.filter(checked_out_at__date__gte=start, checked_out_at__date__lt=end, person__isnull=False)


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


def loan_history_for_marketing(*, actor: Actor, since: dt.date) -> GatedRead:
    """L12: loan history per person for marketing analysis; objectors and restricted people drop out."""
    return purpose_read(
        purpose="marketing_analysis",
        model=Loan,
        fields=["person", "checked_out_at", "copy__title__media_type"],
        queryset=Loan.objects.filter(checked_out_at__date__gte=since, person__isnull=False),
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
    qs = Loan.objects.filter(checked_out_at__gte=start, person__isnull=False)
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
