"""A check-in over the API is taken in at a branch, as the desk takes it in at its workstation.

The call names the branch (`branch`), else the caller's own branch counts; the
answer says where the copy goes (`route`, `destination_branch`), as the desk
and a kiosk's SIP2 alert do.
"""

from __future__ import annotations

import pytest

from kolk.library.models import Copy, Loan, Reservation
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_place
from kolk.people.services import staff_home_branch_set
from tests.factories import PersonFactory
from tests.library.factories import BranchFactory, CopyFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
CHECKIN = "/api/v1/library/loans/checkin"


@pytest.fixture
def branches(db):
    return BranchFactory(code="assen", name="DNK Assen"), BranchFactory(code="beilen", name="Bibliotheek Beilen")


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def _waiting(title, pickup):
    person = PersonFactory(with_pass=True)
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return reservation_place(title=title, person=person, pickup_branch=pickup, actor=None)


def _checkin(desk, barcode, **more):
    return desk.post(CHECKIN, {"copy_barcode": barcode, **more}, content_type="application/json")


def test_a_reservation_elsewhere_sends_the_copy_there(desk, member, branches):
    assen, beilen = branches
    copy = CopyFactory(branch=assen)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    reservation = _waiting(copy.title, beilen)
    r = _checkin(desk, copy.barcode, branch="assen")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["route"], body["destination_branch"], body["at_branch"]) == ("transit", "beilen", "assen")
    assert (body["pickup_branch"], body["hold_for_reservation"]) == ("beilen", reservation.pk)
    assert body["permanent_branch"] == "assen"
    assert body["loan"]["returned_at"] is not None
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.WAITING  # ready when it is taken in at Beilen
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.IN_TRANSIT


def test_a_reservation_here_goes_in_the_afhaalkast(desk, member, branches):
    assen, beilen = branches
    copy = CopyFactory(branch=assen)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    reservation = _waiting(copy.title, beilen)
    body = _checkin(desk, copy.barcode, branch="beilen").json()
    assert (body["route"], body["destination_branch"], body["at_branch"]) == ("hold_shelf", "beilen", "beilen")
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.READY


def test_without_a_branch_in_the_call_the_callers_own_branch_counts(desk, staff, member, branches):
    assen = branches[0]
    staff_home_branch_set(user=staff, branch_code="beilen", actor=None)
    copy = CopyFactory(branch=assen)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    body = _checkin(desk, copy.barcode).json()
    assert (body["route"], body["destination_branch"], body["at_branch"]) == ("transit", "assen", "beilen")
    copy.refresh_from_db()
    assert (copy.status, copy.transit_to_id) == (Copy.Status.IN_TRANSIT, assen.pk)
    # Back home the copy is scanned again: not lent, it arrives, and goes on the shelf.
    body = _checkin(desk, copy.barcode, branch="assen").json()
    assert body["loan"] is None
    assert (body["route"], body["destination_branch"]) == ("shelf", "assen")
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.AVAILABLE


def test_an_unknown_branch_is_refused_at_its_field_and_nothing_is_taken_in(desk, member, branches):
    copy = CopyFactory(branch=branches[0])
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    r = _checkin(desk, copy.barcode, branch="nergens")
    assert r.status_code == 422
    assert "branch" in r.json()["fields"]
    assert "vestiging" in r.json()["message"]
    assert Loan.objects.get(copy=copy).returned_at is None
    r = _checkin(desk, copy.barcode, branch="x" * 21)
    assert r.status_code == 422


def test_a_copy_on_the_shelf_is_still_refused(desk, branches):
    copy = CopyFactory(branch=branches[0])
    r = _checkin(desk, copy.barcode, branch="assen")
    assert r.status_code == 409
    assert "niet uitgeleend" in r.json()["message"]
