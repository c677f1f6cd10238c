"""Circulation at the desk: a scanned pass opens the member, running lists, renew all, where a copy goes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils.html import escape

from kolk.library.models import Loan
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from tests.factories import PersonFactory
from tests.library.conftest import copy, member, rules
from tests.library.factories import BranchFactory, CopyFactory, SubscriptionTypeFactory

__all__ = ["copy", "member", "rules"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def test_a_scanned_pass_opens_the_member_at_once(desk, member):
    response = desk.post(reverse("desk:library_find"), {"q": member.pass_number})
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:library_member", args=[member.pk])
    # A name still lists, even when one person matches: a name is not a pass.
    listed = desk.post(reverse("desk:library_find"), {"q": member.given_name})
    assert listed.status_code == 200
    assert escape(member.full_name) in listed.content.decode()


def test_the_visit_lists_what_went_out_and_forgets_it_for_the_next_member(desk, member):
    first, second = CopyFactory(), CopyFactory()
    desk.get(reverse("desk:library_member", args=[member.pk]))
    for c in (first, second):
        desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": c.barcode})
    page = desk.get(reverse("desk:library_member", args=[member.pk]))
    assert [loan.copy_id for loan in page.context["visit_out"]] == [second.pk, first.pk]
    assert 'id="visit-out"' in page.content.decode()
    other = PersonFactory()
    assert desk.get(reverse("desk:library_member", args=[other.pk])).context["visit_out"] == []
    assert desk.get(reverse("desk:library_member", args=[member.pk])).context["visit_out"] == []


def test_feedback_sits_beside_the_field_in_its_colour(desk, member, copy):
    html = desk.post(
        reverse("desk:library_checkout", args=[member.pk]), {"barcode": "9999999999"}, follow=True
    ).content.decode()
    feedback = html.split('id="feedback"', 1)[1].split("</ul>", 1)[0]
    assert 'class="error"' in feedback
    assert "Onbekende barcode" in feedback
    assert "Scan opnieuw" in feedback
    # The field comes first, the feedback right after it, before any list.
    assert html.index('id="barcode"') < html.index('id="feedback"') < html.index('id="loans"')
    html = desk.post(
        reverse("desk:library_checkout", args=[member.pk]), {"barcode": copy.barcode}, follow=True
    ).content.decode()
    assert 'class="ok">Uitgeleend' in html.split('id="feedback"', 1)[1]


def test_overdue_and_blocked_show_beside_the_scan_field(desk, member, copy):
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    Loan.objects.filter(pk=loan.pk).update(due_on=dt.date(2020, 1, 1))
    desk.post(reverse("desk:library_block", args=[member.pk]), {"reason": "manual"})
    page = desk.get(reverse("desk:library_member", args=[member.pk]))
    assert ("warn", "1 te laat", "loans") in page.context["flags"]
    assert ("error", "Geblokkeerd", "blocks") in page.context["flags"]
    assert 'class="overdue"' in page.content.decode()


def test_renew_all_renews_what_can_be_and_says_what_cannot(desk, member, staff):
    free, wanted = CopyFactory(), CopyFactory()
    for c in (free, wanted):
        loan_checkout(copy_barcode=c.barcode, person=member, actor=None)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    waiting = PersonFactory()
    subscription_start(person=waiting, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    desk.post(reverse("desk:library_reserve", args=[waiting.pk]), {"title": wanted.title_id, "branch": "assen"})
    html = desk.post(reverse("desk:library_renew_all", args=[member.pk]), follow=True).content.decode()
    assert "Verlengd: 1 uitlening(en)." in html
    assert f"Niet verlengd: {wanted.title.title}" in html
    assert Loan.objects.get(copy=free).renewals == 1
    assert Loan.objects.get(copy=wanted).renewals == 0


def test_check_in_lists_the_borrower_and_sends_a_hold_to_its_branch(desk, member, staff):
    assen = BranchFactory(code="assen", name="DNK Assen")
    BranchFactory(code="emmen", name="DNK Emmen")
    copy = CopyFactory(branch=assen)
    borrower = PersonFactory()
    subscription_start(person=borrower, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    loan_checkout(copy_barcode=copy.barcode, person=borrower, actor=None)
    desk.post(reverse("desk:library_reserve", args=[member.pk]), {"title": copy.title_id, "branch": "emmen"})
    desk.post(reverse("desk:workstation"), {"branch": "assen"})
    html = desk.post(reverse("desk:library_checkin"), {"barcode": copy.barcode}, follow=True).content.decode()
    feedback = html.split('id="feedback"', 1)[1].split("</ul>", 1)[0]
    assert f"Naar vestiging DNK Emmen: reservering van {escape(member.full_name)}" in feedback
    table = html.split('id="checked-in"', 1)[1]
    assert escape(borrower.full_name) in table
    assert copy.title.title in table
    slip = html.split('id="checkin-slip"', 1)[1].split("</section>", 1)[0]
    assert escape(member.full_name) in slip
    assert "DNK Emmen" in slip


def test_a_copy_of_another_branch_goes_back_there(desk, member):
    BranchFactory(code="emmen", name="DNK Emmen")
    copy = CopyFactory(branch=BranchFactory(code="assen", name="DNK Assen"))
    loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    desk.post(reverse("desk:workstation"), {"branch": "emmen"})
    html = desk.post(reverse("desk:library_checkin"), {"barcode": copy.barcode}, follow=True).content.decode()
    assert "Terug naar vestiging DNK Assen." in html.split('id="feedback"', 1)[1].split("</ul>", 1)[0]


def test_take_the_open_amount_in_cash_and_print_a_receipt(desk, member):
    page = desk.get(reverse("desk:library_member", args=[member.pk]))
    html = page.content.decode().replace("\xa0", " ").replace("&nbsp;", " ")
    assert "€ 49,50" in html
    assert " cent" not in html
    key = page.context["pay_key"]
    response = desk.post(
        reverse("desk:library_pay", args=[member.pk]), {"amount": "49,50", "method": "cash", "key": key}, follow=True
    )
    receipt = response.content.decode().replace("\xa0", " ").replace("&nbsp;", " ")
    assert "Betaald: € 49,50. Nog open: € 0,00." in receipt
    slip = receipt.split('id="receipt-slip"', 1)[1]
    assert "€ 49,50" in slip
    assert escape(member.full_name) in slip
    # The same form sent again records nothing twice.
    again = desk.post(
        reverse("desk:library_pay", args=[member.pk]), {"amount": "49,50", "method": "cash", "key": key}, follow=True
    )
    assert "al geboekt" in again.content.decode()


def test_a_bad_amount_is_refused_beside_the_field(desk, member):
    response = desk.post(
        reverse("desk:library_pay", args=[member.pk]),
        {"amount": "veel", "method": "cash", "key": "0" * 32},
        follow=True,
    )
    assert "Vul een bedrag in euro" in response.content.decode().split('id="feedback"', 1)[1]


def test_only_library_staff_write_off(client, member):
    from kolk.core.roles import Role
    from tests.factories import UserFactory

    client.force_login(UserFactory(roles=[Role.DESK]))
    assert 'id="write-off-form"' not in client.get(reverse("desk:library_member", args=[member.pk])).content.decode()
    assert client.post(reverse("desk:library_write_off", args=[member.pk]), {"reason": "coulance"}).status_code == 403
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    assert 'id="write-off-form"' in client.get(reverse("desk:library_member", args=[member.pk])).content.decode()
    response = client.post(reverse("desk:library_write_off", args=[member.pk]), {"reason": "coulance"}, follow=True)
    assert "Kwijtgescholden: € 49,50." in response.content.decode()


def test_holds_between_branches_pickup_default_copy_choice_and_the_pull_list(desk, member, staff):
    assen = BranchFactory(code="assen", name="DNK Assen")
    emmen = BranchFactory(code="emmen", name="DNK Emmen")
    there, here = CopyFactory(branch=assen), None
    here = CopyFactory(branch=emmen, title=there.title)
    # The member's own branch (where they last picked up) is the default pickup.
    loan_checkout(copy_barcode=CopyFactory(branch=emmen).barcode, person=member, actor=None)
    assert desk.get(reverse("desk:library_member", args=[member.pk])).context["pickup"] == "emmen"
    # Reserved for pickup in Emmen: the copy in Emmen is set aside, not the one in Assen.
    desk.post(reverse("desk:library_reserve", args=[member.pk]), {"title": there.title_id, "branch": "emmen"})
    from kolk.library.models import Reservation

    assert Reservation.objects.get(person=member).copy_id == here.pk
    # It is on Emmen's pull list, not on Assen's.
    desk.post(reverse("desk:workstation"), {"branch": "emmen"})
    html = desk.get(reverse("desk:library_pulls")).content.decode()
    assert here.barcode in html.split('id="pulls"', 1)[1]
    assert "afhaalkast" in html
    desk.post(reverse("desk:workstation"), {"branch": "assen"})
    assert here.barcode not in desk.get(reverse("desk:library_pulls")).content.decode()


def test_renew_all_says_one_reason_once_for_items_just_lent(desk, member):
    """Four items lent today cannot be renewed yet: one line says so, not four."""
    copies = [CopyFactory() for _ in range(3)]
    for c in copies:
        desk.post(reverse("desk:library_checkout", args=[member.pk]), {"barcode": c.barcode})
    html = desk.post(reverse("desk:library_renew_all", args=[member.pk]), follow=True).content.decode()
    feedback = html.split('id="feedback"', 1)[1].split("</ul>", 1)[0]
    assert feedback.count("Niet verlengd") == 1
    assert "Niet verlengd: 3 uitleningen (" in feedback


def test_late_loans_are_said_at_the_first_item_of_a_visit_only(desk, member, copy):
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=None)
    Loan.objects.filter(pk=loan.pk).update(due_on=dt.date(2020, 1, 1))
    first, second = CopyFactory(), CopyFactory()
    html = desk.post(
        reverse("desk:library_checkout", args=[member.pk]), {"barcode": first.barcode}, follow=True
    ).content.decode()
    assert 'class="warn">Let op: 1 uitlening(en) te laat' in html
    html = desk.post(
        reverse("desk:library_checkout", args=[member.pk]), {"barcode": second.barcode}, follow=True
    ).content.decode()
    feedback = html.split('id="feedback"', 1)[1].split("</ul>", 1)[0]
    assert "te laat" not in feedback
    assert 'class="ok">Uitgeleend' in feedback
    assert "1 te laat" in html.split('id="flags"', 1)[1]  # the flag beside the field still says it


def test_a_write_off_that_leaves_a_part_paid_invoice_says_what_is_still_open(client, member):
    import uuid

    from kolk.core.roles import Role
    from kolk.library.services.payments import desk_payment
    from tests.factories import UserFactory
    from tests.library.test_desk_payments import fined

    staff = UserFactory(roles=[Role.LIBRARY_STAFF])
    client.force_login(staff)
    desk_payment(person=member, amount_cents=1000, method="cash", key=uuid.uuid4().hex, actor=staff)
    fined(member, staff)  # € 1,00 te-laat-geld: that is written off, the part-paid € 49,50 invoice stays
    response = client.post(reverse("desk:library_write_off", args=[member.pk]), {"reason": "coulance"}, follow=True)
    html = response.content.decode().replace("\xa0", " ").replace("&nbsp;", " ")
    assert "Kwijtgescholden: € 1,00." in html
    assert "Nog open: € 39,50" in html.split('id="feedback"', 1)[1]


def test_after_invoicing_the_money_card_says_the_amount_is_on_an_invoice_not_that_nothing_is_open(desk, member):
    html = desk.post(reverse("desk:library_invoice", args=[member.pk]), follow=True).content.decode()
    fees = html.split('id="fees"', 1)[1].split("</section>", 1)[0].replace("&nbsp;", " ").replace("\xa0", " ")
    assert "Openstaand bedrag: € 49,50" in fees
    assert "Alles staat op een factuur" in fees
    assert "Niets open." not in fees
