"""Giving back what gift vouchers paid and discount codes took off orders that end unpaid or are refunded.

Apart from `vouchers` (which spends them and calls `order_pay`) so that selling
can call it when it cancels or expires orders, without the two importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import F

from kolk.boxoffice.models import DiscountCode, GiftVoucher, Order, OrderReduction, Payment


def reductions_give_back(order_ids: Sequence[int]) -> int:
    """Put what vouchers paid of these orders back on the vouchers, and their discount codes' uses back;
    returns how many reductions went back.

    Called in the transaction that cancels or expires the orders (their rows locked by the
    caller). The order's total is raised by what went back, the voucher's payment marked
    refunded, so an order read later says what it cost. Nothing to do costs one query.
    """
    spent = list(
        OrderReduction.objects.filter(order_id__in=order_ids)
        .order_by("voucher_id", "discount_id", "pk")
        .values_list("pk", "order_id", "voucher_id", "discount_id", "amount_cents")
    )
    if not spent:
        return 0
    for _pk, order_id, voucher_id, discount_id, amount in spent:  # in code order: no two wait in a circle
        if voucher_id is not None:
            GiftVoucher.objects.filter(pk=voucher_id).update(balance_cents=F("balance_cents") + amount)
        else:
            DiscountCode.objects.filter(pk=discount_id, uses__gt=0).update(uses=F("uses") - 1)
        Order.objects.filter(pk=order_id).update(total_cents=F("total_cents") + amount)
    OrderReduction.objects.filter(pk__in=[pk for pk, *_rest in spent]).delete()
    Payment.objects.filter(order_id__in=order_ids, method=Order.Method.VOUCHER, status=Payment.Status.PAID).update(
        status=Payment.Status.REFUNDED
    )
    return len(spent)
