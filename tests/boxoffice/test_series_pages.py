"""The shop's theaterabonnement page: choose shows and seats, the order with the same seats in each; presale."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, Series
from kolk.boxoffice.services.selling import seats_hold
from kolk.core.clock import now
from kolk.core.roles import Role
from kolk.library.services.members import subscription_start
from kolk.web import series_views
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db


def season(shows: int = 4) -> Series:
    hall = f.hall(seat_map="3x10")
    series = Series.objects.create(name="Drents Toneel", season="2026-2027", min_shows=4, discount_percent=20)
    series.shows.set([f.show(hall=hall, theatre=True, in_days=7 + i) for i in range(shows)])
    return series


def test_a_buyer_chooses_four_shows_and_gets_one_order_with_the_same_seats_in_each(client):
    series = season(5)
    url = reverse("web:shop:series", args=[series.pk])
    page = client.get(url).content.decode()
    assert "Kies minstens 4 voorstellingen" in page
    assert "10,00" in page  # € 12,50 less 20 %
    chosen = list(series.shows.order_by("starts_at").values_list("pk", flat=True))[:4]
    done = client.post(url, {"shows": chosen, "quantity": "2"})
    order = Order.objects.get(series=series)
    assert done["Location"] == reverse("web:shop:order", args=[order.token])
    page = client.get(done["Location"]).content.decode()
    assert "Dezelfde stoelen in elke voorstelling" in page
    assert "Tarief" not in page  # no price to choose per ticket
    checkout = client.post(done["Location"], {"buyer_name": "Anna Abonnee", "buyer_email": "anna@example.nl"})
    assert checkout.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert order.total_cents == 8 * 1000


def test_too_few_shows_or_bad_input_is_told_at_its_field_and_writes_nothing(client):
    series = season(4)
    url = reverse("web:shop:series", args=[series.pk])
    one = list(series.shows.values_list("pk", flat=True))[:1]
    page = client.post(url, {"shows": one, "quantity": "2"}).content.decode()
    assert "Kies minstens 4 voorstellingen" in page
    assert 'id="shows-error"' in page
    page = client.post(url, {"shows": ["abc"], "quantity": "x"}).content.decode()
    assert 'id="quantity-error"' in page
    assert client.get(reverse("web:shop:series", args=[999999])).status_code == 404
    assert not Order.objects.exists()


def test_during_the_presale_a_guest_is_told_until_when_and_buys_nothing(client):
    series = season(4)
    series.public_from = now() + dt.timedelta(days=10)
    series.save()
    url = reverse("web:shop:series", args=[series.pk])
    assert "Voorverkoop voor leden tot " in client.get(url).content.decode()
    ids = list(series.shows.values_list("pk", flat=True))
    page = client.post(url, {"shows": ids, "quantity": "2"}).content.decode()
    assert 'id="refused"' in page
    assert "Voorverkoop voor leden tot " in page
    assert not Order.objects.exists()


def test_a_show_in_presale_refuses_a_guest_on_its_page(client):
    show = f.show(seat_map="3x10", theatre=True)
    show.public_from = now() + dt.timedelta(days=10)
    show.save()
    page = client.post(reverse("web:shop:show", args=[show.pk]), {"quantity": "2"}).content.decode()
    assert "Voorverkoop voor leden tot " in page
    assert not Order.objects.exists()


def _member(client, *, subscribed: bool):
    person = PersonFactory(with_pass=True)
    if subscribed:
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    user = UserFactory(roles=[Role.MEMBER], is_staff=False)
    user.person = person
    user.save()
    client.force_login(user)
    return person


def test_during_the_presale_a_member_with_a_current_pass_buys_and_one_without_is_refused(client, monkeypatch):
    asked = []
    real = series_views.member_pass_current

    def counted(person):
        asked.append(person.pk)
        return real(person)

    monkeypatch.setattr(series_views, "member_pass_current", counted)
    series = season(4)
    series.public_from = now() + dt.timedelta(days=10)
    series.save()
    url = reverse("web:shop:series", args=[series.pk])
    ids = list(series.shows.values_list("pk", flat=True))
    _member(client, subscribed=False)
    page = client.post(url, {"shows": ids, "quantity": "1"}).content.decode()
    assert "Voorverkoop voor leden tot " in page
    assert not Order.objects.exists()
    member = _member(client, subscribed=True)
    done = client.post(url, {"shows": ids, "quantity": "1"})
    assert done.status_code == 302
    assert Order.objects.get(series=series).person == member
    assert len(asked) == 2  # the pass asked once per sale in the presale, yes or no
    series.public_from = None
    series.save()
    client.post(url, {"shows": ids, "quantity": "1"})
    assert len(asked) == 2  # after the presale the library is not asked at all
    assert Order.objects.filter(series=series).count() == 2


def test_seats_picked_on_the_map_but_taken_in_another_show_are_refused_with_the_best_alternative_to_take(client):
    series = season(4)
    url = reverse("web:shop:series", args=[series.pk])
    shows = list(series.shows.order_by("starts_at"))
    seats = {(s.row, s.number): s.pk for s in shows[0].hall.seats.all()}
    seats_hold(show=shows[2], seat_ids=[seats[2, 5]], actor=None)  # taken in the third show only
    ids = [s.pk for s in shows]
    page = client.get(url).content.decode()
    assert 'aria-label="Rij 2, stoel 5"' in page  # free on the first show's map
    refused = client.post(url, {"shows": ids, "seat": [seats[2, 5], seats[2, 6]], "quantity": "2"}).content.decode()
    assert "niet in elke gekozen voorstelling vrij" in refused
    assert 'id="alternative"' in refused
    assert not Order.objects.filter(series=series).exists()
    alternative = [int(v) for v in re.findall(r'name="seat" value="(\d+)">', refused)]
    assert len(alternative) == 2
    assert seats[2, 5] not in alternative
    done = client.post(url, {"shows": ids, "seat": alternative})
    order = Order.objects.get(series=series)
    assert done["Location"] == reverse("web:shop:order", args=[order.token])
    assert set(order.tickets.values_list("seat_id", flat=True)) == set(alternative)
    assert order.tickets.count() == 8
