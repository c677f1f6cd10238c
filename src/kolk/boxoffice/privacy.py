"""What the box office tells the privacy core: the `ticket_purchased` start event and the
two-year rule on orders (B03/T05, rule `tickets`); the `profile_updated` event of the
Mosaic profile (P01, rule `profiling`); and its marketing selections, for the check.
Per-show counts (ShowStats) hold no personal data and stay.

The profiling rule keeps what P01 names, name and address (the file's record is the
privacy core's own), not the whole person: two years after their last ticket a
buyer's email and phone go, their name and address five years after the profile."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import F, Max
from django.db.models.functions import TruncDate

from kolk.boxoffice.marketing import MOSAIC_DAYS, mosaic_people, profile_updated, theatre_buyers_selected
from kolk.boxoffice.models import Order, Show
from kolk.core.clock import now, today
from kolk.privacy.compliance import register_selection
from kolk.privacy.registry import Scope, register_event, register_keep, retain

ANONYMISED = {
    "person": None,
    "buyer_name": "",
    "buyer_email": "",
    "buyer_phone": "",
    "payment_ref": "",
    "anonymised": True,
}


def ticket_purchased() -> models.QuerySet[Any]:
    """Per person, the date of their last ticket purchase (paid orders): `subject_id`, `event_date`.

    The latest moment is taken first and then made a date (the same day): read from
    the index of purchases alone, with no conversion per order.
    """
    return (
        Order.objects.filter(person__isnull=False, paid_at__isnull=False)
        .values(subject_id=F("person_id"))
        .annotate(event_date=TruncDate(Max("paid_at")))
        .order_by("subject_id")
    )


def ticket_holders() -> models.QuerySet[Any]:
    """People with a paid ticket for a show still to come: the contract runs, keep them.

    The shows to come are found first and their orders through the show's index
    (`in_array`), not by reading every order ever sold.
    """
    coming = Show.objects.filter(starts_at__gte=now()).values("pk")
    return Order.objects.filter(status=Order.Status.PAID, person__isnull=False, show__in_array=coming).values(
        "person_id"
    )


register_event("ticket_purchased", ticket_purchased)
register_keep("boxoffice.ticket_holders", ticket_holders)
# Each order, a guest's too, loses its buyer two years after it was placed; tickets,
# seats and counts stay for statistics, tied to nobody.
retain(
    "boxoffice.Order",
    rule="tickets",
    action="anonymise",
    date_field="created_at",
    anonymise=ANONYMISED,
    done=models.Q(anonymised=True),
)
register_event(
    "profile_updated",
    profile_updated,
    scope=Scope.of(categories=["name", "address"], fields=["customer_number"]),
)
register_selection(
    "R07 Mosaic file",
    purpose="segmentation",
    subjects=lambda: mosaic_people(since=today() - dt.timedelta(days=MOSAIC_DAYS)),
)
register_selection(
    "theatre buyers' analysis (T03, T05)",
    purpose="marketing_analysis",
    subjects=lambda: theatre_buyers_selected(since=today() - dt.timedelta(days=MOSAIC_DAYS)),
)
# The waiting list of a show goes the day after the show (T07, rule `waitlist`).
retain("boxoffice.WaitlistEntry", rule="waitlist", action="delete", date_field="show__starts_at")
# A gift voucher stays seven years past its end date for the fiscal duty (rule `vouchers`);
# the name and email of its buyer, if given, go one year after it (T08, rule `voucher_buyers`).
retain("boxoffice.GiftVoucher", rule="vouchers", action="delete", date_field="expires_at")
retain(
    "boxoffice.GiftVoucher",
    rule="voucher_buyers",
    action="anonymise",
    date_field="expires_at",
    anonymise={"buyer_name": "", "buyer_email": "", "anonymised": True},
    done=models.Q(anonymised=True),
)
# A gift voucher bought online: unpaid, its order goes a week after it was started (rule
# `voucher_unpaid`); paid, its buyer, recipient and message go with the voucher's buyer (T08).
retain(
    "boxoffice.VoucherSale",
    rule="voucher_unpaid",
    action="delete",
    date_field="created_at",
    done=models.Q(status="paid"),
)
retain(
    "boxoffice.VoucherSale",
    rule="voucher_buyers",
    action="anonymise",
    date_field="voucher__expires_at",
    anonymise={"buyer_name": "", "buyer_email": "", "recipient_name": "", "message": "", "anonymised": True},
    done=models.Q(anonymised=True),
)
