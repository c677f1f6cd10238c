"""At the desk: the loan slip mailed through the outbox, a damaged copy refused, check-in that sends copies on."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.comms.models import OutboxMessage
from kolk.library.models import Copy
from kolk.library.services.catalogue import copy_status_set
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_place
from tests.factories import PersonFactory
from tests.library.conftest import copy, member, rules
from tests.library.factories import BranchFactory, CopyFactory, SubscriptionTypeFactory

__all__ = ["copy", "member", "rules"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def feedback(response) -> str:
    return response.content.decode().split('id="feedback"', 1)[1].split("</ul>", 1)[0]


def slips():
    return OutboxMessage.objects.filter(template="library_loan_slip")


def test_the_loan_slip_is_mailed_once_per_visit_and_slip(desk, member, staff):
    member.emails.create(address="noor@example.nl", is_primary=True)
    first, second = CopyFactory(), CopyFactory()
    desk.get(reverse("desk:library_member", args=[member.pk]))
    desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": first.barcode})
    url = reverse("desk:library_slip_mail", args=[member.pk])
    answer = desk.post(url, follow=True)
    assert "Uitleenbon gemaild" in feedback(answer)
    desk.post(url)  # a double click
    assert slips().count() == 1
    mail = slips().get()
    assert (mail.to_address, mail.purpose, mail.kind) == ("noor@example.nl", "lending", "service")
    assert first.title.title in mail.text_body
    # One more item in the same visit: a new slip, mailed once more.
    desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": second.barcode})
    desk.post(url)
    desk.post(url)
    assert slips().count() == 2
    assert second.title.title in slips().order_by("-pk").first().text_body
    # The next visit may mail the same slip again.
    desk.get(reverse("desk:library_member", args=[PersonFactory().pk]))
    desk.get(reverse("desk:library_member", args=[member.pk]))
    desk.post(url)
    assert slips().count() == 3


def test_without_an_email_address_the_desk_is_told_and_nothing_is_queued(desk, member, copy):
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    answer = desk.post(reverse("desk:library_slip_mail", args=[member.pk]), follow=True)
    said = feedback(answer)
    assert 'class="error"' in said
    assert "geen e-mailadres" in said
    assert not slips().exists()
    page = desk.get(reverse("desk:library_member", args=[member.pk])).content.decode()
    assert 'id="slip-mail"' in page


def test_nothing_lent_nothing_to_mail(desk, member):
    member.emails.create(address="noor@example.nl", is_primary=True)
    said = feedback(desk.post(reverse("desk:library_slip_mail", args=[member.pk]), follow=True))
    assert "niets geleend" in said
    assert not slips().exists()


def test_a_damaged_copy_is_refused_beside_the_field_with_what_to_do(desk, member, staff):
    copy = CopyFactory()
    copy_status_set(copy=copy, status="damaged", actor=staff)
    said = feedback(
        desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": copy.barcode}, follow=True)
    )
    assert 'class="error"' in said
    assert "beschadigd" in said
    assert "ander exemplaar" in said


def test_the_title_page_marks_a_copy_damaged_and_says_where_one_in_transit_goes(client, member):
    from kolk.core.roles import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    assen, emmen = BranchFactory(code="assen", name="DNK Assen"), BranchFactory(code="emmen", name="DNK Emmen")
    broken, moving = CopyFactory(branch=assen), CopyFactory(branch=assen)
    Copy.objects.filter(pk=moving.pk).update(title=broken.title, status="in_transit", transit_to=emmen)
    page = client.get(reverse("desk:library_title", args=[broken.title_id])).content.decode()
    assert '<option value="damaged">beschadigd</option>' in page
    client.post(reverse("desk:library_copy_status", args=[broken.pk]), {"status": "damaged"})
    statuses = client.get(reverse("desk:library_title", args=[broken.title_id])).content.decode()
    assert statuses.count('class="copy-status">beschadigd<') == 1
    assert 'class="copy-status">onderweg naar DNK Emmen<' in statuses
    refused = client.post(reverse("desk:library_copy_status", args=[moving.pk]), {"status": "lost"}, follow=True)
    assert "onderweg" in refused.content.decode()
    assert Copy.objects.get(pk=moving.pk).status == "in_transit"


def test_check_in_at_another_branch_sends_the_copy_and_the_list_says_where(desk, member, staff):
    assen, _emmen = BranchFactory(code="assen", name="DNK Assen"), BranchFactory(code="emmen", name="DNK Emmen")
    home, held = CopyFactory(branch=assen), CopyFactory(branch=assen)
    for c in (home, held):
        loan_checkout(copy_barcode=c.barcode, person=member, actor=staff)
    waiting = PersonFactory(given_name="Wim", surname="Wachter")
    subscription_start(person=waiting, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    reservation_place(title=held.title, person=waiting, pickup_branch=assen, actor=staff)
    desk.post(reverse("desk:workstation"), {"branch": "emmen"})
    checkin = reverse("desk:library_checkin")
    said = feedback(desk.post(checkin, {"barcode": home.barcode}, follow=True))
    assert "Terug naar vestiging DNK Assen." in said
    said = feedback(desk.post(checkin, {"barcode": held.barcode}, follow=True))
    assert "Naar vestiging DNK Assen: reservering van Wim Wachter." in said
    assert Copy.objects.get(pk=held.pk).status == "in_transit"
    # At Assen: the copy for Wim goes in the afhaalkast, the other back on the shelf.
    desk.post(reverse("desk:workstation"), {"branch": "assen"})
    said = feedback(desk.post(checkin, {"barcode": held.barcode}, follow=True))
    assert "Leg klaar voor Wim Wachter in de afhaalkast" in said
    answer = desk.post(checkin, {"barcode": home.barcode}, follow=True)
    assert "Terugzetten in de kast." in feedback(answer)
    rows = answer.content.decode().split('id="checked-in"', 1)[1]
    assert rows.count(home.barcode) == 2
    assert rows.count(held.barcode) == 2
    assert (Copy.objects.get(pk=home.pk).status, Copy.objects.get(pk=held.pk).status) == ("available", "on_hold")


def test_without_a_workstation_a_copy_not_lent_is_refused_as_before(desk, copy):
    said = feedback(desk.post(reverse("desk:library_checkin"), {"barcode": copy.barcode}, follow=True))
    assert "niet uitgeleend" in said


def test_pulled_from_the_shelf_and_scanned_the_copy_leaves_the_pull_list(desk, staff):
    assen, emmen = BranchFactory(code="assen", name="DNK Assen"), BranchFactory(code="emmen", name="DNK Emmen")
    copy = CopyFactory(branch=assen)
    waiting = PersonFactory(given_name="Wim", surname="Wachter")
    subscription_start(person=waiting, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    reservation_place(title=copy.title, person=waiting, pickup_branch=emmen, actor=staff)
    desk.post(reverse("desk:workstation"), {"branch": "assen"})
    pulls = desk.get(reverse("desk:library_pulls")).content.decode()
    assert "scan ze bij Innemen" in pulls
    row = pulls.split('id="pulls"', 1)[1].split(copy.barcode, 1)[1].split("</tr>", 1)[0]
    assert "naar DNK Emmen" in row
    said = feedback(desk.post(reverse("desk:library_checkin"), {"barcode": copy.barcode}, follow=True))
    assert "Naar vestiging DNK Emmen: reservering van Wim Wachter." in said
    assert copy.barcode not in desk.get(reverse("desk:library_pulls")).content.decode()
    assert Copy.objects.get(pk=copy.pk).status_words() == "onderweg naar DNK Emmen"
