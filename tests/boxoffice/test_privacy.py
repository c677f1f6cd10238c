"""Privacy of ticket buyers: two-year retention with counts that stay, marketing reads through the gate,
and the Mosaic export (R07) through the disclosure function."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.boxoffice.marketing import mosaic_export, theatre_buyers_analysis
from kolk.boxoffice.models import Order, ShowStats, Ticket
from kolk.boxoffice.privacy import ticket_purchased
from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from kolk.core.clock import now, today
from kolk.people.models import Gender
from kolk.privacy.ledger import objection_record, restriction_record
from kolk.privacy.models import Disclosure, DisclosureItem
from kolk.privacy.retention import expired_subjects, retention_run
from tests.boxoffice import factories as f
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def buy(show, person=None, email="gast@example.nl"):
    order = seats_hold(show=show, quantity=1, person=person, actor=None)
    order = order_checkout(order=order, buyer_name="Koper", buyer_email=email, actor=None)
    return order_pay(order=order, method="card", actor=None)


def test_ticket_purchased_gives_each_buyer_their_last_purchase_date():
    show = f.show()
    anna, bert = PersonFactory(), PersonFactory()
    buy(show, anna)
    buy(show, anna)
    buy(show)  # a guest is nobody's event
    rows = list(ticket_purchased())
    assert rows == [{"subject_id": anna.pk, "event_date": today()}]
    assert bert.pk not in {r["subject_id"] for r in rows}


def test_after_two_years_orders_lose_their_buyer_and_the_counts_stay(monkeypatch):
    show = f.show()
    anna = PersonFactory()
    member_order, guest_order = buy(show, anna), buy(show)
    # for the person, the ticket rule runs out two years after her last purchase
    assert anna.pk not in {r["subject_id"] for r in expired_subjects("tickets", today() + dt.timedelta(days=700))}
    assert anna.pk in {r["subject_id"] for r in expired_subjects("tickets", today() + dt.timedelta(days=731))}
    later = now() + dt.timedelta(days=365 * 2 + 1)
    monkeypatch.setattr("kolk.boxoffice.privacy.now", lambda: later)  # the show is long past by then
    report = retention_run(actor=None, on=today() + dt.timedelta(days=365 * 2 - 2))
    assert Order.objects.filter(anonymised=True).count() == 0
    report = retention_run(actor=None, on=today() + dt.timedelta(days=365 * 2 + 1))
    assert [r.done for r in report.rules if r.name == "boxoffice.Order"] == [2]
    for order in (member_order, guest_order):
        order.refresh_from_db()
        assert (order.person_id, order.buyer_name, order.buyer_email, order.anonymised) == (None, "", "", True)
    assert Ticket.objects.filter(show=show).count() == 2
    assert ShowStats.objects.get(show=show, kind="regular").sold == 2


def test_theatre_buyer_analysis_leaves_out_objectors_and_restricted_people():
    play, film = f.show(theatre=True), f.show()
    young = PersonFactory(gender=Gender.FEMALE, date_of_birth=dt.date(2001, 1, 1), town="Assen")
    old = PersonFactory(gender=Gender.MALE, date_of_birth=dt.date(1950, 1, 1), town="Rolde")
    objector, restricted, cinema_only = PersonFactory(), PersonFactory(), PersonFactory()
    for person in (young, old, objector, restricted):
        buy(play, person)
    buy(film, cinema_only)
    objection_record(subject=objector, purpose="marketing_analysis", objects=True, method="web", actor=None)
    restriction_record(subject=restricted, restricted=True, reason="verzoek", actor=None)
    result = theatre_buyers_analysis(actor=None, since=today() - dt.timedelta(days=1))
    assert sum(result["gender"].values()) == 2
    assert result["gender"] == {"f": 1, "m": 1}
    assert result["town"] == {"Assen": 1, "Rolde": 1}
    assert result["age"]["65+"] == 1
    assert result["price"] == {"regular": 2}


def test_the_mosaic_export_goes_through_disclosure_and_records_every_person():
    show = f.show(theatre=True)
    buyers = [PersonFactory(postcode="9401 AB", gender=Gender.FEMALE) for _ in range(3)]
    for person in buyers:
        buy(show, person)
    objection_record(subject=buyers[0], purpose="segmentation", objects=True, method="web", actor=None)
    disclosure, data = mosaic_export(actor=None, since=today() - dt.timedelta(days=1))
    lines = data.decode().splitlines()
    assert lines[0] == "postcode;house_number;gender;date_of_birth"
    assert len(lines) == 3
    assert "Koper" not in data.decode()
    assert Disclosure.objects.get(pk=disclosure.pk).recipient == "R07"
    assert set(DisclosureItem.objects.filter(disclosure=disclosure).values_list("subject_id", flat=True)) == {
        buyers[1].pk,
        buyers[2].pk,
    }


def test_the_mosaic_command_writes_the_file(tmp_path):
    from django.core.management import call_command

    buy(f.show(), PersonFactory())
    out = tmp_path / "mosaic.csv"
    call_command("boxoffice", "mosaic", "--out", str(out))
    assert len(out.read_text().splitlines()) == 2
    assert Disclosure.objects.filter(recipient="R07", person_count=1).exists()


def test_a_person_with_a_ticket_for_a_coming_show_is_kept():
    from kolk.boxoffice.privacy import ticket_holders

    anna, bert = PersonFactory(), PersonFactory()
    buy(f.show(), anna)
    order_checkout(
        order=seats_hold(show=f.show(), quantity=1, person=bert, actor=None),
        buyer_name="B",
        buyer_email="b@example.nl",
        actor=None,
    )  # not paid: nothing to keep
    assert [r["person_id"] for r in ticket_holders()] == [anna.pk]
