"""The Kijkwijzer age check: a 16+ film asks "16 or older?" at the till and the door, answered yes,
no or unknown from the member's birth date through the purpose gate (row B05), never the date itself."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import dateformat, timezone

from kolk.boxoffice.services.age import age_check, age_check_pass, age_to_check
from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
from kolk.core.clock import today
from kolk.core.errors import NotFound
from kolk.core.roles import Role
from kolk.privacy.audit import pseudonym
from kolk.privacy.ledger import restriction_record
from kolk.privacy.models import AuditEntry
from kolk.privacy.reads import staff_reads
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def born_years_ago(years: int, days: int = 0) -> dt.date:
    on = today()
    return (
        on.replace(year=on.year - years) - dt.timedelta(days=days)
        if (on.month, on.day) != (2, 29)
        else dt.date(on.year - years, 2, 28)
    )


@pytest.fixture
def kassa(client):
    user = UserFactory(roles=[Role.BOX_OFFICE])
    client.force_login(user)
    return user


def _bought(show, person):
    order = seats_hold(show=show, quantity=1, person=person, actor=None)
    order = order_checkout(
        order=order, buyer_name=person.full_name, buyer_email="lid@example.nl", person=person, actor=None
    )
    return order_pay(order=order, method="card", actor=None)


def test_only_a_film_rated_16_or_18_asks_for_an_age():
    assert age_to_check(f.show(age_rating="16")) == 16
    assert age_to_check(f.show(age_rating="18")) == 18
    for rating in ("AL", "12", "14", ""):
        assert age_to_check(f.show(age_rating=rating)) is None
    assert age_to_check(f.show(theatre=True)) is None


def test_yes_no_or_unknown_from_the_birth_date_and_the_day_of_the_sixteenth_birthday_is_yes(kassa):
    show = f.show(age_rating="16")
    cases = {
        "yes": PersonFactory(date_of_birth=born_years_ago(16)),  # sixteen today
        "no": PersonFactory(date_of_birth=born_years_ago(16, days=-1)),  # sixteen tomorrow
        "unknown": PersonFactory(date_of_birth=None),
    }
    for answer, person in cases.items():
        got = age_check(person_id=person.pk, show=show, actor=kassa)
        assert got.answer == answer, person.date_of_birth
    assert age_check(person_id=None, show=show, actor=kassa).answer == "unknown"  # a walk-in: ask for an ID
    assert age_check(person_id=cases["yes"].pk, show=f.show(age_rating="12"), actor=kassa) is None
    eighteen = f.show(age_rating="18")
    assert (
        age_check(person_id=PersonFactory(date_of_birth=born_years_ago(17)).pk, show=eighteen, actor=kassa).answer
        == "no"
    )


def test_what_staff_read_is_the_answer_and_the_read_is_logged_as_a_staff_read_for_the_age_check(kassa):
    show = f.show(age_rating="16")
    person = PersonFactory(date_of_birth=dt.date(1990, 3, 4))
    seen = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    got = age_check(person_id=person.pk, show=show, actor=kassa)
    assert (got.answer, got.label, got.advice, got.tone) == ("yes", "16+: ja", "", "ok")
    assert not any(isinstance(v, dt.date) for v in vars(got).values())
    viewed = AuditEntry.objects.get(pk__gt=seen, action="subject.viewed")
    assert viewed.subject_ref == pseudonym(person)
    assert viewed.details == {"purpose": "age_check", "roles": ["box_office"]}
    read = AuditEntry.objects.get(pk__gt=seen, action="privacy.read")
    assert read.details["purpose"] == "age_check"
    assert read.details["fields"] == ["date_of_birth"]
    assert "1990" not in json.dumps([viewed.details, read.details])
    # The member sees it among the staff reads of their record, with its purpose.
    assert [r.purpose for r in staff_reads(person)][:1] == ["age_check"]


def test_a_restricted_member_is_unknown_and_an_unknown_pass_is_not_found(kassa):
    show = f.show(age_rating="16")
    person = PersonFactory(date_of_birth=dt.date(1990, 3, 4), with_pass=True)
    restriction_record(subject=person, restricted=True, reason="Onjuistheid betwist", actor=None)
    assert age_check_pass(pass_number=person.pass_number, show=show, actor=kassa).answer == "unknown"
    with pytest.raises(NotFound):
        age_check_pass(pass_number="29999999999999", show=show, actor=kassa)
    with pytest.raises(NotFound):
        age_check_pass(pass_number="1; drop", show=show, actor=kassa)


def _no_date_of(person, text):
    born = person.date_of_birth
    for shown in (
        born.isoformat(),
        f"{born:%d-%m-%Y}",
        dateformat.format(born, "j F Y"),
        dateformat.format(born, "j b Y"),
    ):
        assert shown not in text


def test_the_till_scans_a_pass_and_shows_the_answer_not_the_date(client, kassa):
    show = f.show(age_rating="16", seat_map="3x5")
    old = PersonFactory(date_of_birth=dt.date(1991, 6, 7), with_pass=True)
    young = PersonFactory(date_of_birth=born_years_ago(12), with_pass=True)
    till = client.get(reverse("desk:boxoffice_show", args=[show.pk])).content.decode()
    assert 'name="pass"' in till
    assert "Leeftijd controleren" in till
    url = reverse("desk:boxoffice_age", args=[show.pk])
    answer = client.post(url, {"pass": old.pass_number}, HTTP_HX_REQUEST="true").content.decode()
    assert "16+: ja" in answer
    _no_date_of(old, answer)
    answer = client.post(url, {"pass": young.pass_number}, HTTP_HX_REQUEST="true").content.decode()
    assert "16+: nee" in answer
    assert "geen toegang" in answer
    _no_date_of(young, answer)
    answer = client.post(url, {"pass": "12345"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Onbekende pas" in answer
    # Without htmx the whole till comes back, with the answer.
    page = client.post(url, {"pass": old.pass_number}).content.decode()
    assert "16+: ja" in page
    assert 'id="till"' in page
    # A film without an age check has no pass field at the till.
    plain = client.get(reverse("desk:boxoffice_show", args=[f.show(age_rating="12").pk])).content.decode()
    assert 'name="pass"' not in plain


def test_the_door_and_the_order_show_the_buyers_answer(client, kassa):
    show = f.show(age_rating="16", seat_map="3x5")
    young = PersonFactory(date_of_birth=born_years_ago(15))
    order = _bought(show, young)
    code = order.tickets.first().code
    page = client.post(reverse("desk:boxoffice_checkin", args=[show.pk]), {"code": code}).content.decode()
    assert "Welkom!" in page
    assert "16+: nee" in page
    _no_date_of(young, page)
    order_page = client.get(reverse("desk:boxoffice_order", args=[order.pk])).content.decode()
    assert "16+: nee" in order_page
    _no_date_of(young, order_page)
    adult = PersonFactory(date_of_birth=dt.date(1970, 1, 2))
    second = _bought(show, adult)
    answer = client.post(
        reverse("desk:boxoffice_door_sync", args=[show.pk]),
        json.dumps({"scans": [{"code": second.tickets.first().code}]}),
        content_type="application/json",
    ).json()
    assert answer["results"][0]["age"] == {"label": "16+: ja", "tone": "ok", "advice": ""}
    assert "1970" not in json.dumps(answer)
    # A walk-in's ticket: unknown, check an ID.
    walk_in = order_pay(order=f.checked_out(show, quantity=1), method="card", actor=None)
    answer = client.post(
        reverse("desk:boxoffice_door_sync", args=[show.pk]),
        json.dumps({"scans": [{"code": walk_in.tickets.first().code}]}),
        content_type="application/json",
    ).json()
    assert answer["results"][0]["age"] == {"label": "16+: onbekend", "tone": "warn", "advice": "Leeftijd controleren"}


def test_offline_scans_sent_later_carry_no_age_check(client, kassa):
    show = f.show(age_rating="16", seat_map="3x5", in_days=0.2)
    order = _bought(show, PersonFactory(date_of_birth=dt.date(1970, 1, 2)))
    at = timezone.now() - dt.timedelta(minutes=3)
    seen = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    answer = client.post(
        reverse("desk:boxoffice_door_sync", args=[show.pk]),
        json.dumps({"scans": [{"code": order.tickets.first().code, "at": at.isoformat()}]}),
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["results"][0]["age"] is None
    assert not AuditEntry.objects.filter(pk__gt=seen, action="subject.viewed").exists()


def test_the_api_scan_carries_the_buyers_answer(client, kassa):
    show = f.show(age_rating="16", seat_map="3x5")
    order = _bought(show, PersonFactory(date_of_birth=dt.date(2001, 8, 9)))
    answer = client.post(
        "/api/v1/boxoffice/checkin",
        json.dumps({"code": order.tickets.first().code, "show_id": show.pk}),
        content_type="application/json",
    ).json()
    assert answer["result"] == "ok"
    assert answer["age_check"] == {"age": 16, "answer": "yes", "label": "16+: ja"}
    assert "2001" not in json.dumps(answer)
    plain = f.show(age_rating="12", seat_map="2x2")
    other = _bought(plain, PersonFactory())
    answer = client.post(
        "/api/v1/boxoffice/checkin",
        json.dumps({"code": other.tickets.first().code, "show_id": plain.pk}),
        content_type="application/json",
    ).json()
    assert answer["age_check"] is None
