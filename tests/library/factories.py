"""Factories of the library's models (catalogue and configuration rows; members go through services)."""

from __future__ import annotations

import factory

from kolk.library.models import Branch, Copy, LoanRule, SubscriptionType, Title


class SubscriptionTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubscriptionType
        django_get_or_create = ("code",)

    code = "basis"
    name = "Basis"
    fee_young_adult_cents = 2500
    fee_adult_cents = 4950
    max_loans = 10
    reservation_fee_cents = 100


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = "assen"
    name = "DNK Assen"


class TitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Title

    title = factory.Sequence(lambda n: f"Boek nummer {n}")
    authors = "Jan Terlouw"
    media_type = "book"
    search_text = factory.LazyAttribute(lambda o: f"{o.title} {o.authors}")


class CopyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Copy

    title = factory.SubFactory(TitleFactory)
    barcode = factory.Sequence(lambda n: f"3{n:09d}")
    branch = factory.SubFactory(BranchFactory)


class LoanRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoanRule
        django_get_or_create = ("media_type", "subscription_type")

    media_type = "book"
    subscription_type = None
    loan_days = 21
    renewals = 2
    max_loans = 10
    fine_per_day_cents = 25


def ensure_role_groups() -> None:
    """Transactional tests flush the database, data migrations included: put the role groups back."""
    from django.contrib.auth.models import Group

    from kolk.core.roles import Role

    for role in Role:
        Group.objects.get_or_create(name=role.value)
