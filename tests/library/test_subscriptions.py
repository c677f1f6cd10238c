"""Subscriptions: fee by age, ID seen (who/when, no document), renew, cancel, end, family, blocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kolk.core.errors import KolkError
from kolk.library.models import Block, Fee, MemberProfile, Subscription
from kolk.library.selectors import blocks_standing, subscription_current
from kolk.library.services.members import (
    add_period,
    block_lift,
    block_message,
    block_set,
    subscription_cancel,
    subscription_end,
    subscription_renew,
    subscription_start,
    subscriptions_roll,
)
from kolk.people.services import household_create
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


def born(years: int, days: int = 0) -> dt.date:
    return dt.date(TODAY.year - years, TODAY.month, min(TODAY.day, 28)) - dt.timedelta(days=days)


@pytest.mark.parametrize(("age", "fee"), [(5, 0), (17, 0), (18, 2500), (25, 2500), (26, 4950), (70, 4950)])
def test_fee_follows_the_age_band(staff, age, fee):
    person = PersonFactory(date_of_birth=born(age, 10))
    guardian = PersonFactory() if age < 16 else None
    sub = subscription_start(
        person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, guardian=guardian
    )
    assert sub.fee_cents == fee
    assert Fee.objects.filter(person=person, kind="subscription").count() == (1 if fee else 0)


def test_the_desk_records_who_saw_the_id_and_when_not_the_document(staff):
    person = PersonFactory()
    sub = subscription_start(person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    assert sub.id_seen_by == staff
    assert sub.id_seen_at is not None
    names = {f.name for f in Subscription._meta.get_fields()}
    assert not names & {"id_number", "document_number", "document", "id_document"}
    with pytest.raises(ValidationError) as exc:
        subscription_start(person=PersonFactory(), type=SubscriptionTypeFactory(), actor=staff, id_seen=False)
    assert "id_seen" in exc.value.message_dict


def test_a_second_running_subscription_is_refused(staff):
    person = PersonFactory()
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    with pytest.raises(KolkError):
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)


def test_a_child_needs_a_guardian_and_the_relation_is_recorded(staff):
    child = PersonFactory(date_of_birth=born(9))
    with pytest.raises(ValidationError) as exc:
        subscription_start(person=child, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    assert "guardian" in exc.value.message_dict
    parent = PersonFactory()
    subscription_start(person=child, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, guardian=parent)
    assert child.privacy_guardian_ids() == {parent.pk}
    assert MemberProfile.objects.get(person=child).target_group == "child"


def test_renewal_recomputes_the_fee_from_the_age_at_renewal(staff):
    person = PersonFactory(date_of_birth=born(18, -100))  # turns 18 in 100 days: free now
    sub = subscription_start(
        person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, guardian=PersonFactory()
    )
    assert sub.fee_cents == 0
    sub = subscription_renew(subscription=sub, actor=staff)
    assert sub.fee_cents == 2500
    assert sub.renews_on == add_period(add_period(TODAY, "yearly"), "yearly")


def test_monthly_period_clamps_to_the_end_of_the_month():
    assert add_period(dt.date(2026, 1, 31), "monthly") == dt.date(2026, 2, 28)
    assert add_period(dt.date(2024, 2, 29), "yearly") == dt.date(2025, 2, 28)


def test_cancel_keeps_the_reason_and_the_daily_roll_ends_it(staff):
    person = PersonFactory()
    sub = subscription_start(person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    with pytest.raises(ValidationError):
        subscription_cancel(subscription=sub, reason="because", actor=staff)
    subscription_cancel(subscription=sub, reason="moved", note="naar Groningen", actor=staff)
    assert subscription_current(person) == sub  # runs to the end of the paid period
    result = subscriptions_roll(on=sub.renews_on, actor=None)
    assert result == {"renewed": 0, "ended": 1}
    sub.refresh_from_db()
    assert (sub.status, sub.ended_on, sub.end_reason) == ("ended", sub.renews_on, "moved")
    assert subscription_current(person) is None
    assert AuditEntry.objects.filter(action="subscription.cancelled").count() == 1


def test_the_daily_roll_renews_auto_renewing_subscriptions(staff):
    sub = subscription_start(person=PersonFactory(), type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    assert subscriptions_roll(on=sub.renews_on, actor=None) == {"renewed": 1, "ended": 0}


def test_end_now(staff):
    sub = subscription_start(person=PersonFactory(), type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    subscription_end(subscription=sub, actor=staff, reason="deceased")
    assert sub.status == "ended"
    assert sub.ended_on == TODAY


def test_a_family_subscription_serves_the_whole_household(staff):
    adult, child = PersonFactory(), PersonFactory(date_of_birth=born(8))
    household_create(name="Familie Test", members=[adult, child], actor=staff)
    adult.refresh_from_db()
    child.refresh_from_db()
    family = SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True)
    with pytest.raises(ValidationError):
        subscription_start(person=PersonFactory(), type=family, actor=staff, id_seen=True)
    sub = subscription_start(person=adult, type=family, actor=staff, id_seen=True)
    assert subscription_current(child) == sub
    assert subscription_current(PersonFactory()) is None


def test_blocks_have_a_reason_and_say_why(staff):
    person = PersonFactory()
    with pytest.raises(ValidationError):
        block_set(person=person, reason="grumpy", actor=staff)
    block = block_set(person=person, reason="manual", note="pas kwijt", actor=staff)
    assert block_set(person=person, reason="manual", actor=staff) == block  # one standing block per reason
    block_set(person=person, reason="unpaid", actor=staff)
    assert sorted(blocks_standing(person)) == ["manual", "unpaid"]
    assert "openstaande betaling" in block_message(blocks_standing(person))
    block_lift(block=block, actor=staff)
    assert blocks_standing(person) == ["unpaid"]
    assert Block.objects.get(pk=block.pk).lifted_by == staff


def test_target_groups_follow_birthdays_and_school(staff):
    from kolk.library.services.members import target_groups_refresh

    turning_18 = PersonFactory(date_of_birth=born(18))  # 18 today
    senior = PersonFactory(date_of_birth=born(65))
    for person in (turning_18, senior):
        subscription_start(
            person=person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True, guardian=PersonFactory()
        )
    MemberProfile.objects.update(target_group="unknown")
    assert target_groups_refresh(on=TODAY) == 2
    assert MemberProfile.objects.get(person=turning_18).target_group == "young_adult"
    assert MemberProfile.objects.get(person=senior).target_group == "senior"
    assert target_groups_refresh(on=TODAY) == 0
    yesterday = TODAY - dt.timedelta(days=1)
    target_groups_refresh(on=yesterday)
    assert MemberProfile.objects.get(person=turning_18).target_group == "teen"


def test_activity_moves_forward_only_and_a_second_touch_the_same_day_writes_nothing():
    from django.db import connection

    from kolk.library.services.members import activity_touch

    person = PersonFactory()
    activity_touch(person_id=person.pk, on=TODAY - dt.timedelta(days=3))
    activity_touch(person_id=person.pk, on=TODAY)
    activity_touch(person_id=person.pk, on=TODAY - dt.timedelta(days=1))  # a late entry keeps the later date
    assert MemberProfile.objects.get(person=person).last_activity_on == TODAY
    if connection.vendor == "postgresql":  # an update writes a new row version at a new place (ctid)
        version = "SELECT ctid::text FROM library_memberprofile WHERE person_id = %s"
        with connection.cursor() as cursor:
            cursor.execute(version, [person.pk])
            before = cursor.fetchone()
            activity_touch(person_id=person.pk, on=TODAY)
            cursor.execute(version, [person.pk])
            assert cursor.fetchone() == before
