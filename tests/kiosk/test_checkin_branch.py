"""A return at a kiosk is taken in at the kiosk's branch, as the desk takes it in at its workstation.

Spoken by PyPI's `sip2` client over a real socket. The kiosk stands in Assen;
the answer's alert fields say where the copy goes: CV 01 and CT here for the
afhaalkast, CV 02 and CT the pickup branch for a reservation elsewhere, CV 04
and CT its own branch for a copy of another branch; AQ is always its own branch.
"""

from __future__ import annotations

from kolk.library.models import Copy, Reservation
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_place
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory
from tests.kiosk.conftest import sip2_client
from tests.library.factories import CopyFactory, SubscriptionTypeFactory


def _kiosk(sip_server, live_library, tmp_path):
    client = sip2_client(sip_server, tmp_path)
    login = client.sip_login_response(client.get_response(client.sip_login_request("zuil-1", live_library.password)))
    assert login["fixed"]["Ok"] == "1"
    return client


def _checkin(kiosk, barcode):
    return kiosk.sip_checkin_response(kiosk.get_response(kiosk.sip_checkin_request(barcode)))


def _member():
    person = PersonFactory(with_pass=True)
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return person


def test_a_reservation_for_another_branch_sends_the_copy_there_and_is_not_yet_ready(sip_server, live_library, tmp_path):
    copy = live_library.copies[0]
    loan_checkout(copy_barcode=copy.barcode, person=live_library.member, actor=None)
    reservation = reservation_place(title=copy.title, person=_member(), pickup_branch=live_library.other_branch,
                                    actor=None)  # fmt: skip
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    back = _checkin(kiosk, copy.barcode)
    assert (back["fixed"]["Ok"], back["fixed"]["Alert"]) == ("1", "Y")
    assert back["variable"]["CV"] == ["02"]
    assert back["variable"]["CT"] == ["beilen"]
    assert back["variable"]["AQ"] == ["assen"]
    assert "Bibliotheek Beilen" in back["variable"]["AF"][0]
    copy.refresh_from_db()
    reservation.refresh_from_db()
    # On its way: ready, and the member told, only when it is taken in at Beilen.
    assert (copy.status, copy.transit_to_id) == (Copy.Status.IN_TRANSIT, live_library.other_branch.pk)
    assert (reservation.status, reservation.copy_id) == (Reservation.Status.WAITING, copy.pk)
    entry = AuditEntry.objects.filter(action="loan.checked_in").latest("pk")
    assert entry.details["transit_to"] == live_library.other_branch.pk
    kiosk.disconnect()


def test_a_reservation_for_this_branch_goes_in_the_afhaalkast_here(sip_server, live_library, tmp_path):
    copy = live_library.copies[0]
    loan_checkout(copy_barcode=copy.barcode, person=live_library.member, actor=None)
    reservation = reservation_place(title=copy.title, person=_member(), pickup_branch=live_library.branch, actor=None)
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    back = _checkin(kiosk, copy.barcode)
    assert (back["fixed"]["Ok"], back["fixed"]["Alert"]) == ("1", "Y")
    assert (back["variable"]["CV"], back["variable"]["CT"]) == (["01"], ["assen"])
    assert "afhaalkast" in back["variable"]["AF"][0]
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.READY
    assert Copy.objects.get(pk=copy.pk).status == Copy.Status.ON_HOLD
    kiosk.disconnect()


def test_a_copy_of_another_branch_goes_home_and_one_of_this_branch_on_the_shelf(sip_server, live_library, tmp_path):
    theirs = CopyFactory(branch=live_library.other_branch)
    ours = live_library.copies[1]
    for copy in (theirs, ours):
        loan_checkout(copy_barcode=copy.barcode, person=live_library.member, actor=None)
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    home = _checkin(kiosk, theirs.barcode)
    assert (home["fixed"]["Ok"], home["fixed"]["Alert"]) == ("1", "Y")
    assert (home["variable"]["CV"], home["variable"]["CT"], home["variable"]["AQ"]) == (["04"], ["beilen"], ["beilen"])
    assert "Terug naar vestiging Bibliotheek Beilen" in home["variable"]["AF"][0]
    theirs.refresh_from_db()
    assert (theirs.status, theirs.transit_to_id) == (Copy.Status.IN_TRANSIT, live_library.other_branch.pk)
    shelf = _checkin(kiosk, ours.barcode)
    assert (shelf["fixed"]["Ok"], shelf["fixed"]["Alert"]) == ("1", "N")
    assert "CV" not in shelf["variable"]
    assert "CT" not in shelf["variable"]
    assert Copy.objects.get(pk=ours.pk).status == Copy.Status.AVAILABLE
    kiosk.disconnect()


def test_a_copy_arriving_in_transit_is_taken_in_here_as_at_the_desk(sip_server, live_library, tmp_path):
    """Sent from Beilen for a reservation here: scanned at the kiosk's returns, it goes in the afhaalkast."""
    copy = CopyFactory(branch=live_library.other_branch)
    reservation = reservation_place(title=copy.title, person=_member(), pickup_branch=live_library.branch, actor=None)
    Copy.objects.filter(pk=copy.pk).update(status=Copy.Status.IN_TRANSIT, transit_to=live_library.branch)
    Reservation.objects.filter(pk=reservation.pk).update(to_pull=False, status=Reservation.Status.WAITING)
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    back = _checkin(kiosk, copy.barcode)
    assert (back["fixed"]["Ok"], back["fixed"]["Alert"]) == ("1", "Y")
    assert (back["variable"]["CV"], back["variable"]["CT"]) == (["01"], ["assen"])
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.READY
    # A copy on the shelf, not lent and not on its way, is refused as before.
    idle = _checkin(kiosk, live_library.copies[3].barcode)
    assert idle["fixed"]["Ok"] == "0"
    assert "niet uitgeleend" in idle["variable"]["AF"][0]
    kiosk.disconnect()


def test_item_information_says_a_copy_is_in_transit_and_where_to(sip_server, live_library, tmp_path):
    theirs = CopyFactory(branch=live_library.other_branch)
    loan_checkout(copy_barcode=theirs.barcode, person=live_library.member, actor=None)
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    _checkin(kiosk, theirs.barcode)  # taken in at Assen: it goes home to Beilen
    item = kiosk.sip_item_information_response(kiosk.get_response(kiosk.sip_item_information_request(theirs.barcode)))
    assert item["fixed"]["CirculationStatus"] == "10"  # in transit between library locations
    assert item["variable"]["CT"] == ["beilen"]
    kiosk.disconnect()
