"""The demo library loads through the seed command, twice without harm."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kolk.library import demo
from kolk.library.models import Enrolment, Loan, LoanCount, Reservation, Subscription, Title
from kolk.library.search import catalogue_search
from kolk.people.models import User

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_lively_library(monkeypatch, settings):
    settings.DEBUG = True  # the demo refuses to run with DEBUG off
    monkeypatch.setattr(demo, "TITLES", 300)
    call_command("seed", "--demo")
    assert Title.objects.count() == 300
    assert Subscription.objects.filter(type__is_family=True).exists()
    assert Subscription.objects.filter(type__is_school=True).count() == Enrolment.objects.count() == 24
    assert Loan.objects.filter(returned_at__isnull=True).exists()
    assert (
        Loan.objects.filter(returned_at__isnull=False).count()
        == sum(LoanCount.objects.values_list("count", flat=True))
        - Loan.objects.filter(returned_at__isnull=True).count()
    )
    assert set(Reservation.objects.values_list("status", flat=True)) >= {"waiting", "ready"}
    assert catalogue_search("drenthe").exists()
    # The desk's demo logins have an own branch: the first offered at sign-in.
    assert dict(User.objects.filter(username__in=["balie", "bieb"]).values_list("username", "home_branch")) == {
        "balie": "assen",
        "bieb": "assen",
    }
    call_command("seed", "--demo")  # the second run loads nothing again
    assert Title.objects.count() == 300
