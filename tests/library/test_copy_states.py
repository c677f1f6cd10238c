"""A copy's states beyond lent and held: damaged (not lendable), and in transit between branches."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kolk.comms.models import OutboxMessage
from kolk.core.errors import KolkError
from kolk.library.models import Copy, Reservation
from kolk.library.selectors import pull_list
from kolk.library.services.catalogue import copy_status_set
from kolk.library.services.loans import copy_receive, loan_checkin, loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_cancel, reservation_place
from kolk.web.selectors import catalogue_availability, title_availability
from tests.factories import PersonFactory
from tests.library.factories import BranchFactory, CopyFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assen(db):
    return BranchFactory(code="assen", name="DNK Assen")


@pytest.fixture
def emmen(db):
    return BranchFactory(code="emmen", name="DNK Emmen")


def subscriber():
    person = PersonFactory(emails=["wacht@example.nl"])
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return person


def state(copy):
    copy.refresh_from_db()
    return copy.status, copy.transit_to_id


def ready_mails():
    return OutboxMessage.objects.filter(template="library_reservation_ready").count()


def test_a_damaged_copy_is_refused_at_checkout_and_counts_nowhere(member, staff, assen):
    copy = CopyFactory(branch=assen)
    copy_status_set(copy=copy, status="damaged", actor=staff)
    with pytest.raises(KolkError, match="beschadigd") as refused:
        loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    assert refused.value.code == "damaged"
    # Not on the shelf, not in circulation: the catalogue says the title is not available.
    assert catalogue_availability([copy.title_id]) == {}
    assert title_availability(copy.title) == []
    # Repaired: back on the shelf, and lendable again.
    copy_status_set(copy=copy, status="available", actor=staff)
    assert catalogue_availability([copy.title_id]) == {copy.title_id: (1, 1)}
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)


def test_a_lent_copy_cannot_be_marked_damaged_nor_given_an_unknown_status(member, staff, copy):
    with pytest.raises(ValidationError):
        copy_status_set(copy=copy, status="in_transit", actor=staff)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    with pytest.raises(KolkError, match="uitgeleend"):
        copy_status_set(copy=copy, status="damaged", actor=staff)


def test_taken_in_at_another_branch_the_copy_goes_home_in_transit(member, staff, assen, emmen):
    copy = CopyFactory(branch=assen)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    result = loan_checkin(copy_barcode=copy.barcode, actor=staff, at_branch=emmen)
    assert (result.hold_for, result.transit_to) == (None, assen)
    assert state(copy) == ("in_transit", assen.pk)
    assert Copy.objects.get(pk=copy.pk).status_words() == "onderweg naar DNK Assen"
    # In transit is not on the shelf: the catalogue counts it in circulation, not present.
    assert catalogue_availability([copy.title_id]) == {copy.title_id: (0, 1)}
    assert title_availability(copy.title)[0]["on_shelf"] == 0
    with pytest.raises(KolkError, match="onderweg naar DNK Assen"):
        loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    # Scanned on the way (in Emmen again) it only goes on; in Assen it is back on the shelf.
    assert copy_receive(copy_barcode=copy.barcode, at_branch=emmen, actor=staff).transit_to == assen
    assert state(copy) == ("in_transit", assen.pk)
    arrival = copy_receive(copy_barcode=copy.barcode, at_branch=assen, actor=staff)
    assert (arrival.transit_to, arrival.hold_for) == (None, None)
    assert state(copy) == ("available", None)
    assert catalogue_availability([copy.title_id]) == {copy.title_id: (1, 1)}


def test_a_hold_for_another_branch_travels_and_is_ready_only_where_it_is_picked_up(member, staff, assen, emmen):
    copy = CopyFactory(branch=assen)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    waiting = subscriber()
    reservation = reservation_place(title=copy.title, person=waiting, pickup_branch=emmen, actor=staff)
    result = loan_checkin(copy_barcode=copy.barcode, actor=staff, at_branch=assen)
    assert (result.hold_for, result.transit_to) == (reservation, emmen)
    assert state(copy) == ("in_transit", emmen.pk)
    reservation.refresh_from_db()
    assert (reservation.status, reservation.copy_id) == ("waiting", copy.pk)
    assert ready_mails() == 0  # not ready yet: the member hears when it is in Emmen
    # A second copy of the title taken in meanwhile does not go to the same reservation.
    other = CopyFactory(title=copy.title, branch=assen)
    loan_checkout(copy_barcode=other.barcode, person=member, actor=staff)
    assert loan_checkin(copy_barcode=other.barcode, actor=staff, at_branch=assen).hold_for is None
    assert state(other) == ("available", None)
    # In transit, it is on nobody's pull list.
    assert list(pull_list(assen)) == list(pull_list(emmen)) == []
    arrival = copy_receive(copy_barcode=copy.barcode, at_branch=emmen, actor=staff)
    assert arrival.hold_for == reservation
    assert state(copy) == ("on_hold", None)
    reservation.refresh_from_db()
    assert (reservation.status, reservation.ready_on is not None) == ("ready", True)
    assert ready_mails() == 1
    assert list(pull_list(emmen)) == []  # it came over the desk into the afhaalkast
    loan_checkout(copy_barcode=copy.barcode, person=waiting, actor=staff)
    reservation.refresh_from_db()
    assert reservation.status == "fulfilled"


def test_without_a_branch_check_in_keeps_its_old_answer(member, staff, assen, emmen):
    """A kiosk or the API does not say where it stands: the hold is ready at once, as before."""
    copy = CopyFactory(branch=assen)
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    reservation = reservation_place(title=copy.title, person=subscriber(), pickup_branch=emmen, actor=staff)
    assert loan_checkin(copy_barcode=copy.barcode, actor=staff).hold_for == reservation
    assert state(copy) == ("on_hold", None)


def test_a_copy_on_another_shelf_is_pulled_then_sent_then_ready(staff, assen, emmen):
    copy = CopyFactory(branch=assen)
    waiting = subscriber()
    reservation = reservation_place(title=copy.title, person=waiting, pickup_branch=emmen, actor=staff)
    assert (reservation.status, reservation.copy_id, reservation.to_pull) == ("waiting", copy.pk, True)
    assert ready_mails() == 0
    assert [r.pk for r in pull_list(assen)] == [reservation.pk]
    assert list(pull_list(emmen)) == []
    # Pulled and scanned in Assen: off the pull list, on its way to Emmen.
    sent = copy_receive(copy_barcode=copy.barcode, at_branch=assen, actor=staff)
    assert sent.transit_to == emmen
    assert state(copy) == ("in_transit", emmen.pk)
    assert list(pull_list(assen)) == []
    copy_receive(copy_barcode=copy.barcode, at_branch=emmen, actor=staff)
    reservation.refresh_from_db()
    assert (reservation.status, state(copy), ready_mails()) == ("ready", ("on_hold", None), 1)
    assert list(pull_list(emmen)) == []


def test_a_copy_on_the_pickup_branch_shelf_is_ready_and_pulled_into_the_afhaalkast(staff, assen):
    copy = CopyFactory(branch=assen)
    reservation = reservation_place(title=copy.title, person=subscriber(), pickup_branch=assen, actor=staff)
    assert (reservation.status, ready_mails()) == ("ready", 1)
    assert [r.pk for r in pull_list(assen)] == [reservation.pk]
    copy_receive(copy_barcode=copy.barcode, at_branch=assen, actor=staff)
    assert list(pull_list(assen)) == []
    reservation.refresh_from_db()
    assert (reservation.status, ready_mails()) == ("ready", 1)  # no second mail


def test_cancelling_a_reservation_lets_go_of_its_copy(staff, assen, emmen):
    copy = CopyFactory(branch=assen)
    first = reservation_place(title=copy.title, person=subscriber(), pickup_branch=emmen, actor=staff)
    nxt = PersonFactory(emails=["volgende@example.nl"])
    subscription_start(person=nxt, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    second = reservation_place(title=copy.title, person=nxt, pickup_branch=assen, actor=staff)
    assert second.copy_id is None
    # The copy on Assen's shelf, set aside for Emmen, now serves the next one: pickup in Assen, ready.
    reservation_cancel(reservation=first, actor=staff)
    second.refresh_from_db()
    assert (second.status, second.copy_id, second.to_pull) == ("ready", copy.pk, True)
    reservation_cancel(reservation=second, actor=staff)
    assert state(copy) == ("available", None)


def test_a_copy_whose_reservation_was_cancelled_on_the_way_goes_home_on_arrival(member, staff, assen, emmen):
    copy = CopyFactory(branch=assen)
    reservation = reservation_place(title=copy.title, person=subscriber(), pickup_branch=emmen, actor=staff)
    copy_receive(copy_barcode=copy.barcode, at_branch=assen, actor=staff)
    reservation_cancel(reservation=reservation, actor=staff)
    assert state(copy) == ("in_transit", emmen.pk)  # it is in the van: its arrival decides
    arrival = copy_receive(copy_barcode=copy.barcode, at_branch=emmen, actor=staff)
    assert (arrival.hold_for, arrival.transit_to) == (None, assen)
    assert state(copy) == ("in_transit", assen.pk)
    assert Reservation.objects.get(pk=reservation.pk).status == "cancelled"


def test_a_copy_on_the_shelf_is_not_received(staff, assen):
    copy = CopyFactory(branch=assen)
    with pytest.raises(KolkError, match="niet uitgeleend"):
        copy_receive(copy_barcode=copy.barcode, at_branch=assen, actor=staff)


def test_check_in_into_transit_keeps_the_hot_path_bound(member, staff, assen, emmen, django_assert_max_num_queries):
    """The same bound as a check-in without a branch (tests/library/test_loans.py): no query more."""
    home, held = CopyFactory(branch=assen), CopyFactory(branch=assen)
    for c in (home, held):
        loan_checkout(copy_barcode=c.barcode, person=member, actor=staff)
    reservation_place(title=held.title, person=subscriber(), pickup_branch=emmen, actor=staff)
    with django_assert_max_num_queries(10) as going_home:
        loan_checkin(copy_barcode=home.barcode, actor=staff, at_branch=emmen)
    with django_assert_max_num_queries(10) as to_pickup:
        loan_checkin(copy_barcode=held.barcode, actor=staff, at_branch=assen)
    assert state(home) == ("in_transit", assen.pk)
    assert state(held) == ("in_transit", emmen.pk)
    print(f"queries: check-in into transit home {len(going_home)}, to a pickup branch {len(to_pickup)}")
