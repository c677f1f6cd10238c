"""The season made by the box office: a theaterabonnement created and changed, a show's presale dates, and the
presale enforced on every hold (the shop's, the API's, the till's)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from kolk.boxoffice.models import Order, Payment, Series, Show
from kolk.boxoffice.services.payments import till_sale
from kolk.boxoffice.services.presale import Presale
from kolk.boxoffice.services.programme import production_create, programme_create
from kolk.boxoffice.services.selling import seats_hold
from kolk.boxoffice.services.series import (
    SeriesIn,
    series_create,
    series_till_sale,
    series_update,
    show_presale_set,
)
from kolk.core.clock import now
from kolk.core.errors import Invalid, NotAllowed
from kolk.core.roles import Role
from kolk.privacy.models import AuditEntry
from tests.boxoffice import factories as f
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def till():
    return UserFactory(roles=[Role.BOX_OFFICE])


def theatre_shows(n: int = 4, *, seat_map: str = "3x10") -> list[Show]:
    hall = f.hall(seat_map=seat_map)
    return [f.show(hall=hall, theatre=True, in_days=20 + i) for i in range(n)]


def data(shows: list[Show], **changes) -> SeriesIn:
    fields = {
        "name": "Drents  Toneel ",
        "season": "2026-2027",
        "show_ids": [s.pk for s in shows],
        "min_shows": 4,
        "discount_percent": 15,
        "members_from": now() + dt.timedelta(days=1),
        "public_from": now() + dt.timedelta(days=5),
    }
    fields.update(changes)
    return SeriesIn(**fields)


def test_the_box_office_creates_a_theaterabonnement_of_upcoming_shows_audited(till):
    shows = theatre_shows(5)
    series = series_create(data=data(shows), actor=till)
    assert (series.name, series.season, series.min_shows, series.discount_percent) == (
        "Drents Toneel",
        "2026-2027",
        4,
        15,
    )
    assert set(series.shows.values_list("pk", flat=True)) == {s.pk for s in shows}
    entry = AuditEntry.objects.get(action="series.created")
    assert entry.details["shows"] == [s.pk for s in shows]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "Drents\x00Toneel"}, "name"),
        ({"season": "volgend jaar"}, "season"),
        ({"show_ids": []}, "show_ids"),
        ({"min_shows": 6}, "min_shows"),
        ({"min_shows": 0}, "min_shows"),
        ({"discount_percent": 150}, "discount_percent"),
        ({"public_from": now() + dt.timedelta(hours=1)}, "public_from"),  # before the members' presale
        ({"members_from": now() + dt.timedelta(days=60), "public_from": None}, "members_from"),  # after the shows
    ],
)
def test_bad_input_for_a_theaterabonnement_is_told_at_its_field_and_writes_nothing(till, changes, field):
    shows = theatre_shows(4)
    with pytest.raises(ValidationError) as refused:
        series_create(data=data(shows, **changes), actor=till)
    assert field in refused.value.message_dict
    assert not Series.objects.exists()
    assert not AuditEntry.objects.filter(action="series.created").exists()


def test_a_theaterabonnement_holds_upcoming_theatre_shows_in_one_seated_hall(till):
    shows = theatre_shows(3)
    film = f.show(seat_map="3x10")
    elsewhere = f.show(seat_map="3x10", theatre=True)
    free_seating = f.show(capacity=100, theatre=True)
    for extra in (film, elsewhere):
        with pytest.raises(ValidationError) as refused:
            series_create(data=data([*shows, extra], min_shows=3), actor=till)
        assert "show_ids" in refused.value.message_dict
    with pytest.raises(ValidationError):
        series_create(data=data([free_seating], min_shows=1), actor=till)
    with pytest.raises(ValidationError):
        series_create(data=data([*shows], show_ids=[shows[0].pk, 10**9], min_shows=1), actor=till)
    assert not Series.objects.exists()


def test_only_the_box_office_makes_the_season(till):
    shows = theatre_shows(4)
    desk = UserFactory(roles=[Role.DESK])
    for actor in (None, desk):
        with pytest.raises(NotAllowed):
            series_create(data=data(shows), actor=actor)
        with pytest.raises(NotAllowed):
            show_presale_set(show=shows[0], members_from=None, public_from=None, actor=actor)
    assert not Series.objects.exists()


def test_a_series_changed_keeps_its_played_shows_but_takes_no_new_past_one(till):
    shows = theatre_shows(5)
    series = series_create(data=data(shows[:4]), actor=till)
    Show.objects.filter(pk=shows[0].pk).update(starts_at=now() - dt.timedelta(days=1))  # played meanwhile
    series = series_update(
        series=series,
        data=data(shows, name="Drents Toneel B", min_shows=3, members_from=None, public_from=None),
        actor=till,
    )
    assert series.name == "Drents Toneel B"
    assert series.shows.count() == 5
    assert (series.members_from, series.public_from) == (None, None)
    assert AuditEntry.objects.filter(action="series.updated").count() == 1
    past = f.show(hall=shows[1].hall, theatre=True)
    Show.objects.filter(pk=past.pk).update(starts_at=now() - dt.timedelta(days=2))
    with pytest.raises(ValidationError) as refused:
        series_update(series=series, data=data([*shows, past], members_from=None, public_from=None), actor=till)
    assert "show_ids" in refused.value.message_dict
    assert Series.objects.get().shows.count() == 5


def test_a_show_s_presale_is_set_checked_and_cleared(till):
    show = f.show(theatre=True, in_days=30)
    members, public = now() + dt.timedelta(days=2), now() + dt.timedelta(days=9)
    show_presale_set(show=show, members_from=members, public_from=public, actor=till)
    show.refresh_from_db()
    assert (show.members_from, show.public_from) == (members, public)
    with pytest.raises(ValidationError) as refused:
        show_presale_set(show=show, members_from=None, public_from=now() + dt.timedelta(days=31), actor=till)
    assert "public_from" in refused.value.message_dict
    show_presale_set(show=show, members_from=None, public_from=None, actor=till)
    show.refresh_from_db()
    assert show.public_from is None
    assert AuditEntry.objects.filter(action="show.presale_set").count() == 2


def test_a_programme_run_is_made_with_its_presale_or_not_at_all(till):
    hall = f.hall(seat_map="2x5")
    work = production_create(title="Gijsbrecht", actor=None)
    starts = [now() + dt.timedelta(days=10), now() + dt.timedelta(days=11)]
    members, public = now() + dt.timedelta(days=1), now() + dt.timedelta(days=3)
    shows = programme_create(
        hall=hall,
        starts=starts,
        prices={"regular": 2000},
        production=work,
        members_from=members,
        public_from=public,
        actor=till,
    )
    assert {(s.members_from, s.public_from) for s in shows} == {(members, public)}
    with pytest.raises(ValidationError):
        programme_create(
            hall=hall,
            starts=[now() + dt.timedelta(days=12), now() + dt.timedelta(days=2)],
            prices={"regular": 2000},
            production=work,
            public_from=public,  # after the second show starts
            actor=till,
        )
    assert Show.objects.count() == 2


# --- the presale on every hold ---


def presale_show(*, members_in_days: float | None = None, public_in_days: float = 3) -> Show:
    show = f.show(seat_map="3x10", theatre=True, in_days=20)
    Show.objects.filter(pk=show.pk).update(
        members_from=now() + dt.timedelta(days=members_in_days) if members_in_days is not None else None,
        public_from=now() + dt.timedelta(days=public_in_days),
    )
    show.refresh_from_db()
    return show


def test_a_hold_in_the_members_presale_is_only_for_a_member(till):
    show = presale_show(members_in_days=-1)
    with pytest.raises(Presale, match="Voorverkoop voor leden tot"):
        seats_hold(show=show, quantity=2, actor=None)
    assert not Order.objects.exists()
    assert seats_hold(show=show, quantity=2, member=True, actor=None).tickets.count() == 2


def test_before_the_members_presale_nobody_buys_the_till_neither(till):
    show = presale_show(members_in_days=1)
    with pytest.raises(Presale, match="De verkoop begint op"):
        seats_hold(show=show, quantity=1, member=True, actor=None)
    with pytest.raises(Presale, match="De verkoop begint op"):
        till_sale(show=show, quantity=1, method="cash", member_pass_seen=True, actor=till)
    assert not Order.objects.exists()


def test_the_till_sells_in_the_presale_to_a_member_whose_pass_it_saw(till):
    show = presale_show()
    with pytest.raises(Presale):
        till_sale(show=show, quantity=1, method="card", actor=till)
    sale = till_sale(show=show, quantity=1, method="card", member_pass_seen=True, actor=till)
    assert sale.order.status == Order.Status.PAID


def test_after_the_presale_everyone_buys():
    show = presale_show(members_in_days=-5, public_in_days=-1)
    assert seats_hold(show=show, quantity=1, actor=None).status == Order.Status.HELD


def test_a_series_sold_by_card_keeps_the_terminal_s_reference_and_a_bad_one_sells_nothing(till):
    series = series_create(data=data(theatre_shows(4), members_from=None, public_from=None), actor=till)
    ids = [s.pk for s in series.shows.all()]
    with pytest.raises(Invalid) as refused:
        series_till_sale(series=series, show_ids=ids, quantity=2, method="card", card_reference="12\x0034", actor=till)
    assert "card_reference" in refused.value.fields
    assert not Order.objects.exists()
    sale = series_till_sale(
        series=series, show_ids=ids, quantity=2, method="card", card_reference=" 0042  7731 ", actor=till
    )
    assert sale.order.payment_ref == "0042 7731"
    assert Order.objects.get().payment_ref == "0042 7731"
    assert Payment.objects.get(order=sale.order).provider_ref == "0042 7731"
    cash = series_till_sale(series=series, show_ids=ids, quantity=1, method="cash", card_reference="99", actor=till)
    assert cash.order.payment_ref == ""  # cash has no terminal
