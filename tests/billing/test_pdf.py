"""The invoice PDF: Dutch, with the VAT per rate, DNK's address and how to pay."""

from __future__ import annotations

import pytest
from django.utils.html import escape
from weasyprint import HTML

from kolk.billing.pdf import euros, invoice_html, invoice_pdf
from kolk.billing.services import InvoiceLineIn, invoice_create, payment_record
from tests.billing.factories import make_mandate
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice():
    person = PersonFactory(given_name="Anna", surname="Bakker", street="Kerkplein", postcode="9401 AB")
    return invoice_create(
        person=person,
        lines=[
            InvoiceLineIn(
                description="Voorstelling 'De Gebroeders Karamazov'", unit_amount_cents=2450, quantity=2, vat_percent=9
            ),
            InvoiceLineIn(description="Garderobe", unit_amount_cents=121, vat_percent=21),
        ],
        source="boxoffice.order",
        actor=None,
    )


def test_euros():
    assert euros(0) == "€ 0,00"
    assert euros(5) == "€ 0,05"
    assert euros(123456) == "€ 1.234,56"
    assert euros(-250) == "-€ 2,50"


def test_html_is_dutch_with_vat_breakdown_and_address(invoice):
    html = invoice_html(invoice)
    for text in [
        f"Factuur {invoice.number}",
        "De Nieuwe Kolk",
        "Weiersstraat 1",
        "9401 ET Assen",
        "Anna Bakker",
        "Kerkplein",
        escape("Voorstelling 'De Gebroeders Karamazov'"),
        "Btw 9% over € 44,95",  # 49,00 incl. 9% = 44,95 + 4,05
        "€ 4,05",
        "Btw 21% over € 1,00",
        "€ 0,21",
        "Totaal incl. btw",
        "€ 50,21",
        "Maak € 50,21 vóór de vervaldatum over naar NL20 INGB 0001 2345 67",
        invoice.person.customer_number,
    ]:
        assert text in html, text


def test_mandate_and_paid_texts(invoice):
    mandate = make_mandate(invoice.person)
    html = invoice_html(invoice)
    assert "automatisch afgeschreven van rekening NL91 ABNA **** **43 00" in html
    assert f"Incassant-ID NL95ZZZ012345670000, machtigingskenmerk {mandate.reference}." in html
    payment_record(invoice=invoice, amount_cents=5021, method="card", reference="PIN-1", actor=None)
    invoice.refresh_from_db()
    html = invoice_html(invoice)
    assert "Deze factuur is voldaan" in html
    assert "0417" not in html  # never the full IBAN


def test_language_is_marked(invoice):
    assert '<html lang="nl">' in invoice_html(invoice)
    assert '<html lang="en">' in invoice_html(invoice, lang="en")


def test_pdf_renders_one_a4_page(invoice):
    data = invoice_pdf(invoice)
    assert data.startswith(b"%PDF-")
    assert data.rstrip().endswith(b"%%EOF")
    document = HTML(string=invoice_html(invoice)).render()
    assert len(document.pages) == 1
    assert document.metadata.title == f"Factuur {invoice.number}"
    width, height = document.pages[0].width, document.pages[0].height
    assert (round(width * 25.4 / 96), round(height * 25.4 / 96)) == (210, 297)  # A4 in mm


def test_many_lines_flow_onto_more_pages():
    person = PersonFactory()
    lines = [
        InvoiceLineIn(description=f"Boete te laat, exemplaar {n}", unit_amount_cents=25, vat_percent=0)
        for n in range(80)
    ]
    invoice = invoice_create(person=person, lines=lines, source="library.fine", actor=None)
    assert invoice_pdf(invoice).startswith(b"%PDF-")
    assert len(HTML(string=invoice_html(invoice)).render().pages) >= 2
