"""The whole flow over a real socket, spoken by a SIP2 client kolk did not write (PyPI's `sip2`).

A kiosk signs in, reads a member by pass and PIN, checks an item out and in,
renews, takes a payment and ends the session; the desk sees the loan and the
return on its own pages, and the audit log names the kiosk as the actor.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.urls import reverse

from kolk.core.roles import Role
from kolk.library.models import Block, Fee, Loan
from kolk.library.services.fees import fee_add
from kolk.privacy.models import AuditEntry
from tests.factories import UserFactory, staff_login
from tests.kiosk.conftest import PIN


def _signed_in(sip_server, live_library, tmp_path):
    from tests.kiosk.conftest import sip2_client

    client = sip2_client(sip_server, tmp_path)
    login = client.sip_login_response(client.get_response(client.sip_login_request("zuil-1", live_library.password)))
    assert login["fixed"]["Ok"] == "1"
    return client


def test_a_kiosk_signs_in_reads_a_member_lends_and_takes_back(sip_server, live_library, tmp_path, client):
    kiosk = _signed_in(sip_server, live_library, tmp_path)
    status = kiosk.sip_sc_status_response(kiosk.get_response(kiosk.sip_sc_status_request()))
    assert status["fixed"]["OnlineStatus"] == "Y"
    assert status["fixed"]["CheckoutOk"] == "Y"
    assert status["fixed"]["ProtocolVersion"] == "2.00"

    member = live_library.member
    kiosk.patron, kiosk.patronpwd = member.pass_number, PIN
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("charged")))
    assert info["variable"]["BL"] == ["Y"]
    assert info["variable"]["CQ"] == ["Y"]
    assert info["variable"]["AE"] == ["Fenna Visser"]
    assert info["fixed"]["ChargedItemsCount"] == "0000"
    for never in ("BD", "BE", "BF", "PB"):  # no address, email, phone or birth date at a kiosk
        assert never not in info["variable"]

    copy = live_library.copies[0]
    out = kiosk.sip_checkout_response(kiosk.get_response(kiosk.sip_checkout_request(copy.barcode)))
    assert out["fixed"]["Ok"] == "1", out
    assert out["variable"]["AB"] == [copy.barcode]
    assert out["variable"]["AJ"] == [copy.title.title]
    loan = Loan.objects.get(copy=copy, returned_at__isnull=True)
    assert loan.person_id == member.pk
    assert out["variable"]["AH"] == [loan.due_on.strftime("%Y%m%d") + "    235959"]

    # The desk sees the loan on the member's page.
    desk = UserFactory(roles=[Role.DESK])
    staff_login(client, desk)
    page = client.get(reverse("desk:library_member", args=[member.pk]))
    assert copy.title.title in page.content.decode()

    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("charged")))
    assert info["fixed"]["ChargedItemsCount"] == "0001"
    assert info["variable"]["AU"] == [copy.barcode]

    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    renewed = kiosk.sip_renew_response(kiosk.get_response(kiosk.sip_renew_request(copy.barcode)))
    assert renewed["fixed"]["Ok"] == "1", renewed
    loan.refresh_from_db()
    assert loan.renewals == 1

    back = kiosk.sip_checkin_response(kiosk.get_response(kiosk.sip_checkin_request(copy.barcode)))
    assert back["fixed"]["Ok"] == "1", back
    assert back["fixed"]["Alert"] == "N"
    loan.refresh_from_db()
    assert loan.returned_at is not None
    # The desk's page lists it among the returned loans now, not the open ones.
    page = client.get(reverse("desk:library_member", args=[member.pk]))
    assert page.context["lib"]["loans"] == []
    assert [r.pk for r in page.context["lib"]["recent_loans"]] == [loan.pk]

    ended = kiosk.sip_end_patron_session_response(kiosk.get_response(kiosk.sip_end_patron_session_request()))
    assert ended["fixed"]["EndSession"] == "Y"
    kiosk.disconnect()

    actors = set(AuditEntry.objects.filter(action__startswith="loan.").values_list("actor", flat=True))
    assert len(actors) == 1
    assert str(live_library.kiosk.user.pk) in next(iter(actors))


def test_without_the_pin_nothing_about_the_member_is_told_and_nothing_is_lent(sip_server, live_library, tmp_path):
    kiosk = _signed_in(sip_server, live_library, tmp_path)
    kiosk.patron, kiosk.patronpwd = live_library.member.pass_number, "0000"
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("charged")))
    assert info["variable"]["BL"] == ["Y"]
    assert info["variable"]["CQ"] == ["N"]
    assert info["variable"]["AE"] == [""]
    kiosk.patronpwd = ""
    out = kiosk.sip_checkout_response(kiosk.get_response(kiosk.sip_checkout_request(live_library.copies[0].barcode)))
    assert out["fixed"]["Ok"] == "0"
    assert not Loan.objects.exists()
    kiosk.disconnect()


def test_an_unknown_pass_and_a_wrong_login(sip_server, live_library, tmp_path):
    from tests.kiosk.conftest import sip2_client

    kiosk = sip2_client(sip_server, tmp_path)
    refused = kiosk.sip_login_response(kiosk.get_response(kiosk.sip_login_request("zuil-1", "wrong")))
    assert refused["fixed"]["Ok"] == "0"
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("none")))
    assert info["variable"]["BL"] == ["N"]  # not signed in: nothing
    assert (
        kiosk.sip_login_response(kiosk.get_response(kiosk.sip_login_request("zuil-1", live_library.password)))["fixed"][
            "Ok"
        ]
        == "1"
    )
    kiosk.patron, kiosk.patronpwd = "99999999999999", PIN
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("none")))
    assert info["variable"]["BL"] == ["N"]
    kiosk.disconnect()


def test_a_hold_for_another_branch_goes_there_and_one_for_here_to_the_shelf(sip_server, live_library, tmp_path):
    from kolk.library.services.loans import loan_checkout
    from kolk.library.services.members import subscription_start
    from kolk.library.services.reservations import reservation_place
    from tests.factories import PersonFactory
    from tests.library.factories import SubscriptionTypeFactory

    waiting_there, waiting_here = PersonFactory(with_pass=True), PersonFactory(with_pass=True)
    for person in (waiting_there, waiting_here):
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    first, second = live_library.copies[:2]
    for copy, person, branch in ((first, waiting_there, live_library.other_branch),
                                 (second, waiting_here, live_library.branch)):  # fmt: skip
        loan_checkout(copy_barcode=copy.barcode, person=live_library.member, actor=None)
        reservation_place(title=copy.title, person=person, pickup_branch=branch, actor=None)
    kiosk = _signed_in(sip_server, live_library, tmp_path)
    there = kiosk.sip_checkin_response(kiosk.get_response(kiosk.sip_checkin_request(first.barcode)))
    assert (there["fixed"]["Ok"], there["fixed"]["Alert"]) == ("1", "Y")
    assert there["variable"]["CV"] == ["02"]
    assert there["variable"]["CT"] == ["beilen"]
    here = kiosk.sip_checkin_response(kiosk.get_response(kiosk.sip_checkin_request(second.barcode)))
    assert here["variable"]["CV"] == ["01"]
    assert here["variable"]["CT"] == ["assen"]
    # The returning member is not told who reserved it.
    assert "CY" not in here["variable"]
    assert "DA" not in here["variable"]
    assert waiting_here.full_name not in "".join(kiosk.last_response)
    kiosk.disconnect()


def test_paying_at_the_kiosk_settles_what_is_owed(sip_server, live_library, tmp_path):
    member = live_library.member
    Fee.objects.filter(person=member).delete()
    fee_add(person_id=member.pk, kind="fine", amount_cents=250, on=dt.date.today())
    kiosk = _signed_in(sip_server, live_library, tmp_path)
    kiosk.patron, kiosk.patronpwd = member.pass_number, PIN
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("fine")))
    assert info["variable"]["BV"] == ["2.50"]
    paid = kiosk.sip_fee_paid_response(kiosk.get_response(kiosk.sip_fee_paid_request(4, 1, "2.50", "", "tx-1")))
    assert paid["fixed"]["PaymentAccepted"] == "Y", paid
    assert Fee.objects.get(person=member).status == Fee.Status.PAID
    again = kiosk.sip_fee_paid_response(kiosk.get_response(kiosk.sip_fee_paid_request(4, 1, "2.50", "", "tx-1")))
    assert again["fixed"]["PaymentAccepted"] == "Y"  # the same transaction resent: nothing new recorded
    too_much = kiosk.sip_fee_paid_response(kiosk.get_response(kiosk.sip_fee_paid_request(4, 1, "9.00", "", "tx-2")))
    assert too_much["fixed"]["PaymentAccepted"] == "N"
    kiosk.disconnect()


def test_blocking_a_card_and_renew_all(sip_server, live_library, tmp_path):
    kiosk = _signed_in(sip_server, live_library, tmp_path)
    member = live_library.member
    kiosk.patron, kiosk.patronpwd = member.pass_number, PIN
    for copy in live_library.copies[:2]:
        kiosk.get_response(kiosk.sip_checkout_request(copy.barcode))
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    renewed = kiosk.sip_renew_all_response(kiosk.get_response(kiosk.sip_renew_all_request()))
    assert renewed["fixed"]["Ok"] == "1", renewed
    assert renewed["fixed"]["RenewedItems"] == "0002"
    blocked = kiosk.sip_patron_status_response(
        kiosk.get_response(kiosk.sip_block_patron_request("pas ingehouden", "Y"))
    )
    assert Block.objects.filter(person=member, lifted_at__isnull=True).exists()
    assert blocked["fixed"]["PatronStatus"].startswith("YYYY")
    out = kiosk.sip_checkout_response(kiosk.get_response(kiosk.sip_checkout_request(live_library.copies[2].barcode)))
    assert out["fixed"]["Ok"] == "0"
    kiosk.disconnect()
