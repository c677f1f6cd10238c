"""The library's retention start events, keeps and holds (auto-imported by the privacy app).

- `subscription_ended` (rule `library`, P5Y): per person, the day their last
  subscription ended.
- `school_service_ended` (rule `school`, P3M): per pupil, the day the service to
  their school ended.
- `join_unpaid` (rule `join_pending`, P14D): per person who joined online and
  paid nothing, the day they joined; such a sign-up is kept by nothing else
  (kolk.library.services.joining.joins_unpaid_expire cancels its invoice).
A running subscription (one's own, or the household's family subscription)
keeps a person; an open fee or fine holds the fee, with the name, address and
customer number it is owed under, until billing settles it; the rest of a former
member goes on its own dates.
Loans point to the person with SET NULL, so erasing a person anonymises their
loans; their loan counts per month go with them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, Max, Q, QuerySet
from django.db.models.functions import TruncDate

from kolk.core.clock import today
from kolk.library.models import Enrolment, Fee, Subscription
from kolk.library.partners import loan_history_selected, warehouse_people
from kolk.library.reading import READING_HISTORY
from kolk.library.services.joining import joins_unpaid
from kolk.people.models import Person
from kolk.privacy.compliance import register_selection
from kolk.privacy.register import Text
from kolk.privacy.registry import Scope, register_event, register_hold, register_keep, retain

FEES = Scope.of(models=["library.Fee"], categories=["name", "address"], fields=["customer_number"])


def subscription_ended() -> QuerySet[Any]:
    """(subject_id, event_date): the end of each person's last ended subscription.

    School subscriptions are left out: their pupils follow `school_service_ended`.
    """
    return (
        Subscription.objects.filter(status=Subscription.Status.ENDED, ended_on__isnull=False, type__is_school=False)
        .values(subject_id=F("person_id"))
        .annotate(event_date=Max("ended_on"))
    )


def school_service_ended() -> QuerySet[Any]:
    """(subject_id, event_date): the end of the service to each pupil's school."""
    return (
        Enrolment.objects.filter(service__ends_on__isnull=False)
        .values(subject_id=F("person_id"))
        .annotate(event_date=Max("service__ends_on"))
    )


def subscribed_people() -> QuerySet[Any]:
    """People whose own subscription, or their household's family subscription, still runs.

    A sign-up online that paid nothing is no membership yet: rule `join_pending` keeps it for its time.
    """
    running = Subscription.objects.exclude(status=Subscription.Status.ENDED)
    return (
        Person.objects.filter(
            Q(pk__in=running.values("person_id"))
            | Q(household_id__in=running.filter(type__is_family=True).values("household_id"))
        )
        .exclude(pk__in=joins_unpaid().values("person_id"))
        .values("pk")
    )


def join_unpaid() -> QuerySet[Any]:
    """(subject_id, event_date): who joined online and paid nothing, and the day they joined."""
    return joins_unpaid().values(subject_id=F("person_id")).annotate(event_date=TruncDate(Max("created_at"))).order_by()


def people_owing() -> QuerySet[Any]:
    return Fee.objects.filter(status__in=[Fee.Status.OPEN, Fee.Status.INVOICED]).values("person_id")


register_event("subscription_ended", subscription_ended)
register_event("school_service_ended", school_service_ended)
register_event("join_unpaid", join_unpaid)
register_keep("library_subscription_running", subscribed_people)
register_hold(
    "library_fee_open",
    people_owing,
    Text(nl="Er staat nog een bedrag open bij de bibliotheek.", en="An amount is still owed to the library."),
    scope=FEES,
)
# The marketing selection on loan history (L12), held to the register by `kolk privacy check`.
register_selection(
    "loan history selection (L12)",
    purpose="marketing_analysis",
    subjects=lambda: loan_history_selected(since=today() - dt.timedelta(days=365)),
)
# The data warehouse file (R04, marketing statistics) of the last twelve months, held to the same rules.
register_selection(
    "data warehouse export (R04)",
    purpose="marketing_statistics",
    subjects=lambda: warehouse_people(start=today() - dt.timedelta(days=365), end=today() + dt.timedelta(days=1)),
)
# A returned loan loses its link to the member a year after its return (rule `loans_returned`),
# as erasing the member would do it (person and subscription NULL); a member who keeps a
# reading history keeps theirs, and switching it off unlinks them at once.
retain(
    "library.Loan",
    rule="loans_returned",
    action="anonymise",
    date_field="returned_at",
    anonymise={"person": None, "subscription": None},
    done=Q(person__isnull=True),
    unless_consent=READING_HISTORY,
)
