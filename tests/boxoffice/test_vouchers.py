"""Gift vouchers and discount codes: issued by the box office, spent on an order in the shop or at the till."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.boxoffice.codes import code_display
from kolk.boxoffice.models import DiscountCode, GiftVoucher, Order, OrderReduction, Payment
from kolk.boxoffice.services.vouchers import (
    code_clean,
    code_redeem,
    discount_create,
    voucher_issue,
    voucher_spend,
)
from kolk.core.clock import now
from kolk.core.errors import BadRequest, Invalid, KolkError
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def test_a_voucher_pays_part_of_an_order_and_the_rest_is_paid_as_usual():
    voucher = voucher_issue(value_cents=1000, actor=None, buyer_name="Gerda Gever")
    order = f.checked_out(f.show(theatre=True), quantity=2)  # two tickets of € 12,50
    # Typed as people type it: lower case, in groups, with spaces around.
    order, paid = voucher_spend(order=order, code=f"  {code_display(voucher.code).lower()} ", actor=None)
    assert paid == 1000
    assert order.total_cents == 1500
    assert order.status == Order.Status.PENDING_PAYMENT
    voucher.refresh_from_db()
    assert voucher.balance_cents == 0
    assert Payment.objects.get(order=order, method=Order.Method.VOUCHER).amount_cents == 1000
    with pytest.raises(Invalid, match="op"):
        voucher_spend(order=order, code=voucher.code, actor=None)


def test_a_voucher_worth_more_pays_the_whole_order_and_keeps_the_rest():
    voucher = voucher_issue(value_cents=5000, actor=None)
    order, paid = voucher_spend(order=f.checked_out(f.show(), quantity=2), code=voucher.code, actor=None)
    assert (paid, order.total_cents, order.status, order.method) == (2500, 0, Order.Status.PAID, "voucher")
    voucher.refresh_from_db()
    assert voucher.balance_cents == 2500


def test_an_expired_voucher_and_an_unknown_code_pay_nothing():
    voucher = voucher_issue(value_cents=1000, actor=None, expires_at=now() - dt.timedelta(days=1))
    order = f.checked_out(f.show(), quantity=1)
    with pytest.raises(Invalid, match="verlopen"):
        voucher_spend(order=order, code=voucher.code, actor=None)
    with pytest.raises(Invalid, match="kennen we niet"):
        voucher_spend(order=order, code="0000-0000-0000-0000", actor=None)
    order.refresh_from_db()
    assert order.total_cents == 1250
    assert not OrderReduction.objects.exists()


def test_a_code_of_another_shape_is_refused_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert code_clean("ILOU-0000-0000-0000") is None  # letters that are in no code
        assert code_clean("ABC") is None
        assert code_clean("'; DROP TABLE x; --") is None
    with pytest.raises(BadRequest):
        code_clean("ABCD\x00EFGH")


def test_codes_are_secrets_of_sixteen_characters():
    codes = {voucher_issue(value_cents=500, actor=None).code for _i in range(20)}
    assert len(codes) == 20
    assert all(code_clean(c) == c for c in codes)


def test_a_discount_code_takes_its_percentage_off_once_per_order_and_runs_out():
    start = now() - dt.timedelta(days=1)
    discount = discount_create(
        kind=DiscountCode.Kind.PERCENT,
        value=20,
        valid_from=start,
        valid_until=start + dt.timedelta(days=7),
        max_uses=1,
        actor=None,
    )
    show = f.show()
    order, amount, kind = code_redeem(order=f.checked_out(show, quantity=2), code=discount.code, actor=None)
    assert (amount, kind, order.total_cents) == (500, "discount", 2000)
    with pytest.raises(Invalid):
        code_redeem(order=order, code=discount.code, actor=None)
    with pytest.raises(Invalid, match="op"):
        code_redeem(order=f.checked_out(show, quantity=1), code=discount.code, actor=None)
    discount.refresh_from_db()
    assert discount.uses == 1


def test_a_discount_code_outside_its_dates_gives_nothing():
    discount = discount_create(
        kind=DiscountCode.Kind.AMOUNT,
        value=300,
        valid_from=now() + dt.timedelta(days=1),
        valid_until=now() + dt.timedelta(days=2),
        max_uses=5,
        actor=None,
    )
    with pytest.raises(Invalid, match="niet geldig"):
        code_redeem(order=f.checked_out(f.show(), quantity=1), code=discount.code, actor=None)


def test_the_voucher_buyer_goes_a_year_after_the_end_date_and_the_voucher_after_seven():
    from kolk.privacy.retention import retention_run

    old = voucher_issue(
        value_cents=1000,
        actor=None,
        buyer_name="Gerda",
        buyer_email="g@example.nl",
        expires_at=now() - dt.timedelta(days=400),
    )
    ancient = voucher_issue(value_cents=1000, actor=None, expires_at=now() - dt.timedelta(days=365 * 8))
    current = voucher_issue(value_cents=1000, actor=None, buyer_name="Henk", expires_at=now() + dt.timedelta(days=30))
    retention_run(actor=None)
    old.refresh_from_db()
    assert (old.buyer_name, old.buyer_email, old.anonymised) == ("", "", True)
    assert not GiftVoucher.objects.filter(pk=ancient.pk).exists()
    current.refresh_from_db()
    assert current.buyer_name == "Henk"


def test_what_a_voucher_paid_goes_back_on_it_when_the_order_expires_unpaid_or_is_refunded():
    from kolk.boxoffice.services.selling import order_cancel, orders_expire

    voucher = voucher_issue(value_cents=1000, actor=None)
    show = f.show()
    unpaid, _paid = voucher_spend(order=f.checked_out(show, quantity=2), code=voucher.code, actor=None)
    assert orders_expire(at=now() + dt.timedelta(hours=1)) == 1
    voucher.refresh_from_db()
    unpaid.refresh_from_db()
    assert voucher.balance_cents == 1000
    assert unpaid.total_cents == 2500
    big = voucher_issue(value_cents=5000, actor=None)
    paid, _amount = voucher_spend(order=f.checked_out(show, quantity=1), code=big.code, actor=None)
    assert paid.status == Order.Status.PAID
    big.refresh_from_db()
    assert big.balance_cents == 3750
    order_cancel(order=paid, actor=None, refund=True)
    big.refresh_from_db()
    assert big.balance_cents == 5000
    assert not OrderReduction.objects.exists()
    assert not Payment.objects.filter(method=Order.Method.VOUCHER, status=Payment.Status.PAID).exists()


def test_a_discount_code_on_an_order_that_expires_unpaid_can_be_used_again():
    from kolk.boxoffice.services.selling import orders_expire

    start = now() - dt.timedelta(days=1)
    discount = discount_create(
        kind=DiscountCode.Kind.AMOUNT,
        value=300,
        valid_from=start,
        valid_until=start + dt.timedelta(days=7),
        max_uses=1,
        actor=None,
    )
    show = f.show()
    code_redeem(order=f.checked_out(show, quantity=1), code=discount.code, actor=None)
    orders_expire(at=now() + dt.timedelta(hours=1))
    discount.refresh_from_db()
    assert discount.uses == 0
    order, amount, _kind = code_redeem(order=f.checked_out(show, quantity=1), code=discount.code, actor=None)
    assert (amount, order.total_cents) == (300, 950)


def test_no_code_while_a_payment_is_under_way_as_it_is_for_the_total_as_it_was():
    voucher = voucher_issue(value_cents=1000, actor=None)
    order = f.checked_out(f.show(theatre=True), quantity=2)
    Payment.objects.create(
        order=order, method=Order.Method.IDEAL, amount_cents=order.total_cents, status=Payment.Status.OPEN,
        provider_ref="tr_under_way", created_at=now(),
    )  # fmt: skip
    with pytest.raises(KolkError, match="Je betaling loopt nog") as refused:
        voucher_spend(order=order, code=voucher.code, actor=None)
    assert refused.value.code == "payment_open"
    voucher.refresh_from_db()
    order.refresh_from_db()
    assert (voucher.balance_cents, order.total_cents) == (1000, 2500)
    assert not OrderReduction.objects.exists()
    # The bank said no: the code may be used, and the new payment is for what is left.
    Payment.objects.filter(provider_ref="tr_under_way").update(status=Payment.Status.FAILED)
    order, paid = voucher_spend(order=order, code=voucher.code, actor=None)
    assert (paid, order.total_cents) == (1000, 1500)
