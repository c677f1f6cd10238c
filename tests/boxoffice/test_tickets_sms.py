"""Tickets go the way the buyer chose: a member who chose SMS gets the link to their tickets by text message."""

from __future__ import annotations

import pytest

from kolk.boxoffice.services.selling import order_checkout, order_pay
from kolk.boxoffice.tickets import order_url
from kolk.comms.models import MessageStatus, NoticeChannel, NoticeKind, OutboxMessage, SmsMessage
from kolk.comms.notices import notice_choices_set
from kolk.comms.sms import sms_flush
from tests.boxoffice import factories as f
from tests.comms.test_sms import cm  # noqa: F401  (CM.com configured, answers replayed)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def bought(person, quantity=2):
    order = f.held(f.show(seat_map="2x5"), quantity=quantity)
    order = order_checkout(
        order=order, buyer_name=person.full_name, buyer_email="gea@example.nl", person=person, actor=None
    )
    return order_pay(order=order, method="card", actor=None)


def test_a_member_who_chose_sms_gets_the_tickets_link_by_text_message(cm):  # noqa: F811
    cm.answer("cm_accepted.json")
    gea = PersonFactory(given_name="Gea", emails=["gea@example.nl"], phones=["06 12345678"])
    notice_choices_set(person=gea, choices={NoticeKind.TICKETS: NoticeChannel.SMS}, actor=None)
    order = bought(gea)
    f.worker_turn()
    assert sms_flush().sent == 1
    sms = SmsMessage.objects.get()
    assert sms.status == MessageStatus.SENT
    assert "je 2 kaartjes voor" in sms.text
    assert sms.text.endswith(order_url(order))
    assert not OutboxMessage.objects.exists()
    assert cm.bodies()[0]["messages"]["msg"][0]["body"]["content"] == sms.text


def test_a_member_without_a_choice_gets_the_tickets_by_mail():
    gea = PersonFactory(given_name="Gea", emails=["gea@example.nl"])
    bought(gea, quantity=1)
    f.worker_turn()
    assert OutboxMessage.objects.get().to_address == "gea@example.nl"
    assert not SmsMessage.objects.exists()


def test_the_text_message_of_a_basket_of_several_shows_counts_the_other_shows(cm):  # noqa: F811
    from kolk.boxoffice.services.basket import basket_add

    cm.answer("cm_accepted.json")
    gea = PersonFactory(given_name="Gea", emails=["gea@example.nl"], phones=["06 12345678"])
    notice_choices_set(person=gea, choices={NoticeKind.TICKETS: NoticeChannel.SMS}, actor=None)
    first = f.show(seat_map="2x5", theatre=True, in_days=7)
    order = f.held(first, quantity=1)
    for days in (14, 21):
        order = basket_add(order=order, show=f.show(seat_map="2x5", in_days=days), quantity=1, actor=None)
    order = order_checkout(order=order, buyer_name="Gea", buyer_email="gea@example.nl", person=gea, actor=None)
    order_pay(order=order, method="card", actor=None)
    f.worker_turn()
    text = SmsMessage.objects.get().text
    assert f"je 3 kaartjes voor {first.title}" in text
    assert "en nog 2 voorstellingen." in text
    assert text.endswith(order_url(order))
