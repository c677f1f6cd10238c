"""The waiting list in a show's members' presale: freed seats are offered to waiting members in the order
they joined; the others keep their place and are offered seats from the public sale on, everyone in order."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order, Show, ShowSeat, WaitlistEntry
from kolk.boxoffice.services import waitlist
from kolk.boxoffice.services.selling import order_cancel, order_pay, seats_hold
from kolk.core.clock import now
from kolk.core.roles import Role
from kolk.library.services.members import subscription_start
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import SubscriptionTypeFactory

pytestmark = pytest.mark.django_db


def presale_sold_out(seats: int = 4) -> tuple[Show, list[Order]]:
    """A theatre show in its members' presale (public sale in two days), every seat sold to members."""
    show = f.show(seat_map=f"1x{seats}", theatre=True, in_days=20)
    Show.objects.filter(pk=show.pk).update(
        members_from=now() - dt.timedelta(days=1), public_from=now() + dt.timedelta(days=2)
    )
    show.refresh_from_db()
    orders = [
        order_pay(order=seats_hold(show=show, quantity=2, member=True, actor=None), method="cash", actor=None)
        for _ in range(seats // 2)
    ]
    return show, orders


def join(show: Show, n: int, *, member: bool, quantity: int = 1) -> WaitlistEntry:
    return waitlist.waitlist_join(
        show=show,
        name=f"Wachtende {n}",
        email=f"wacht{n}@example.nl",
        quantity=quantity,
        person=PersonFactory(),
        member=member,
        actor=None,
    )


def statuses(*entries: WaitlistEntry) -> list[str]:
    for entry in entries:
        entry.refresh_from_db()
    return [e.status for e in entries]


def test_in_the_presale_freed_seats_go_to_waiting_members_in_order_and_others_wait():
    show, orders = presale_sold_out()
    guest = join(show, 1, member=False)
    first_member = join(show, 2, member=True)
    second_member = join(show, 3, member=True)
    later_guest = join(show, 4, member=False)
    order_cancel(order=orders[0], actor=None, refund=True)  # two seats kept for the list
    # Before: the first in line, a guest, was offered the seats in the members' presale.
    assert waitlist.waitlist_offers_make() == 2
    assert statuses(guest, first_member, second_member, later_guest) == ["waiting", "offered", "offered", "waiting"]
    # The others keep their place: nothing goes back on sale while they wait.
    order_cancel(order=orders[1], actor=None, refund=True)
    assert waitlist.waitlist_offers_make() == 0
    assert ShowSeat.objects.filter(show=show, status=ShowSeat.Status.KEPT).count() == 2
    assert not ShowSeat.objects.filter(show=show, status=ShowSeat.Status.AVAILABLE).exists()
    # From the public sale on, everyone in order of joining.
    assert waitlist.waitlist_offers_make(at=show.public_from + dt.timedelta(minutes=1)) == 2
    assert statuses(guest, later_guest) == ["offered", "offered"]


def test_a_member_s_group_that_fits_goes_before_a_larger_member_group_and_never_a_guest():
    show, orders = presale_sold_out()
    join(show, 1, member=False)
    big = join(show, 2, member=True, quantity=3)
    small = join(show, 3, member=True, quantity=2)
    order_cancel(order=orders[0], actor=None, refund=True)
    assert waitlist.waitlist_offers_make() == 1
    assert statuses(big, small) == ["waiting", "offered"]
    assert small.order.tickets.count() == 2


def test_before_the_members_presale_nobody_is_offered_and_a_guest_is_never_a_member():
    show, orders = presale_sold_out()
    member = join(show, 1, member=True)
    guest = waitlist.waitlist_join(show=show, name="Gast", email="gast@example.nl", quantity=1, member=True, actor=None)
    assert guest.member is False  # no person: the library was not asked about anyone
    order_cancel(order=orders[0], actor=None, refund=True)
    assert waitlist.waitlist_offers_make(at=show.members_from - dt.timedelta(hours=1)) == 0
    assert statuses(member, guest) == ["waiting", "waiting"]
    assert waitlist.waitlist_offers_make() == 1
    assert statuses(member, guest) == ["offered", "waiting"]


def signed_in(client, *, subscribed: bool):
    person = PersonFactory(with_pass=True)
    if subscribed:
        subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    user = UserFactory(roles=[Role.MEMBER], is_staff=False)
    user.person = person
    user.save()
    client.force_login(user)
    return person


@pytest.mark.parametrize("subscribed", [True, False])
def test_the_shop_and_the_api_ask_the_library_in_the_presale_when_someone_joins(client, subscribed):
    show, _orders = presale_sold_out()
    signed_in(client, subscribed=subscribed)
    page = client.post(
        reverse("web:shop:waitlist_join", args=[show.pk]),
        {"name": "Lid Een", "email": "een@example.nl", "quantity": "1"},
    )
    assert page.status_code == 200
    api = client.post(
        f"/api/v1/boxoffice/shows/{show.pk}/waitlist",
        json.dumps({"name": "Lid Twee", "email": "twee@example.nl", "quantity": 1}),
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert list(WaitlistEntry.objects.order_by("id").values_list("member", flat=True)) == [subscribed, subscribed]


def test_after_the_presale_the_library_is_not_asked_when_someone_joins(client):
    show, _orders = presale_sold_out()
    Show.objects.filter(pk=show.pk).update(public_from=now() - dt.timedelta(hours=1))
    signed_in(client, subscribed=True)
    client.post(
        reverse("web:shop:waitlist_join", args=[show.pk]),
        {"name": "Lid Een", "email": "een@example.nl", "quantity": "1"},
    )
    assert WaitlistEntry.objects.get().member is False


def test_the_waiting_list_page_says_members_go_first_in_the_presale(client):
    show, _orders = presale_sold_out()
    url = reverse("web:shop:waitlist_join", args=[show.pk])
    page = client.get(url).content.decode()
    assert "plaatsen die vrijkomen bieden we eerst aan leden op de wachtlijst aan" in page
    assert f"{reverse('web:login')}?next={url}" in page
    Show.objects.filter(pk=show.pk).update(public_from=now() - dt.timedelta(hours=1))
    assert 'id="presale"' not in client.get(url).content.decode()
