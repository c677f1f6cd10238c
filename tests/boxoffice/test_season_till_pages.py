"""The season at the box office's pages: a theaterabonnement sold at the till (cash with change, pin with its
reference, the alternative seats taken with one key, a member's pass in the presale), the series and presale forms."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, Series, Show, ShowSeat
from kolk.boxoffice.services.selling import seats_hold
from kolk.core.clock import now
from kolk.core.roles import Role
from kolk.library.services.members import subscription_start
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def box_office(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


def text(response) -> str:
    return response.content.decode().replace("\u00a0", " ")


def season(shows: int = 4, *, seat_map: str = "3x10") -> Series:
    hall = f.hall(seat_map=seat_map)
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=4, discount_percent=20)
    series.shows.set([f.show(hall=hall, theatre=True, in_days=7 + i) for i in range(shows)])
    return series


def ids(series: Series) -> list[int]:
    return list(series.shows.order_by("starts_at").values_list("pk", flat=True))


def seat(series: Series, row: int, number: int) -> int:
    return series.shows.first().hall.seats.get(row=row, number=number).pk


def till_url(series: Series) -> str:
    return reverse("desk:boxoffice_series_till", args=[series.pk])


def test_the_box_office_home_lists_the_theaterabonnementen_on_sale(client, box_office):
    series = season(4)
    Series.objects.create(name="Te klein", season="2026-2027", min_shows=9)
    page = text(client.get(reverse("desk:boxoffice")))
    assert till_url(series) in page
    assert "Drents Toneel 2026-2027" in page
    assert "Te klein" not in page  # too few shows to sell


def test_four_shows_the_same_two_seats_for_cash_with_the_change_the_receipt_and_tickets(client, box_office):
    series = season(4)
    page = text(client.get(till_url(series)))
    assert page.count('name="show"') == 4
    assert page.count('data-cents="1000" checked') == 4  # every show chosen to start with
    assert "€ 10,00" in page  # the series price of a show: € 12,50 less 20%
    chosen = [seat(series, 2, 4), seat(series, 2, 5)]
    done = client.post(till_url(series), {"show": ids(series), "seat": chosen, "method": "cash", "given": "100"})
    order = Order.objects.get()
    assert done.status_code == 302
    assert done.url == reverse("desk:boxoffice_order", args=[order.pk])
    assert (order.status, order.method, order.total_cents, order.series_id) == ("paid", "cash", 8000, series.pk)
    assert ShowSeat.objects.filter(order=order, status="sold").count() == 8
    receipt = text(client.get(done.url))
    assert "Wisselgeld: € 20,00" in receipt
    assert "normaal" not in receipt  # each ticket at the series' price, named so
    assert f'href="{till_url(series)}">Volgende verkoop' in receipt
    assert receipt.count("rij 2 stoel 4") >= 4
    for paper in ("a4", "receipt"):
        pdf = client.get(reverse("desk:boxoffice_tickets_pdf", args=[order.pk, paper]))
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"


def test_pin_keeps_the_reference_and_the_best_seats_are_taken_by_number(client, box_office):
    series = season(4)
    done = client.post(
        till_url(series), {"show": ids(series), "quantity": "3", "method": "card", "card_reference": "8812-0042"}
    )
    assert done.status_code == 302
    order = Order.objects.get()
    assert (order.method, order.payment_ref, order.tickets.count()) == ("card", "8812-0042", 12)


@pytest.mark.parametrize(
    ("post", "field_id", "words"),
    [
        ({"show": "first3", "quantity": "2"}, "series-show-error", "Kies minstens 4 voorstellingen."),
        ({"show": "all", "quantity": ""}, "series-seat-error", "Nog geen stoel gekozen."),
        ({"show": "all", "quantity": "2", "given": "20"}, "series-given-error", "Minder dan het totaal € 80,00."),
        ({"show": "all", "quantity": "2", "given": "twintig"}, "series-given-error", "Typ een bedrag"),
        (
            {"show": "all", "quantity": "2", "method": "card", "card_reference": "<b>"},
            "series-reference-error",
            "Alleen letters, cijfers",
        ),
        ({"show": "all", "seat": "abc"}, "series-seat-error", "Onbekende stoel."),
    ],
)
def test_bad_input_is_told_next_to_its_field_and_sells_nothing(client, box_office, post, field_id, words):
    series = season(4)
    shows = ids(series)
    body = {"method": "cash", **post, "show": shows[:3] if post["show"] == "first3" else shows}
    response = client.post(till_url(series), body)
    assert response.status_code in (409, 422)
    page = text(response)
    assert f'id="{field_id}"' in page
    assert words in page
    assert not Order.objects.exists()


def test_seats_taken_in_one_show_are_refused_with_the_alternative_taken_by_one_button(client, box_office):
    series = season(4)
    shows = ids(series)
    wanted = [seat(series, 1, 5), seat(series, 1, 6)]
    seats_hold(show=Show.objects.get(pk=shows[2]), seat_ids=[wanted[1]], actor=None)  # taken in the third show
    refused = client.post(till_url(series), {"show": shows, "seat": wanted, "method": "cash", "given": "100"})
    assert refused.status_code == 409
    page = text(refused)
    assert "niet in elke gekozen voorstelling vrij" in page
    assert 'id="series-take"' in page
    assert re.search(r"Neem rij \d, stoel \d+, \d+", page)
    assert Order.objects.count() == 1  # only the other buyer's hold
    # The alternative's form carries the whole sale: one Enter sells it.
    form = page[page.index('id="series-alternative"') : page.index("</form>", page.index('id="series-alternative"'))]
    seats = [int(v) for v in re.findall(r'name="seat" value="(\d+)"', form)]
    assert len(seats) == 2
    assert wanted[1] not in seats
    done = client.post(till_url(series), {"show": shows, "seat": seats, "method": "cash", "given": "100"})
    assert done.status_code == 302
    assert Order.objects.filter(series=series, status="paid").get().tickets.count() == 8


def member_pass(*, subscribed: bool) -> str:
    person = PersonFactory(with_pass=True)
    if subscribed:
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return person.pass_number


def test_in_the_presale_the_till_sells_to_a_member_whose_pass_it_scans(client, box_office):
    series = season(4)
    series.public_from = now() + dt.timedelta(days=3)
    series.save()
    page = text(client.get(till_url(series)))
    assert "Voorverkoop voor leden tot " in page
    assert 'id="series-pass"' in page
    body = {"show": ids(series), "quantity": "2", "method": "card"}
    cases = [
        ("", "Scan de pas van het lid."),
        ("99999999999999", "Onbekende pas"),
        (member_pass(subscribed=False), "lopend abonnement"),
    ]
    for number, words in cases:
        refused = client.post(till_url(series), {**body, "pass": number})
        assert refused.status_code in (404, 409, 422)
        assert 'id="series-pass-error"' in text(refused)
        assert words in text(refused)
    assert not Order.objects.exists()
    done = client.post(till_url(series), {**body, "pass": member_pass(subscribed=True)})
    assert done.status_code == 302
    assert Order.objects.get().status == "paid"
    # Each pass looked up is a staff read, logged with its purpose.
    assert AuditEntry.objects.filter(action="subject.viewed", details__purpose="ticket_sales").count() == 2


def test_before_the_members_presale_the_till_sells_to_nobody(client, box_office):
    series = season(4)
    series.members_from = now() + dt.timedelta(days=1)
    series.public_from = now() + dt.timedelta(days=3)
    series.save()
    refused = client.post(
        till_url(series),
        {"show": ids(series), "quantity": "1", "method": "card", "pass": member_pass(subscribed=True)},
    )
    assert "De verkoop begint op " in text(refused)
    assert not Order.objects.exists()


def test_the_show_s_till_in_its_presale_asks_for_the_member_s_pass(client, box_office):
    show = f.show(seat_map="2x5", theatre=True, in_days=20)
    Show.objects.filter(pk=show.pk).update(public_from=now() + dt.timedelta(days=2))
    url = reverse("desk:boxoffice_show", args=[show.pk])
    assert 'id="till-member-pass"' in text(client.get(url))
    refused = client.post(url, {"quantity": "1", "method": "card"})
    assert "Voorverkoop voor leden tot " in text(refused)
    assert not Order.objects.exists()
    done = client.post(url, {"quantity": "1", "method": "card", "pass": member_pass(subscribed=True)})
    assert done.status_code == 302


def test_the_pages_are_for_the_box_office_only(client):
    series = season(4)
    client.force_login(UserFactory(roles=[Role.DESK]))
    for url in (till_url(series), reverse("desk:boxoffice_series"), reverse("desk:boxoffice_series_new")):
        assert client.get(url).status_code == 403
    assert client.post(till_url(series), {"show": ids(series), "quantity": "1", "method": "cash"}).status_code == 403
    assert not Order.objects.exists()


# --- the season's forms ---


def series_post(chosen: list[Show], **changes) -> dict:
    body = {
        "name": "Kamermuziek",
        "season": "2026-2027",
        "shows": [s.pk for s in chosen],
        "min_shows": "3",
        "discount_percent": "10",
        "members_from_date": "",
        "members_from_time": "",
        "public_from_date": "",
        "public_from_time": "",
    }
    body.update(changes)
    return body


def test_staff_make_a_theaterabonnement_with_its_presale_and_change_it(client, box_office):
    hall = f.hall(seat_map="3x10")
    shows = [f.show(hall=hall, theatre=True, in_days=40 + i) for i in range(4)]
    f.show(seat_map="2x2")  # a film is no choice
    page = text(client.get(reverse("desk:boxoffice_series_new")))
    assert page.count('name="shows"') == 4
    members = (now() + dt.timedelta(days=2)).astimezone(dt.timezone(dt.timedelta(hours=1)))
    done = client.post(
        reverse("desk:boxoffice_series_new"),
        series_post(
            shows,
            members_from_date=members.strftime("%d-%m-%Y"),
            members_from_time="10:00",
            public_from_date=(members + dt.timedelta(days=7)).strftime("%Y-%m-%d"),
            public_from_time="10.00",
        ),
    )
    assert done.status_code == 302
    series = Series.objects.get()
    assert series.shows.count() == 4
    assert series.members_from.astimezone(dt.timezone(dt.timedelta(hours=1))).strftime("%H:%M") == "10:00"
    assert series.public_from - series.members_from == dt.timedelta(days=7)
    listed = text(client.get(reverse("desk:boxoffice_series")))
    assert "Kamermuziek" in listed
    edit = reverse("desk:boxoffice_series_edit", args=[series.pk])
    form = text(client.get(edit))
    assert 'value="Kamermuziek"' in form
    assert 'value="10:00"' in form
    changed = client.post(edit, series_post(shows[:3], name="Kamermuziek klein"))
    assert changed.status_code == 302
    series.refresh_from_db()
    assert (series.name, series.shows.count(), series.members_from) == ("Kamermuziek klein", 3, None)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"members_from_date": "31-02-2027", "members_from_time": "10:00"}, "id_members_from_date_error", "datum"),
        ({"members_from_date": "2026-12-20"}, "id_members_from_time_error", "Vul ook een tijd in"),
        ({"public_from_time": "10:00"}, "id_public_from_date_error", "Vul ook een datum in"),
        ({"public_from_time": "25:99", "public_from_date": "2026-12-20"}, "id_public_from_time_error", "tijd"),
        ({"name": ""}, "id_name_error", ""),
        ({"min_shows": "9"}, "id_min_shows_error", "Minimaal aantal: 1 tot 4"),
        ({"shows": []}, "id_shows_error", ""),
        ({"season": "dit jaar"}, "id_season_error", "2026-2027"),
    ],
)
def test_bad_input_on_the_series_form_is_told_at_its_field_and_writes_nothing(
    client, box_office, changes, field, words
):
    hall = f.hall(seat_map="3x10")
    shows = [f.show(hall=hall, theatre=True, in_days=40 + i) for i in range(4)]
    response = client.post(reverse("desk:boxoffice_series_new"), series_post(shows, **changes))
    assert response.status_code == 422
    page = text(response)
    assert f'id="{field}"' in page
    assert words.lower() in page.lower()
    assert "er is niets opgeslagen" in page
    assert not Series.objects.exists()


def test_a_show_s_presale_dates_are_set_at_the_desk_and_bad_ones_write_nothing(client, box_office):
    show = f.show(seat_map="2x5", theatre=True, in_days=30)
    url = reverse("desk:boxoffice_show_presale", args=[show.pk])
    assert "Voorverkoop leden vanaf" in text(client.get(url))
    late = (now() + dt.timedelta(days=40)).strftime("%Y-%m-%d")
    refused = client.post(url, {"public_from_date": late, "public_from_time": "10:00"})
    assert refused.status_code == 422
    assert 'id="id_public_from_date_error"' in text(refused)
    show.refresh_from_db()
    assert show.public_from is None
    soon = (now() + dt.timedelta(days=3)).strftime("%Y-%m-%d")
    done = client.post(url, {"public_from_date": soon, "public_from_time": "09:30"})
    assert done.status_code == 302
    show.refresh_from_db()
    assert show.public_from is not None
    assert "Voorverkoop voor leden tot " in text(client.get(reverse("desk:boxoffice_show", args=[show.pk])))


def test_the_programme_is_made_with_a_presale(client, box_office):
    hall = f.hall(seat_map="2x5")
    starts = (now() + dt.timedelta(days=30)).strftime("%Y-%m-%d 20:00")
    body = {
        "kind": "theatre",
        "title": "Gijsbrecht",
        "minutes": "120",
        "hall": hall.pk,
        "starts": starts,
        "regular": "25",
        "on_sale": "on",
        "presale-public_from_date": (now() + dt.timedelta(days=40)).strftime("%Y-%m-%d"),
        "presale-public_from_time": "10:00",
    }
    refused = client.post(reverse("desk:boxoffice_programme"), body)
    assert 'id="id_presale-public_from_date_error"' in text(refused)
    assert not Show.objects.exists()
    body["presale-public_from_date"] = (now() + dt.timedelta(days=5)).strftime("%Y-%m-%d")
    assert client.post(reverse("desk:boxoffice_programme"), body).status_code == 302
    assert Show.objects.get().public_from is not None
