"""The shop's gift voucher pages: the form sends the buyer to iDEAL, bad input is answered at its field
with nothing written, the page back from the bank waits and then shows the voucher (its code only in the
browser that paid), or says that no voucher was made. Mollie is replayed."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.urls import reverse

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import GiftVoucher, VoucherSale
from tests.boxoffice.test_voucher_sales import AMOUNT, MOLLIE, PAYMENT, mollie_says, replay  # noqa: F401

pytestmark = pytest.mark.django_db
FORM = reverse("web:shop:voucher")
GOOD = {"amount": "2500", "buyer_name": "Gea Gast", "buyer_email": "gea@example.nl"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


def bought(client, replay, **data) -> VoucherSale:  # noqa: F811
    answer = client.post(FORM, {**GOOD, **data})
    assert answer.status_code == 302
    assert answer["Location"].startswith("https://www.mollie.com/checkout/")
    return VoucherSale.objects.get()


def test_the_form_offers_fixed_values_and_another_amount_and_may_send_the_buyer_to_mollie(client):
    page = client.get(FORM)
    assert page.status_code == 200
    html = text(page)
    for label in ("€ 10,00", "€ 25,00", "€ 50,00", "Ander bedrag", "Je naam", "Je e-mailadres"):
        assert label in html
    assert "https://www.mollie.com" in page["Content-Security-Policy"]


def test_the_programme_links_to_the_voucher(client):
    assert FORM in text(client.get(reverse("web:shop:programme")))


def test_another_amount_is_read_in_dutch_notation(client, replay):  # noqa: F811
    replay.answer(
        "POST", "/v2/payments", "payment_created.json", status=201, amount={"value": "37.50", "currency": "EUR"}
    )
    sale = bought(client, replay, amount="other", other_amount="€ 37,50")
    assert sale.value_cents == 3750
    assert json.loads(replay.requests[0].body)["amount"] == {"currency": "EUR", "value": "37.50"}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"amount": "other", "other_amount": ""}, "other_amount", "Vul het bedrag in"),
        ({"amount": "other", "other_amount": "veel"}, "other_amount", "Vul een bedrag in euro in"),
        ({"amount": "other", "other_amount": "2,50"}, "other_amount", "Kies een bedrag van € 5,00 tot € 1.000,00."),
        ({"amount": "other", "other_amount": "5000"}, "other_amount", "Kies een bedrag van € 5,00 tot € 1.000,00."),
        ({"amount": "999"}, "amount", "Selecteer een geldige keuze"),
        ({"buyer_email": "geen-adres"}, "buyer_email", "geldig e-mailadres"),
        ({"buyer_name": ""}, "buyer_name", "Dit veld is verplicht"),
        ({"message": "Veel\u202eplezier"}, "message", "Gebruik geen onzichtbare of stuurtekens."),
    ],
)
def test_bad_input_is_answered_at_its_field_and_nothing_is_written(client, replay, data, field, message):  # noqa: F811
    answer = client.post(FORM, {**GOOD, **data}, HTTP_ACCEPT_LANGUAGE="nl")
    assert answer.status_code == 422
    html = text(answer)
    assert f'id="id_{field}-error"' in html
    assert message in html
    assert not VoucherSale.objects.exists()
    assert not GiftVoucher.objects.exists()
    assert replay.requests == []


def test_a_message_of_two_lines_is_kept_as_one(client, replay):  # noqa: F811
    sale = bought(client, replay, message="Veel plezier!\r\nLiefs, Gea")
    assert sale.message == "Veel plezier! Liefs, Gea"


def test_a_nul_byte_is_refused_with_a_400_and_nothing_is_written(client, replay):  # noqa: F811
    answer = client.post(FORM, {**GOOD, "buyer_name": "Gea\x00Gast"})
    assert answer.status_code == 400
    assert not VoucherSale.objects.exists()


def test_mollie_unreachable_keeps_the_buyer_on_the_form_with_a_message(client, replay):  # noqa: F811
    replay.answer("POST", "/v2/payments", "error_422.json", status=422)
    answer = client.post(FORM, GOOD)
    assert answer.status_code == 422
    assert "De betaling kon niet worden gestart" in text(answer)
    assert not GiftVoucher.objects.exists()


def test_back_from_the_bank_the_page_waits_then_shows_the_code_once_paid(client, replay):  # noqa: F811
    sale = bought(client, replay)
    page_url = reverse("web:shop:voucher_sale", args=[sale.token])
    waiting = client.get(page_url)
    assert "We controleren je betaling" in text(waiting)
    assert reverse("web:shop:voucher_sale_status", args=[sale.token]) in text(waiting)
    assert client.get(reverse("web:shop:voucher_sale_status", args=[sale.token])).json()["checking"] is True
    cache.clear()
    mollie_says(replay, "paid")
    status = client.get(reverse("web:shop:voucher_sale_status", args=[sale.token])).json()
    assert status == {"state": "paid", "checking": False, "next": page_url}
    paid = text(client.get(page_url))
    voucher = GiftVoucher.objects.get()
    assert "Je cadeaubon" in paid
    assert "€ 25,00" in paid
    assert code_display(voucher.code) in paid
    assert "gemaild naar gea@example.nl" in paid
    pdf = client.get(reverse("web:shop:voucher_sale_pdf", args=[sale.token]))
    assert pdf.status_code == 200
    assert pdf.content[:5] == b"%PDF-"


def test_someone_else_with_the_link_sees_no_code(client, replay, django_user_model):  # noqa: F811
    sale = bought(client, replay)
    mollie_says(replay, "paid")
    client.get(reverse("web:shop:voucher_sale", args=[sale.token]))
    client.logout()
    client.cookies.clear()
    other = text(client.get(reverse("web:shop:voucher_sale", args=[sale.token])))
    assert code_display(GiftVoucher.objects.get().code) not in other
    assert "De code staat in de mail" in other
    refused = client.get(reverse("web:shop:voucher_sale_pdf", args=[sale.token]))
    assert refused.status_code in (403, 409)
    assert "staat in de mail" in text(refused)


def test_a_failed_payment_says_no_voucher_was_made(client, replay):  # noqa: F811
    sale = bought(client, replay)
    mollie_says(replay, "canceled")
    page = text(client.get(reverse("web:shop:voucher_sale", args=[sale.token])))
    assert "Je betaling is niet gelukt" in page
    assert "er is geen cadeaubon gemaakt" in page
    assert not GiftVoucher.objects.exists()


@pytest.mark.parametrize("token", ["nothing", "a" * 24, "\x00" * 24])
def test_an_unknown_token_is_not_found(client, token):
    assert client.get(f"/kaarten/cadeaubon/{token}/").status_code in (400, 404)
