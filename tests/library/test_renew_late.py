"""Renewing a loan that is already late charges the days it was late, as check-in would have: the new
due date must not forget them. Check-in later charges only the days late after the renewal. The
desk and the portal say what was charged."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from kolk.core.roles import Role
from kolk.library.models import Fee, Loan
from kolk.library.services.loans import loan_checkin, loan_checkout, loan_renew
from kolk.library.services.members import subscription_start
from kolk.privacy.models import AuditEntry
from tests.factories import UserFactory
from tests.library.factories import CopyFactory, SubscriptionTypeFactory, ensure_role_groups
from tests.web.factories import member as member_login

pytestmark = pytest.mark.django_db


def _late(loan: Loan, days: int) -> None:
    Loan.objects.filter(pk=loan.pk).update(due_on=dt.date.today() - dt.timedelta(days=days))


def test_renewing_a_late_loan_charges_the_late_days_once(member, staff, rules):
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    _late(loan, 4)
    renewed = loan_renew(loan=loan, actor=staff)
    assert renewed.fine_cents == 100
    fee = Fee.objects.get(kind="fine")
    assert (fee.person_id, fee.amount_cents, fee.loan_id) == (member.pk, 100, loan.pk)
    assert AuditEntry.objects.filter(action="loan.renewed").latest("pk").details["fine_cents"] == 100
    # Two days late on the new due date: check-in charges those two, the loan holds both.
    _late(loan, 2)
    result = loan_checkin(copy_barcode=copy.barcode, actor=staff)
    assert result.fine_cents == 50
    assert Loan.objects.get(pk=loan.pk).fine_cents == 150
    assert sorted(Fee.objects.filter(kind="fine").values_list("amount_cents", flat=True)) == [50, 100]


def test_renewing_on_time_charges_nothing(member, staff, rules):
    loan = loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    _late(loan, -11)  # due in 11 days: renewing now moves the due date
    renewed = loan_renew(loan=loan, actor=staff)
    assert renewed.fine_cents == 0
    assert not Fee.objects.filter(kind="fine").exists()
    assert "fine_cents" not in AuditEntry.objects.filter(action="loan.renewed").latest("pk").details


def test_the_portal_says_what_the_renewal_charged(client, rules, staff):
    user = member_login()
    subscription_start(person=user.person, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    loan = loan_checkout(copy_barcode=CopyFactory().barcode, person=user.person, actor=staff)
    _late(loan, 4)
    client.force_login(user)
    response = client.post(reverse("web:portal_loan_renew", args=[loan.pk]))
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("Verlengd tot ") for m in said)
    assert "Hij was te laat: je betaalt € 1,00 te-laat-geld." in said


def test_the_desk_says_what_the_renewal_charged(client, member, rules):
    ensure_role_groups()
    client.force_login(UserFactory(roles=[Role.DESK]))
    loan = loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=None)
    _late(loan, 4)
    response = client.post(reverse("desk:library_renew", args=[loan.pk]))
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(m.startswith("Verlengd tot ") for m in said)
    assert "Te-laat-geld voor de dagen te laat: € 1,00." in said


def test_renewing_all_adds_up_what_the_late_ones_charged(member, staff, rules):
    from kolk.library.services.loans import loans_renew_all

    late = loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    later = loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    on_time = loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    _late(late, 2)
    _late(later, 5)
    _late(on_time, -11)
    result = loans_renew_all(person=member, actor=staff)
    assert (result.renewed, result.refused, result.charged_cents) == (3, [], 175)
