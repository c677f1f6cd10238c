"""Library desk pages: roles, registering a family, scanning out and in, reserving, blocking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.core.roles import Role
from kolk.library.models import Block, Loan, Reservation, Subscription
from kolk.people.models import FamilyRelation, Person
from tests.factories import UserFactory
from tests.library.conftest import copy, member, rules
from tests.library.factories import BranchFactory, CopyFactory, SubscriptionTypeFactory

__all__ = ["copy", "member", "rules"]
pytestmark = pytest.mark.django_db

FAMILY = {
    "surname": "Jansen",
    "street": "Kerkstraat",
    "house_number": "12",
    "postcode": "9401 AB",
    "town": "Assen",
    "adult1_given": "Anna",
    "adult1_born": "1985-04-02",
    "adult1_email": "anna@example.nl",
    "adult2_given": "Bert",
    "adult2_born": "1983-09-20",
    "child1_given": "Cas",
    "child1_born": "2016-06-01",
    "type": "gezin",
    "id_seen": "on",
}


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def test_pages_need_the_desk_or_library_staff(client):
    client.force_login(UserFactory(roles=[Role.MARKETING]))
    assert client.get(reverse("desk:library_checkin")).status_code == 403
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    assert client.get(reverse("desk:library_checkin")).status_code == 200


def test_register_a_family_in_one_form(desk, staff):
    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True, fee_adult_cents=8900)
    response = desk.post(reverse("desk:library_register"), FAMILY)
    anna = Person.objects.get(given_name="Anna")
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:library_member", args=[anna.pk])
    cas = Person.objects.get(given_name="Cas")
    assert cas.household_id == anna.household_id is not None
    assert FamilyRelation.objects.filter(person=cas, relative=anna, kind="guardian").exists()
    subscription = Subscription.objects.get()
    assert (subscription.person, subscription.fee_cents, subscription.id_seen_by) == (anna, 8900, staff)


def test_a_new_member_gets_the_newsletter_unless_they_say_no_then(desk):
    from kolk.comms.models import NewsletterSubscription
    from kolk.privacy.ledger import is_objecting

    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True)
    desk.post(reverse("desk:library_register"), FAMILY)
    anna = Person.objects.get(given_name="Anna")
    subscription = NewsletterSubscription.objects.get(person=anna)
    assert (subscription.source, subscription.offered_opt_out) == ("member_registration", True)
    desk.post(
        reverse("desk:library_register"),
        {**FAMILY, "surname": "Smit", "adult1_email": "a.smit@example.nl", "no_newsletter": "on"},
    )
    smit = Person.objects.get(surname="Smit", given_name="Anna")
    assert not NewsletterSubscription.objects.filter(person=smit).exists()
    assert is_objecting(smit, "newsletter")


def test_registering_without_seeing_an_id_writes_nothing(desk):
    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True)
    response = desk.post(reverse("desk:library_register"), {**FAMILY, "id_seen": ""})
    assert response.status_code == 200
    assert "identiteitsbewijs" in response.content.decode().lower()
    assert Person.objects.count() == 0


def test_scan_out_and_in_and_the_hold(desk, member, copy, staff, django_assert_max_num_queries):
    BranchFactory()
    response = desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": copy.barcode}, follow=True)
    assert "Uitgeleend" in response.content.decode()
    assert Loan.objects.filter(person=member, returned_at__isnull=True).count() == 1
    page = desk.get(reverse("desk:library_member", args=[member.pk])).content.decode()
    assert copy.title.title in page
    assert "data-scan" in page
    assert "autofocus" not in page
    response = desk.post(reverse("desk:library_checkin"), {"barcode": copy.barcode}, follow=True)
    assert "Ingenomen" in response.content.decode()
    assert "Terugzetten" in response.content.decode()
    response = desk.post(reverse("desk:library_checkin"), {"barcode": copy.barcode}, follow=True)
    assert "niet uitgeleend" in response.content.decode()


def test_reserve_then_check_in_says_hold_for_whom(desk, member, copy, staff):
    from kolk.library.services.loans import loan_checkout
    from kolk.library.services.members import subscription_start
    from tests.factories import PersonFactory

    borrower = PersonFactory()
    subscription_start(person=borrower, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    loan_checkout(copy_barcode=copy.barcode, person=borrower, actor=staff)
    desk.post(reverse("desk:library_reserve", args=[member.pk]), {"title": copy.title_id, "branch": copy.branch.code})
    assert Reservation.objects.get().status == "waiting"
    response = desk.post(reverse("desk:library_checkin"), {"barcode": copy.barcode}, follow=True)
    assert f"Leg klaar voor {member.full_name} in de afhaalkast" in response.content.decode()
    desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": copy.barcode})
    assert Reservation.objects.get().status == "fulfilled"


def test_block_stops_checkout_with_the_reason_and_unblock(desk, member, copy):
    desk.post(reverse("desk:library_block", args=[member.pk]), {"reason": "unpaid", "note": "factuur"})
    block = Block.objects.get()
    response = desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": copy.barcode}, follow=True)
    assert "openstaande betaling" in response.content.decode()
    assert Loan.objects.count() == 0
    desk.post(reverse("desk:library_unblock", args=[block.pk]))
    desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": copy.barcode})
    assert Loan.objects.count() == 1


def test_the_member_page_takes_a_bounded_number_of_queries(desk, member, django_assert_max_num_queries):
    for _ in range(5):
        c = CopyFactory()
        desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": c.barcode})
    with django_assert_max_num_queries(30):
        assert desk.get(reverse("desk:library_member", args=[member.pk])).status_code == 200


def test_invoice_the_open_amounts_from_the_member_page(desk, member):
    response = desk.post(reverse("desk:library_invoice", args=[member.pk]), follow=True)
    page = response.content.decode()
    assert "Gefactureerd" in page
    assert "abonnement bibliotheek" in page


def test_start_a_subscription_for_a_known_child_with_a_guardians_pass(desk, staff):
    from tests.factories import PersonFactory

    SubscriptionTypeFactory()
    parent = PersonFactory(with_pass=True)
    child = PersonFactory(date_of_birth=dt.date(2019, 3, 1))
    url = reverse("desk:library_subscribe", args=[child.pk])
    response = desk.post(url, {"type": "basis", "id_seen": "on"}, follow=True)
    assert "ouder of voogd" in response.content.decode()
    assert not Subscription.objects.exists()
    desk.post(url, {"type": "basis", "id_seen": "on", "guardian": parent.pass_number})
    subscription = Subscription.objects.get()
    assert (subscription.person, subscription.fee_cents) == (child, 0)
    assert FamilyRelation.objects.filter(person=child, relative=parent, kind="guardian").exists()


def test_registration_asks_before_a_second_record_of_someone_known(desk):
    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True)
    desk.post(reverse("desk:library_register"), FAMILY)
    count = Person.objects.count()
    # The same family again: the desk sees who it may be, nothing is made.
    again = desk.post(reverse("desk:library_register"), FAMILY)
    html = again.content.decode()
    assert again.status_code == 200
    assert 'id="duplicates"' in html
    assert "Anna Jansen" in html
    assert Person.objects.count() == count
    # The same email under another name is a match too.
    other = {**FAMILY, "surname": "Smit", "adult2_given": ""}
    assert 'id="duplicates"' in desk.post(reverse("desk:library_register"), other).content.decode()
    # Confirmed after looking: a new record.
    response = desk.post(reverse("desk:library_register"), {**other, "confirm_new": "on"})
    assert response.status_code == 302
    assert Person.objects.count() == count + 2  # Anna and Cas Smit


def test_registration_takes_the_scanned_card_the_phone_and_the_consent_answer(desk, staff):
    from kolk.people.services import new_pass_number
    from kolk.privacy.ledger import has_consent
    from kolk.privacy.models import PrivacyChoice

    SubscriptionTypeFactory(code="gezin", name="Gezin", is_family=True)
    card, kid_card = new_pass_number(), new_pass_number()
    data = {
        **FAMILY,
        "adult1_pass": card,
        "child1_pass": kid_card,
        "adult1_phone": "0592 123456",
        "reading_advice": "on",
    }
    assert desk.post(reverse("desk:library_register"), data).status_code == 302
    anna = Person.objects.get(given_name="Anna")
    assert anna.pass_number == card
    assert Person.objects.get(given_name="Cas").pass_number == kid_card
    assert anna.phones.count() == 1
    assert has_consent(anna, "notices_advice")
    choice = PrivacyChoice.objects.filter(purpose="notices_advice").latest("pk")
    assert choice.method == "desk"
    # A card that is not a pass, or one already in use, is refused next to its field; nothing is made.
    count = Person.objects.count()
    bad = desk.post(
        reverse("desk:library_register"), {**FAMILY, "surname": "Visser", "adult1_email": "", "adult1_pass": "12345"}
    )
    assert "geen pasnummer" in bad.content.decode()
    taken = desk.post(
        reverse("desk:library_register"), {**FAMILY, "surname": "Visser", "adult1_email": "", "adult1_pass": card}
    )
    assert "al bij iemand anders" in taken.content.decode()
    assert Person.objects.count() == count
