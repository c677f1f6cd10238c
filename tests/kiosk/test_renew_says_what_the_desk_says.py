"""Renewing at a kiosk says what the desk says: the te-laat-geld a late renewal charges, and why an item was not renewed.

Spoken by PyPI's `sip2` client over a real socket.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from kolk.library.models import Fee, Loan
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_place
from tests.factories import PersonFactory
from tests.kiosk.conftest import PIN, sip2_client
from tests.library.factories import SubscriptionTypeFactory


def _kiosk(sip_server, live_library, tmp_path):
    client = sip2_client(sip_server, tmp_path)
    login = client.sip_login_response(client.get_response(client.sip_login_request("zuil-1", live_library.password)))
    assert login["fixed"]["Ok"] == "1"
    client.patron, client.patronpwd = live_library.member.pass_number, PIN
    return client


def test_a_late_renewal_says_the_te_laat_geld_it_charged(sip_server, live_library, tmp_path):
    copy = live_library.copies[0]
    loan_checkout(copy_barcode=copy.barcode, person=live_library.member, actor=None)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=25))  # four days late (25 ct a day)
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    renewed = kiosk.sip_renew_response(kiosk.get_response(kiosk.sip_renew_request(copy.barcode)))
    assert renewed["fixed"]["Ok"] == "1", renewed
    assert Fee.objects.get(person=live_library.member, kind="fine").amount_cents == 100
    assert "Te-laat-geld voor de dagen te laat: € 1,00." in renewed["variable"]["AF"][0]
    kiosk.disconnect()


def test_renew_all_says_why_an_item_was_not_renewed_and_what_was_charged(sip_server, live_library, tmp_path):
    late, wanted = live_library.copies[:2]
    for copy in (late, wanted):
        loan_checkout(copy_barcode=copy.barcode, person=live_library.member, actor=None)
    Loan.objects.filter(copy=late).update(due_on=F("due_on") - dt.timedelta(days=23))  # two days late
    Loan.objects.filter(copy=wanted).update(due_on=F("due_on") - dt.timedelta(days=10))
    other = PersonFactory(with_pass=True)
    subscription_start(person=other, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    reservation_place(title=wanted.title, person=other, pickup_branch=live_library.branch, actor=None)
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    answer = kiosk.sip_renew_all_response(kiosk.get_response(kiosk.sip_renew_all_request()))
    assert (answer["fixed"]["RenewedItems"], answer["fixed"]["UnrenewedItems"]) == ("0001", "0001")
    assert answer["variable"]["BM"] == [late.barcode]
    assert answer["variable"]["BN"] == [wanted.barcode]
    screen = answer["variable"]["AF"][0]
    assert "Te-laat-geld voor de dagen te laat: € 0,50." in screen
    assert f"Niet verlengd: {wanted.title.title}: Iemand wacht op deze titel" in screen
    kiosk.disconnect()


def test_renew_all_with_nothing_on_loan_says_so(sip_server, live_library, tmp_path):
    kiosk = _kiosk(sip_server, live_library, tmp_path)
    answer = kiosk.sip_renew_all_response(kiosk.get_response(kiosk.sip_renew_all_request()))
    assert answer["variable"]["AF"] == ["Niets om te verlengen."]
    kiosk.disconnect()
