"""Notices go by the channel the member chose, fall back rather than vanish, and only 'none' where allowed."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.comms.letters import letters_mark_printed, letters_to_print
from kolk.comms.models import Letter, MessageKind, NoticeChannel, NoticeKind, OutboxMessage, SmsMessage
from kolk.comms.notices import channels_offered, notice_choices_of, notice_choices_set, notice_send
from kolk.core.errors import Invalid
from tests.comms.test_sms import cm  # noqa: F401  (CM.com configured, answers replayed)
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def overdue(person, key="overdue-1", notice=NoticeKind.OVERDUE):
    return notice_send(
        person=person,
        notice=notice,
        template="library_overdue",
        context={"title": "De avonden", "due_on": dt.date(2026, 12, 1)},
        purpose="lending",
        kind=MessageKind.SERVICE,
        actor=None,
        idempotency_key=key,
    )


@pytest.fixture
def anna():
    return PersonFactory(given_name="Anna", emails=["anna@example.nl"], phones=["06 12345678"])


def test_without_a_choice_a_notice_goes_by_email(anna):
    assert notice_choices_of(anna) == dict.fromkeys(NoticeKind.values, NoticeChannel.EMAIL)
    assert overdue(anna) == NoticeChannel.EMAIL
    assert OutboxMessage.objects.filter(person=anna, template="library_overdue").count() == 1


def test_the_chosen_channel_carries_it_and_one_key_covers_every_channel(cm, anna):  # noqa: F811
    notice_choices_set(person=anna, choices={NoticeKind.OVERDUE: NoticeChannel.SMS}, actor=None)
    assert overdue(anna) == NoticeChannel.SMS
    notice_choices_set(person=anna, choices={NoticeKind.OVERDUE: NoticeChannel.POST}, actor=None)
    assert overdue(anna) == NoticeChannel.SMS  # queued once already: not again as a letter
    assert SmsMessage.objects.count() == 1
    assert Letter.objects.count() == 0


def test_overdue_and_tickets_cannot_be_switched_off_and_tickets_do_not_go_by_post(cm, anna):  # noqa: F811
    for kind, channel in [
        (NoticeKind.OVERDUE, NoticeChannel.NONE),
        (NoticeKind.TICKETS, NoticeChannel.NONE),
        (NoticeKind.TICKETS, NoticeChannel.POST),
        ("nonsense", NoticeChannel.EMAIL),
    ]:
        with pytest.raises(Invalid) as refused:
            notice_choices_set(
                person=anna, choices={NoticeKind.DUE_SOON: NoticeChannel.NONE, kind: channel}, actor=None
            )
        assert refused.value.fields
    assert notice_choices_of(anna)[NoticeKind.DUE_SOON] == NoticeChannel.EMAIL  # nothing written


def test_without_a_provider_sms_is_not_offered_and_a_stored_sms_choice_falls_back_to_email(settings, cm, anna):  # noqa: F811
    assert NoticeChannel.SMS in channels_offered(NoticeKind.HOLD_READY)
    notice_choices_set(person=anna, choices={NoticeKind.OVERDUE: NoticeChannel.SMS}, actor=None)
    settings.KOLK_SMS_PROVIDER = ""
    assert NoticeChannel.SMS not in channels_offered(NoticeKind.HOLD_READY)
    with pytest.raises(Invalid):
        notice_choices_set(person=anna, choices={NoticeKind.HOLD_READY: NoticeChannel.SMS}, actor=None)
    assert overdue(anna) == NoticeChannel.EMAIL


def test_none_is_honoured_where_allowed(anna):
    notice_choices_set(person=anna, choices={NoticeKind.HOLD_READY: NoticeChannel.NONE}, actor=None)
    assert overdue(anna, notice=NoticeKind.HOLD_READY) == NoticeChannel.NONE
    assert OutboxMessage.objects.count() == 0


def test_by_post_the_letter_waits_on_the_print_list_until_printed(anna):
    notice_choices_set(person=anna, choices={NoticeKind.OVERDUE: NoticeChannel.POST}, actor=None)
    assert overdue(anna) == NoticeChannel.POST
    [letter] = letters_to_print()
    assert letter.address.splitlines()[0] == anna.full_name
    assert "9401 ET  ASSEN" in letter.address
    assert "had op 1 december 2026 terug moeten zijn" in letter.text_body
    assert letter.subject == "Je hebt materialen te laat"
    staff = UserFactory()
    assert letters_mark_printed(letter_ids=[letter.pk], actor=staff) == 1
    assert letters_mark_printed(letter_ids=[letter.pk], actor=staff) == 0
    assert list(letters_to_print()) == []


def test_with_no_email_a_notice_falls_back_to_sms_then_to_a_letter(cm):  # noqa: F811
    bram = PersonFactory(given_name="Bram", phones=["06 87654321"])
    assert overdue(bram) == NoticeChannel.SMS
    kees = PersonFactory(given_name="Kees")
    assert overdue(kees, key="overdue-2") == NoticeChannel.POST
    nobody = PersonFactory(given_name="Niemand", street="", postcode="", town="")
    assert overdue(nobody, key="overdue-3") == ""


def test_the_access_package_holds_the_choice_the_text_messages_and_the_letters(cm, anna):  # noqa: F811
    from kolk.privacy.access import access_package

    notice_choices_set(person=anna, choices={NoticeKind.OVERDUE: NoticeChannel.SMS}, actor=None)
    overdue(anna)
    notice_choices_set(person=anna, choices={NoticeKind.HOLD_READY: NoticeChannel.POST}, actor=None)
    overdue(anna, key="ready-1", notice=NoticeKind.HOLD_READY)
    package = access_package(subject=anna, actor=None)
    by_category = {c["category"]: c for c in package["categories"]}
    assert by_category["notice_choices"]["statement_rows"] == ["M01"]
    sources = {s["source"]: s["rows"] for s in package["sources"]}
    assert sources["comms.NoticePreference"] == 2
    assert sources["comms.SmsMessage"] == 1
    assert sources["comms.Letter"] == 1


def test_text_messages_and_letters_are_plain_text_never_html_escaped(cm, anna):  # noqa: F811
    for channel, key in ((NoticeChannel.SMS, "plain-sms"), (NoticeChannel.POST, "plain-letter")):
        notice_choices_set(person=anna, choices={NoticeKind.OVERDUE: channel}, actor=None)
        notice_send(
            person=anna,
            notice=NoticeKind.OVERDUE,
            template="library_overdue",
            context={"title": 'Tom & Jerry <"live">', "due_on": dt.date(2026, 12, 1)},
            purpose="lending",
            kind=MessageKind.SERVICE,
            actor=None,
            idempotency_key=key,
        )
    assert 'Tom & Jerry <"live">' in SmsMessage.objects.get().text
    assert 'Tom & Jerry <"live">' in Letter.objects.get().text_body
