"""Partners R04-R06: the KB's data warehouse, Bibliotheek.nl and Muziekweb, through the disclosure function.

Each releases exactly the register's categories, records each person released,
and leaves out whoever objects to a row the export serves, is restricted, or
(for the marketing statistics of R04) is under 16.
"""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.library.models import Subscription
from kolk.library.partners import (
    DIGITAL_FIELDS,
    WAREHOUSE_FIELDS,
    digital_services_export,
    music_film_export,
    warehouse_export,
    warehouse_people,
)
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.privacy.gate import lookup_category
from kolk.privacy.ledger import objection_record, restriction_record
from kolk.privacy.models import DisclosureItem
from kolk.privacy.register import get_register
from tests.factories import PersonFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, SubscriptionTypeFactory, TitleFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
PERIOD = {"start": TODAY - dt.timedelta(days=1), "end": TODAY + dt.timedelta(days=1)}


def _member(staff, guardian=None, **kwargs):
    person = PersonFactory(with_pass=True, **kwargs)
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, guardian=guardian)
    return person


def _borrow(person, media_type, staff):
    LoanRuleFactory(media_type=media_type, loan_days=21, renewals=1, max_loans=10, fine_per_day_cents=25)
    copy = CopyFactory(title=TitleFactory(media_type=media_type))
    loan_checkout(copy_barcode=copy.barcode, person=person, actor=staff)


def _released(disclosure):
    return set(DisclosureItem.objects.filter(disclosure=disclosure).values_list("subject_id", flat=True))


@pytest.mark.parametrize(
    ("recipient", "model_fields"),
    [("R04", ("library.LoanCount", WAREHOUSE_FIELDS)), ("R05", ("people.EmailAddress", DIGITAL_FIELDS))],
)
def test_only_the_registers_categories_leave(recipient, model_fields):
    from django.apps import apps

    label, fields = model_fields
    model = apps.get_model(label)
    categories = {lookup_category(model, f) for f in fields}
    assert categories == set(get_register().recipients[recipient].categories)


def test_the_warehouse_gets_loans_per_member_and_month_without_objectors_restricted_or_children(rules, staff):
    adult = _member(staff, gender="f", date_of_birth=dt.date(1970, 3, 1))
    objector = _member(staff)
    restricted = _member(staff)
    child = _member(staff, guardian=adult, date_of_birth=TODAY.replace(year=TODAY.year - 10))
    for person in (adult, objector, restricted, child):
        _borrow(person, "book", staff)
    _borrow(adult, "book", staff)
    # Objecting to marketing analysis, the purpose of the rows R04 serves (L07, L08, L11, L17), keeps one out.
    objection_record(subject=objector, purpose="marketing_analysis", objects=True, method="desk", actor=staff)
    restriction_record(subject=restricted, restricted=True, reason="Juistheid betwist", actor=staff)
    assert set(warehouse_people(**PERIOD).values_list("person", flat=True)) == {adult.pk}
    # `kolk privacy check` asks the next file too, and finds it keeps the promises.
    from kolk.privacy.compliance import check_selections, selections

    assert "data warehouse export (R04)" in {s.name for s in selections()}
    assert [f for f in check_selections(TODAY) if "R04" in f.message] == []

    disclosure, rows = warehouse_export(**PERIOD, actor=staff)
    subscription = Subscription.objects.get(person=adult)
    assert rows == [
        {
            "month": TODAY.replace(day=1),
            "count": 2,
            "person__date_of_birth": dt.date(1970, 3, 1),
            "person__gender": "f",
            "person__library_profile__target_group": adult.library_profile.target_group,
            "person__library_subscriptions__started_on": subscription.started_on,
            "person__library_subscriptions__ended_on": None,
        }
    ]
    assert _released(disclosure) == {adult.pk}
    assert (disclosure.recipient, disclosure.purpose, disclosure.person_count) == ("R04", "marketing_statistics", 1)


def test_a_member_who_came_back_is_one_row_per_month_with_the_latest_subscription(rules, staff):
    from kolk.library.services.members import subscription_end

    person = PersonFactory(with_pass=True)
    subscription_start(
        person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, started_on=TODAY - dt.timedelta(800)
    )
    subscription_end(
        subscription=Subscription.objects.get(person=person), on=TODAY - dt.timedelta(days=400), actor=staff
    )
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    _borrow(person, "book", staff)
    _disclosure, rows = warehouse_export(**PERIOD, actor=staff)
    assert len(rows) == 1
    assert rows[0]["person__library_subscriptions__ended_on"] is None


def test_bibliotheek_nl_gets_the_users_of_its_services_with_name_email_and_pass(rules, staff):
    user = _member(staff, emails=["lezer@example.nl"])
    reader_of_books = _member(staff, emails=["boek@example.nl"])
    objector = _member(staff, emails=["bezwaar@example.nl"])
    restricted = _member(staff, emails=["beperkt@example.nl"])
    for person in (user, objector, restricted):
        _borrow(person, "audiobook", staff)
    _borrow(reader_of_books, "book", staff)
    restriction_record(subject=restricted, restricted=True, reason="Juistheid betwist", actor=staff)
    # Lending (L01, L02) rests on the contract: an objection does not stop the service the member asked for.
    assert "lending" not in get_register().honoured_objections("digital_services")

    disclosure, rows = digital_services_export(**PERIOD, actor=staff)
    assert [r["address"] for r in rows] == ["lezer@example.nl", "bezwaar@example.nl"]
    assert rows[0] == {
        "person__given_name": user.given_name,
        "person__surname_prefix": user.surname_prefix,
        "person__surname": user.surname,
        "address": "lezer@example.nl",
        "person__pass_number": user.pass_number,
    }
    assert _released(disclosure) == {user.pk, objector.pk}


def test_muziekweb_gets_only_the_pass_numbers_of_who_borrowed_music_or_film(rules, staff):
    listener = _member(staff)
    reader = _member(staff)
    restricted = _member(staff)
    _borrow(listener, "dvd", staff)
    _borrow(restricted, "cd", staff)
    _borrow(reader, "book", staff)
    restriction_record(subject=restricted, restricted=True, reason="Bezwaar in behandeling", actor=staff)
    disclosure, rows = music_film_export(**PERIOD, actor=staff)
    assert rows == [{"pass_number": listener.pass_number}]
    assert _released(disclosure) == {listener.pk}
    old = {"start": TODAY - dt.timedelta(days=60), "end": TODAY - dt.timedelta(days=30)}
    assert music_film_export(**old, actor=staff)[1] == []


def test_each_export_costs_the_same_queries_for_two_members_as_for_six(rules, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost() -> list[int]:
        counts = []
        for export in (warehouse_export, digital_services_export, music_film_export):
            with CaptureQueriesContext(connection) as queries:
                export(**PERIOD, actor=staff)
            counts.append(len(queries))
        return counts

    people = [_member(staff, emails=[f"lid{i}@example.nl"]) for i in range(6)]
    for person in people[:2]:
        _borrow(person, "audiobook", staff)
        _borrow(person, "cd", staff)
    two = cost()
    for person in people[2:]:
        _borrow(person, "audiobook", staff)
        _borrow(person, "cd", staff)
    assert cost() == two
