"""Theaterabonnement: N shows of a series with the same seats in each, one order, one transaction; presale."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format

from kolk.boxoffice.models import Order, Series, Show, ShowSeat, ShowStats
from kolk.boxoffice.pdf import tickets_html
from kolk.boxoffice.services.selling import order_cancel, order_checkout, order_pay, orders_expire, seats_hold
from kolk.boxoffice.services.series import NotTogether, Presale, presale_check, series_hold
from kolk.comms.models import OutboxMessage
from kolk.core.clock import now
from kolk.core.errors import KolkError
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def season(shows: int = 4, *, seat_map: str = "3x10", minimum: int = 4, discount: int = 20) -> Series:
    hall = f.hall(seat_map=seat_map)
    series = Series.objects.create(
        name="Drents Toneel", season="2026-2027", min_shows=minimum, discount_percent=discount
    )
    series.shows.set([f.show(hall=hall, theatre=True, in_days=7 + i) for i in range(shows)])
    return series


def seat_ids(series: Series, *places: tuple[int, int]) -> list[int]:
    hall = series.shows.first().hall
    seats = {(s.row, s.number): s.pk for s in hall.seats.all()}
    return [seats[p] for p in places]


def shows_of(series: Series) -> list[int]:
    return list(series.shows.order_by("starts_at").values_list("pk", flat=True))


def places(order: Order) -> dict[int, list[tuple[int, int]]]:
    per_show: dict[int, list[tuple[int, int]]] = {}
    for t in order.tickets.select_related("seat").order_by("show_id", "seat__row", "seat__number"):
        per_show.setdefault(t.show_id, []).append((t.seat.row, t.seat.number))
    return per_show


def test_a_theaterabonnement_of_four_shows_has_the_same_seats_in_each_at_the_discount():
    series = season(4)
    order = series_hold(series=series, show_ids=shows_of(series), quantity=2, actor=None)
    seen = places(order)
    assert len(seen) == 4
    assert len({tuple(s) for s in seen.values()}) == 1  # the same seats in every show
    (row_a, n_a), (row_b, n_b) = next(iter(seen.values()))
    assert row_a == row_b
    assert n_b == n_a + 1
    assert order.series == series
    assert order.tickets.count() == 8
    assert {t.amount_cents for t in order.tickets.all()} == {1000}  # € 12,50 less 20 %
    assert order.total_cents == 8000
    assert ShowSeat.objects.filter(order=order, status="held").count() == 8
    order = order_checkout(order=order, buyer_name="Anna Abonnee", buyer_email="anna@example.nl", actor=None)
    assert order.total_cents == 8000  # checkout keeps the series price
    order = order_pay(order=order, method="ideal", actor=None)
    assert ShowSeat.objects.filter(order=order, status="sold").count() == 8
    stats = {(s.show_id, s.kind): s.sold for s in ShowStats.objects.filter(show__in=shows_of(series))}
    assert stats == {(pk, "regular"): 2 for pk in shows_of(series)}


def test_seats_free_in_one_show_but_taken_in_another_are_skipped_for_the_next_best():
    series = season(4)
    ids = shows_of(series)
    # The best seats of the third show are sold singly: the series must sit elsewhere, together.
    taken = seats_hold(show=Show.objects.get(pk=ids[2]), quantity=10, actor=None)
    taken_seats = set(taken.tickets.values_list("seat_id", flat=True))
    order = series_hold(series=series, show_ids=ids, quantity=3, actor=None)
    got = set(order.tickets.values_list("seat_id", flat=True))
    assert len(got) == 3
    assert not got & taken_seats
    assert len({tuple(s) for s in places(order).values()}) == 1


def test_chosen_seats_not_free_in_every_show_are_refused_with_the_best_alternative():
    series = season(4)
    ids = shows_of(series)
    seats_hold(show=Show.objects.get(pk=ids[1]), seat_ids=seat_ids(series, (2, 5)), actor=None)
    with pytest.raises(NotTogether) as refused:
        series_hold(series=series, show_ids=ids, seat_ids=seat_ids(series, (2, 5), (2, 6)), actor=None)
    assert "niet in elke gekozen voorstelling vrij" in str(refused.value.message)
    assert "rij " in str(refused.value.message)
    assert len(refused.value.alternative) == 2
    assert not Order.objects.filter(series=series).exists()  # nothing written
    # The alternative is indeed free in all four.
    order = series_hold(
        series=series, show_ids=ids, seat_ids=[s.seat_id for s in refused.value.alternative], actor=None
    )
    assert order.tickets.count() == 8


def test_choosing_fewer_shows_than_the_series_minimum_or_a_show_outside_it_is_refused():
    series = season(5, minimum=4)
    ids = shows_of(series)
    with pytest.raises(ValidationError, match="minstens 4"):
        series_hold(series=series, show_ids=ids[:3], quantity=1, actor=None)
    other = f.show(theatre=True)
    with pytest.raises(ValidationError, match="hoort niet bij"):
        series_hold(series=series, show_ids=[*ids[:4], other.pk], quantity=1, actor=None)
    order = series_hold(series=series, show_ids=ids[1:], quantity=1, actor=None)  # any four of five
    assert order.tickets.count() == 4


def test_when_no_seats_are_free_in_every_show_the_buyer_is_told_so():
    series = season(4, seat_map="1x4")
    ids = shows_of(series)
    seats_hold(show=Show.objects.get(pk=ids[0]), seat_ids=seat_ids(series, (1, 1), (1, 2)), actor=None)
    seats_hold(show=Show.objects.get(pk=ids[3]), seat_ids=seat_ids(series, (1, 3)), actor=None)
    with pytest.raises(KolkError, match="in elke gekozen voorstelling vrij"):
        series_hold(series=series, show_ids=ids, quantity=2, actor=None)
    order = series_hold(series=series, show_ids=ids, quantity=1, actor=None)
    assert set(order.tickets.values_list("seat__number", flat=True)) == {4}


def test_an_expired_or_cancelled_series_frees_its_seats_in_every_show():
    series = season(4)
    ids = shows_of(series)
    order = series_hold(series=series, show_ids=ids, quantity=2, actor=None)
    assert orders_expire(at=now() + dt.timedelta(hours=1)) == 1
    assert not ShowSeat.objects.filter(order=order).exists()
    order = series_hold(series=series, show_ids=ids, quantity=2, actor=None)
    order = order_checkout(order=order, buyer_name="Anna Abonnee", buyer_email="anna@example.nl", actor=None)
    order_pay(order=order, method="card", actor=None)
    order_cancel(order=order, refund=True, actor=None)
    assert ShowSeat.objects.filter(show_id__in=ids, status="available").count() == 4 * 30
    assert set(ShowStats.objects.filter(show_id__in=ids).values_list("sold", flat=True)) == {0}


def test_a_late_payment_takes_the_seats_again_in_every_show():
    series = season(4)
    order = series_hold(series=series, show_ids=shows_of(series), quantity=2, actor=None)
    order = order_checkout(order=order, buyer_name="Anna Abonnee", buyer_email="anna@example.nl", actor=None)
    orders_expire(at=now() + dt.timedelta(hours=1))
    order_pay(order=order, method="ideal", actor=None)
    assert ShowSeat.objects.filter(order=order, status="sold").count() == 8


def test_selling_a_series_of_eight_shows_locks_only_those_seats_in_a_bounded_number_of_queries():
    series = season(10, seat_map="20x30", minimum=4)
    ids = shows_of(series)
    for pk in ids:  # history that must not make the sale slower
        seats_hold(show=Show.objects.get(pk=pk), quantity=3, actor=None)
    counts = {}
    for n in (4, 8):
        with CaptureQueriesContext(connection) as ctx:
            order = series_hold(series=series, show_ids=ids[:n], quantity=4, actor=None)
        counts[n] = len(ctx.captured_queries)
        locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
        if connection.vendor == "postgresql":
            assert len(locks) == 1  # one lock statement for every show's seats
            assert "show_id" in locks[0]
            assert "seat_id" in locks[0]
        assert order.tickets.count() == 4 * n
    # The count does not grow with the number of shows (savepoints, series, shows, prices, free seats,
    # the lock, order, seats, tickets, audit).
    assert counts[8] == counts[4], counts
    assert counts[8] <= 10, counts


def test_presale_lets_only_members_buy_and_tells_others_until_when():
    series = season(4)
    series.public_from = now() + dt.timedelta(days=3)
    series.save()
    with pytest.raises(Presale) as refused:
        series_hold(series=series, show_ids=shows_of(series), quantity=1, actor=None, member=False)
    assert str(refused.value.message).startswith("Voorverkoop voor leden tot ")
    assert not Order.objects.exists()
    order = series_hold(series=series, show_ids=shows_of(series), quantity=1, actor=None, member=True)
    assert order.tickets.count() == 4


def test_presale_dates_in_words_and_before_the_members_presale_nobody_buys():
    with pytest.raises(Presale, match=r"^Voorverkoop voor leden tot \d{1,2} [a-z]+ \d{4}\.$"):
        presale_check(members_from=None, public_from=now() + dt.timedelta(days=40), member=False)
    with pytest.raises(Presale, match="De verkoop begint op"):
        presale_check(members_from=now() + dt.timedelta(days=1), public_from=None, member=True)
    presale_check(members_from=now() - dt.timedelta(days=1), public_from=now() + dt.timedelta(days=1), member=True)
    presale_check(members_from=None, public_from=now() - dt.timedelta(days=1), member=False)


def test_the_ticket_mail_and_pdf_of_a_theaterabonnement_name_each_ticket_s_own_show():
    series = season(4)
    ids = shows_of(series)
    order = series_hold(series=series, show_ids=ids, quantity=1, actor=None)
    order = order_checkout(order=order, buyer_name="Anna Abonnee", buyer_email="anna@example.nl", actor=None)
    order_pay(order=order, method="ideal", actor=None)
    f.worker_turn()
    mail = OutboxMessage.objects.get(to_address="anna@example.nl")
    assert mail.text_body.count("Hamlet, ") == 4
    html = tickets_html(order, list(order.tickets.order_by("show__starts_at")))
    for show in Show.objects.filter(pk__in=ids):  # each ticket's own date, not the first show's four times
        assert date_format(timezone.localtime(show.starts_at), "l j F Y") in html


def test_the_till_sells_a_theaterabonnement_for_cash_with_the_same_seats_and_refuses_too_little_money():
    from kolk.boxoffice.services.series import series_till_sale
    from kolk.core.errors import Invalid, NotAllowed
    from kolk.core.roles import Role
    from tests.factories import UserFactory

    till = UserFactory(roles=[Role.BOX_OFFICE])
    series = season(4)
    ids = shows_of(series)
    with pytest.raises(Invalid, match="minder dan het totaal"):
        series_till_sale(series=series, show_ids=ids, quantity=2, method="cash", given_cents=5000, actor=till)
    assert not Order.objects.exists()
    with pytest.raises(NotAllowed):
        series_till_sale(series=series, show_ids=ids, quantity=2, method="cash", actor=None)
    sale = series_till_sale(series=series, show_ids=ids, quantity=2, method="cash", given_cents=10000, actor=till)
    assert sale.order.status == Order.Status.PAID
    assert sale.order.total_cents == 8000
    assert len({tuple(s) for s in places(sale.order).values()}) == 1
    assert ShowSeat.objects.filter(order=sale.order, status="sold").count() == 8
    series.public_from = now() + dt.timedelta(days=3)
    series.save()
    with pytest.raises(Presale):
        series_till_sale(series=series, show_ids=ids, quantity=1, method="card", actor=till)
    sale = series_till_sale(series=series, show_ids=ids, quantity=1, method="card", actor=till, member_pass_seen=True)
    assert sale.order.status == Order.Status.PAID
