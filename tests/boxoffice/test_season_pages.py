"""The season's pages: the waiting list of a sold-out show, an offer's link, a code in the shop, the staff page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import DiscountCode, GiftVoucher, Order, ShowSeat, WaitlistEntry
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.selling import order_cancel, order_pay
from kolk.boxoffice.services.vouchers import voucher_issue
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def sold_out():
    show = f.show(seat_map="1x2", theatre=True)
    order = order_pay(order=f.checked_out(show, quantity=2), method=Order.Method.CASH, actor=None)
    return show, order


def test_a_sold_out_show_leads_to_its_waiting_list_and_a_guest_joins(client):
    show, _order = sold_out()
    page = client.get(reverse("web:shop:show", args=[show.pk])).content.decode()
    assert reverse("web:shop:waitlist_join", args=[show.pk]) in page
    url = reverse("web:shop:waitlist_join", args=[show.pk])
    bad = client.post(url, {"name": "", "email": "geen", "quantity": "1"})
    assert bad.status_code == 422
    assert 'aria-describedby="id_email-error"' in bad.content.decode()
    assert 'id="id_email-error"' in bad.content.decode()
    done = client.post(url, {"name": "Wim Wachter", "email": "wim@example.nl", "quantity": "2"})
    assert "Je staat op de wachtlijst" in done.content.decode()
    assert WaitlistEntry.objects.get(show=show).quantity == 2
    again = client.post(url, {"name": "Wim", "email": "WIM@example.nl", "quantity": "1"})
    assert "staat al op de wachtlijst" in again.content.decode()
    assert client.post(url, {"name": "Wim\x00", "email": "w@example.nl", "quantity": "1"}).status_code == 400
    assert WaitlistEntry.objects.filter(show=show).count() == 1


def test_the_offer_link_shows_the_seats_and_leads_to_the_checkout(client):
    show, order = sold_out()
    entry = waitlist.waitlist_join(show=show, name="Wim Wachter", email="wim@example.nl", quantity=1, actor=None)
    order_cancel(order=order, actor=None, refund=True)
    waitlist.waitlist_offers_make()
    entry.refresh_from_db()
    page = client.get(reverse("web:shop:waitlist_offer", args=[waitlist.offer_token(entry)])).content.decode()
    assert "Rij 1, stoel" in page
    assert reverse("web:shop:order", args=[entry.order.token]) in page
    assert client.get(reverse("web:shop:waitlist_offer", args=["nep"])).status_code == 404


def test_a_voucher_typed_in_the_shop_pays_part_and_bad_bytes_are_a_400(client):
    voucher = voucher_issue(value_cents=1000, actor=None)
    order = f.checked_out(f.show(), quantity=2)
    url = reverse("web:shop:order_code", args=[order.token])
    assert client.post(url, {"code": "ab\x00cd"}).status_code == 400
    page = client.post(url, {"code": code_display(voucher.code).lower()}, follow=True).content.decode()
    assert "Je cadeaubon betaalt € 10,00." in page
    assert "Betaald met cadeaubon" in page
    assert "€ 15,00" in page
    wrong = client.post(url, {"code": "nope"}, follow=True).content.decode()
    assert "Deze code kennen we niet" in wrong


def test_the_box_office_sells_a_voucher_and_makes_a_discount_code(client):
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    url = reverse("desk:boxoffice_vouchers")
    page = client.post(url, {"form": "voucher", "v-value": "25,00", "v-method": "cash"}, follow=True)
    voucher = GiftVoucher.objects.get()
    assert voucher.value_cents == 2500
    assert code_display(voucher.code) in page.content.decode()
    client.post(url, {"form": "discount", "d-kind": "percent", "d-value": "15", "d-days": "7", "d-max_uses": "50"})
    assert DiscountCode.objects.get().value == 15
    bad = client.post(url, {"form": "voucher", "v-value": "veel", "v-method": "cash"})
    assert "Vul een bedrag in" in bad.content.decode()
    assert GiftVoucher.objects.count() == 1


def _seat(show, row: int, number: int) -> int:
    return ShowSeat.objects.get(show=show, seat__row=row, seat__number=number).seat_id


def test_at_the_till_a_voucher_pays_part_and_cash_the_rest_with_change(client):
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    voucher = voucher_issue(value_cents=1000, actor=None)
    show = f.show(seat_map="1x4", theatre=True)
    a, b = _seat(show, 1, 1), _seat(show, 1, 2)
    url = reverse("desk:boxoffice_show", args=[show.pk])
    response = client.post(url, {"seat": [a, b], "method": "cash", "given": "20", "code": voucher.code.lower()})
    order = Order.objects.get()
    assert response.status_code == 302
    assert (order.status, order.method, order.total_cents) == ("paid", "cash", 1500)
    voucher.refresh_from_db()
    assert voucher.balance_cents == 0
    page = client.get(response["Location"]).content.decode()
    assert "Wisselgeld: € 5,00" in page.replace("\xa0", " ")  # amounts keep € and figure together
    wrong = client.post(url, {"seat": [_seat(show, 1, 3)], "method": "card", "code": "0000-0000-0000-0000"})
    assert wrong.status_code == 422
    assert 'id="till-code-error"' in wrong.content.decode()
    assert Order.objects.count() == 1  # nothing sold


def test_a_voucher_worth_the_whole_walk_in_sale_pays_it_at_the_till(client):
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    voucher = voucher_issue(value_cents=5000, actor=None)
    show = f.show(seat_map="1x4", theatre=True)
    url = reverse("desk:boxoffice_show", args=[show.pk])
    client.post(url, {"seat": [_seat(show, 1, 1)], "method": "card", "code": voucher.code})
    order = Order.objects.get()
    assert (order.status, order.method, order.total_cents) == ("paid", "voucher", 0)
