"""Library fixtures: a member with a subscription, rules, copies."""

from __future__ import annotations

import pytest

from kolk.library.services.members import subscription_start
from tests.factories import PersonFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, SubscriptionTypeFactory


@pytest.fixture
def rules(db):
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    LoanRuleFactory(media_type="dvd", loan_days=7, renewals=1, max_loans=2, fine_per_day_cents=100)


@pytest.fixture
def member(db, rules):
    person = PersonFactory(with_pass=True)
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return person


@pytest.fixture
def copy(db):
    return CopyFactory()
