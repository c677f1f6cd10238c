"""The ticket mail (T02): a payment only enqueues it; the worker draws the QR codes and queues it, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from kolk.boxoffice import tickets
from kolk.boxoffice.services.payments import box_office_sale
from kolk.boxoffice.services.selling import SoldOut, order_cancel, order_pay, orders_expire
from kolk.comms.models import OutboxMessage
from kolk.core.clock import now
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TASK = "kolk.boxoffice.tickets.send_tickets"


@pytest.fixture
def drawn(monkeypatch):
    """The QR codes drawn, and in which call."""
    codes: list[str] = []
    real = tickets.qr_png

    def counting(code: str, **kwargs):
        codes.append(code)
        return real(code, **kwargs)

    monkeypatch.setattr(tickets, "qr_png", counting)
    return codes


def test_paying_draws_no_qr_code_and_the_worker_mails_the_tickets_once(drawn):
    order = order_pay(order=f.checked_out(f.show(seat_map="2x5"), quantity=2), method="card", actor=None)
    assert drawn == []
    assert not OutboxMessage.objects.exists()
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1

    f.worker_turn()
    mail = OutboxMessage.objects.get()
    assert mail.to_address == "gast@example.nl"
    assert sorted(drawn) == sorted(order.tickets.values_list("code", flat=True))
    # The tickets as a PDF, and each QR code as a picture.
    assert sorted(bytes(a.content[:8]) for a in mail.attachments.all()) == [b"%PDF-1.7"] + [b"\x89PNG\r\n\x1a\n"] * 2

    tickets.tickets_mail_send(order_id=order.pk, language="nl")  # a task run twice queues nothing more
    assert OutboxMessage.objects.count() == 1


def test_the_mail_is_in_the_language_the_buyer_paid_in():
    order = f.checked_out(f.show(), quantity=1)
    with translation.override("en"):
        order_pay(order=order, method="card", actor=None)
    f.worker_turn()
    mail = OutboxMessage.objects.get()
    assert mail.language == "en"
    assert "Here are your tickets" in mail.text_body


def test_an_order_cancelled_before_the_worker_came_gets_no_tickets(staff, drawn):
    order = order_pay(order=f.checked_out(f.show(), quantity=2), method="card", actor=None)
    order_cancel(order=order, refund=True, actor=staff)
    f.worker_turn()
    assert not OutboxMessage.objects.exists()
    assert drawn == []


def test_a_payment_that_fails_leaves_no_ticket_mail_behind():
    show = f.show(seat_map="1x2")
    order = f.checked_out(show, quantity=2)
    orders_expire(at=now() + dt.timedelta(minutes=16))
    f.held(show, quantity=2)  # the places went to someone else
    with pytest.raises(SoldOut):
        order_pay(order=order, method="ideal", actor=None)
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_a_sale_at_the_box_office_without_an_address_sends_nothing():
    box_office_sale(show=f.show(), quantity=2, method="cash", actor=UserFactory(roles=[Role.BOX_OFFICE]))
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_a_ticket_mail_queued_under_the_tasks_module_still_runs():
    """Tasks live beside their services now; a mail queued before under `kolk.boxoffice.tasks` is still sent."""
    order_pay(order=f.checked_out(f.show(), quantity=1), method="card", actor=None)
    assert DBTaskResult.objects.filter(task_path=TASK).update(task_path="kolk.boxoffice.tasks.send_tickets") == 1
    f.worker_turn()
    assert OutboxMessage.objects.get().to_address == "gast@example.nl"
