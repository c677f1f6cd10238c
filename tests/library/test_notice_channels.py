"""The library's notices honour the member's channel at queue time: SMS, a letter for the desk, or none."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.comms.models import Letter, NoticeChannel, NoticeKind, OutboxMessage, SmsMessage
from kolk.comms.notices import notice_choices_set
from kolk.library.services.loans import loan_checkout
from kolk.library.services.notices import notices_overdue
from kolk.library.services.reservations import reservation_place
from tests.comms.test_sms import cm  # noqa: F401  (CM.com configured, answers replayed)
from tests.library.factories import CopyFactory
from tests.library.test_notices_and_jobs import subscriber

pytestmark = pytest.mark.django_db


def test_a_ready_reservation_goes_by_sms_when_chosen(rules, staff, cm):  # noqa: F811
    copy = CopyFactory()
    member = subscriber()
    member.phones.create(number="+31612345678")
    notice_choices_set(person=member, choices={NoticeKind.HOLD_READY: NoticeChannel.SMS}, actor=None)
    reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)
    sms = SmsMessage.objects.get()
    assert sms.person_id == member.pk
    assert "ligt voor je klaar in" in sms.text
    assert not OutboxMessage.objects.exists()


def test_a_ready_reservation_is_not_announced_when_the_member_chose_none(rules, staff):
    copy = CopyFactory()
    member = subscriber()
    notice_choices_set(person=member, choices={NoticeKind.HOLD_READY: NoticeChannel.NONE}, actor=None)
    reservation_place(title=copy.title, person=member, pickup_branch=copy.branch, actor=staff)
    assert not OutboxMessage.objects.exists()
    assert not SmsMessage.objects.exists()


def test_an_overdue_notice_by_post_lands_on_the_print_list(rules, staff):
    copy = CopyFactory()
    member = subscriber()
    notice_choices_set(person=member, choices={NoticeKind.OVERDUE: NoticeChannel.POST}, actor=None)
    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    assert notices_overdue(on=loan.due_on + dt.timedelta(days=1), actor=None) == 1
    letter = Letter.objects.get()
    assert letter.person_id == member.pk
    assert copy.title.title in letter.text_body
    assert letter.printed_at is None
    assert not OutboxMessage.objects.filter(template="library_overdue").exists()
