"""Joining online: the member, their consents with the texts' versions, the login, the block until the desk
has seen an ID, and the first invoice, all or nothing; someone kolk may know is refused without being told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kolk.billing.models import Invoice
from kolk.core.clock import today
from kolk.core.errors import KolkError
from kolk.library.models import Block, Subscription
from kolk.library.selectors import blocks_standing
from kolk.library.services.joining import (
    JoinDetails,
    JoinRefused,
    join_fees,
    member_join,
    member_join_confirm,
)
from kolk.people.models import Person, User
from kolk.privacy.models import PrivacyChoice
from tests.factories import PersonFactory
from tests.library.factories import SubscriptionTypeFactory, ensure_role_groups

PASSWORD = "zeven-boeken-lezen"


def years_ago(years: int, days: int = 0) -> dt.date:
    on = today()
    return on.replace(year=on.year - years) - dt.timedelta(days=days)


def details(**changes) -> JoinDetails:
    values = {
        "given_name": "Noor",
        "surname_prefix": "van",
        "surname": "Dijk",
        "date_of_birth": years_ago(30),
        "email": "noor@example.nl",
        "phone": "0612345678",
        "street": "Weiersstraat",
        "house_number": 1,
        "house_number_suffix": "",
        "postcode": "9401 ET",
        "town": "Assen",
    }
    values.update(changes)
    return JoinDetails(**values)


@pytest.fixture
def basis(db):
    ensure_role_groups()
    return SubscriptionTypeFactory()


def test_the_fee_follows_the_age_from_the_birth_date(basis):
    assert join_fees(years_ago(30)) == [(basis, 4950)]
    assert join_fees(years_ago(20)) == [(basis, 2500)]
    assert join_fees(years_ago(17)) == [(basis, 0)]


def test_a_family_or_school_type_is_not_offered_online(basis):
    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True)
    SubscriptionTypeFactory(code="school", name="School", is_school=True)
    assert [t.code for t, _fee in join_fees(years_ago(30))] == ["basis"]


def test_joining_makes_a_blocked_member_with_login_consents_and_first_invoice(basis):
    joined = member_join(details=details(), type=basis, password=PASSWORD, newsletter=False, reading_advice=True)
    person = joined.person
    assert person.pass_number
    subscription = Subscription.objects.get(person=person)
    assert subscription.fee_cents == 4950
    assert subscription.id_seen_at is None
    assert subscription.id_seen_by is None
    assert blocks_standing(person) == [Block.Reason.CONFIRM]
    assert joined.user.username == "noor@example.nl"
    assert joined.user.check_password(PASSWORD)
    assert joined.invoice is not None
    assert joined.invoice.total_cents == 4950
    assert joined.invoice.status == Invoice.Status.OPEN
    choices = {(c.kind, c.purpose): c for c in PrivacyChoice.objects.filter(subject_id=person.pk)}
    assert choices[("consent", "website_access")].method == "web"
    assert choices[("consent", "website_access")].text_version.startswith("website_access@")
    assert choices[("consent", "notices_advice")].text_version.startswith("notices_advice@")
    assert choices[("objection", "newsletter")].decision is True


def test_the_desk_confirms_and_lending_may_start(basis, django_user_model):
    joined = member_join(details=details(), type=basis, password=PASSWORD, newsletter=True, reading_advice=False)
    staff = django_user_model.objects.create_user("balie", password="x", is_staff=True)
    subscription = member_join_confirm(person=joined.person, actor=staff)
    assert subscription.id_seen_by == staff
    assert subscription.id_seen_at is not None
    assert blocks_standing(joined.person) == []
    with pytest.raises(KolkError):
        member_join_confirm(person=joined.person, actor=staff)  # once


def test_a_member_cannot_confirm_themself(basis):
    joined = member_join(details=details(), type=basis, password=PASSWORD, newsletter=True, reading_advice=False)
    with pytest.raises(KolkError):
        member_join_confirm(person=joined.person, actor=joined.user)
    assert blocks_standing(joined.person) == [Block.Reason.CONFIRM]


@pytest.mark.parametrize(
    "known",
    [
        {"emails": ["NOOR@example.nl"], "given_name": "Iemand", "surname": "Anders"},
        {"given_name": "noor", "surname": "dijk", "date_of_birth": None},
    ],
)
def test_someone_kolk_may_know_is_refused_and_nothing_is_written(basis, known):
    if known.get("date_of_birth", 1) is None:
        known["date_of_birth"] = years_ago(30)
    PersonFactory(**known)
    people = Person.objects.count()
    with pytest.raises(JoinRefused) as refused:
        member_join(details=details(), type=basis, password=PASSWORD, newsletter=True, reading_advice=False)
    assert "balie" in str(refused.value.message)
    assert "bekend" not in str(refused.value.message)  # it does not say why
    assert Person.objects.count() == people
    assert not User.objects.filter(username="noor@example.nl").exists()


def test_under_sixteen_joins_at_the_desk(basis):
    with pytest.raises(ValidationError) as refused:
        member_join(
            details=details(date_of_birth=years_ago(15, days=-1)),
            type=basis,
            password=PASSWORD,
            newsletter=True,
            reading_advice=False,
        )
    assert "date_of_birth" in refused.value.message_dict
    assert not Person.objects.exists()


def test_a_bad_postcode_writes_nothing(basis):
    with pytest.raises(ValidationError):
        member_join(
            details=details(postcode="12"), type=basis, password=PASSWORD, newsletter=True, reading_advice=False
        )
    assert not Person.objects.exists()
    assert not Subscription.objects.exists()


def test_a_sign_up_that_never_pays_is_given_up_and_erased_by_retention(basis):
    from kolk.billing.services import payment_record
    from kolk.library.services.joining import joins_unpaid_expire
    from kolk.privacy import retention

    unpaid = member_join(details=details(), type=basis, password=PASSWORD, newsletter=False, reading_advice=False)
    paid = member_join(
        details=details(given_name="Sam", email="sam@example.nl", date_of_birth=years_ago(40)),
        type=basis,
        password=PASSWORD,
        newsletter=False,
        reading_advice=False,
    )
    payment_record(invoice=paid.invoice, amount_cents=4950, method="ideal", reference="tr_x", actor=None)
    # Within the rule's 14 days nothing happens, the next day the sign-up is given up.
    assert joins_unpaid_expire(on=today() + dt.timedelta(days=13), actor=None) == 0
    retention.retention_run(actor=None, on=today() + dt.timedelta(days=13))
    assert Person.objects.filter(pk=unpaid.person.pk).exists()
    later = today() + dt.timedelta(days=15)
    assert joins_unpaid_expire(on=later, actor=None) == 1
    assert Invoice.objects.get(pk=unpaid.invoice.pk).status == Invoice.Status.CANCELLED
    retention.retention_run(actor=None, on=later)
    # What the sign-up held goes; the cancelled invoice stays for the fiscal duty, with name and address.
    assert not User.objects.filter(pk=unpaid.user.pk).exists()
    assert not Subscription.objects.filter(person_id=unpaid.person.pk).exists()
    left = Person.objects.get(pk=unpaid.person.pk)
    assert left.date_of_birth is None
    assert not left.emails.exists()
    assert not left.phones.exists()
    assert (left.surname, left.postcode) == ("Dijk", "9401 ET")
    assert Invoice.objects.filter(pk=unpaid.invoice.pk).exists()
    # Who paid is a member, whether or not the desk has seen them yet.
    assert User.objects.filter(pk=paid.user.pk).exists()
    assert Subscription.objects.filter(person=paid.person).exists()


def test_until_the_desk_confirms_the_new_member_cannot_borrow(basis, rules, copy, django_user_model):
    from kolk.library.services.loans import loan_checkout

    joined = member_join(details=details(), type=basis, password=PASSWORD, newsletter=True, reading_advice=False)
    staff = django_user_model.objects.create_user("balie", password="x", is_staff=True)
    with pytest.raises(KolkError) as refused:
        loan_checkout(copy_barcode=copy.barcode, person=joined.person, actor=staff)
    assert "bevestig aan de balie bij je eerste bezoek" in str(refused.value.message)
    member_join_confirm(person=joined.person, actor=staff)
    assert loan_checkout(copy_barcode=copy.barcode, person=joined.person, actor=staff).person == joined.person
