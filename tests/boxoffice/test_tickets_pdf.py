"""Tickets people carry: a PDF with a QR code per ticket, in the ticket mail and printed at the till
on A4 or on the 80 mm receipt printer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.pdf import tickets_html, tickets_pdf
from kolk.boxoffice.selectors import order_tickets
from kolk.boxoffice.services.payments import till_sale
from kolk.boxoffice.services.selling import order_pay
from kolk.comms.models import OutboxMessage
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PX = 25.4 / 96  # millimetres per CSS pixel


def _pages(order, paper) -> list[tuple[int, int]]:
    """The pages WeasyPrint lays the tickets out on, in whole millimetres."""
    from weasyprint import HTML

    document = HTML(string=tickets_html(order, list(order_tickets(order)), paper=paper)).render()
    return [(round(p.width * PX), round(p.height * PX)) for p in document.pages]


@pytest.fixture
def paid():
    till = UserFactory(roles=[Role.BOX_OFFICE])
    show = f.show(seat_map="2x4", theatre=True)
    seats = list(show.show_seats.order_by("seat__row", "seat__number").values_list("seat_id", flat=True)[:2])
    return till_sale(show=show, seat_ids=seats, prices={seats[1]: "senior"}, method="cash", actor=till).order


def test_the_ticket_pdf_has_a_qr_code_per_ticket_that_reads_as_its_code(paid):
    tickets = list(order_tickets(paid))
    html = tickets_html(paid, tickets)
    assert html.count("<svg") == 2
    for ticket in tickets:
        assert ticket.code in html
    assert "Rij 1, stoel 1" in html
    assert "Neem je bewijs voor dit tarief mee." in html  # the 65+ ticket
    assert tickets_pdf(paid, tickets).startswith(b"%PDF")
    assert _pages(paid, "a4") == [(210, 297)]  # both tickets on one A4


def test_the_receipt_printer_gets_80_mm_strips_one_ticket_each(paid):
    assert _pages(paid, "receipt") == [(80, 130), (80, 130)]
    assert tickets_pdf(paid, list(order_tickets(paid)), paper="receipt").startswith(b"%PDF")


def test_the_till_prints_a_paid_orders_tickets_and_refuses_the_rest(client, paid):
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    for paper in ("a4", "receipt"):
        response = client.get(reverse("desk:boxoffice_tickets_pdf", args=[paid.pk, paper]))
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert f"kaartjes-{paid.pk}-{paper}.pdf" in response["Content-Disposition"]
    assert client.get(reverse("desk:boxoffice_tickets_pdf", args=[paid.pk, "a3"])).status_code == 404
    held = f.held(f.show(seat_map="1x2"), quantity=1)
    assert client.get(reverse("desk:boxoffice_tickets_pdf", args=[held.pk, "a4"])).status_code == 409


def test_the_ticket_mail_carries_the_pdf():
    order = order_pay(order=f.checked_out(f.show(seat_map="1x4"), quantity=2), method="card", actor=None)
    f.worker_turn()
    mail = OutboxMessage.objects.get()
    names = sorted(a.filename for a in mail.attachments.all())
    assert names == ["kaart-1.png", "kaart-2.png", "kaartjes.pdf"]
    pdf = mail.attachments.get(filename="kaartjes.pdf")
    assert bytes(pdf.content).startswith(b"%PDF")
    assert order.tickets.count() == 2
