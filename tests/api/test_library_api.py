"""The library API: roles (desk/staff for anyone, a member only their own), the flows, the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from kolk.core.roles import Role
from kolk.library.models import Loan
from kolk.library.services.members import subscription_start
from tests.factories import PersonFactory, UserFactory
from tests.library.factories import BranchFactory, CopyFactory, SubscriptionTypeFactory, TitleFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/library"


@pytest.fixture
def desk(client, staff):
    client.force_login(staff)
    return client


def test_checkout_renew_checkin_through_the_api(desk, member, copy):
    r = desk.post(
        f"{API}/loans/checkout", {"copy_barcode": copy.barcode, "person_id": member.pk}, content_type="application/json"
    )
    assert r.status_code == 201, r.content
    loan_id = r.json()["id"]
    r = desk.post(
        f"{API}/loans/checkout", {"copy_barcode": copy.barcode, "person_id": member.pk}, content_type="application/json"
    )
    assert r.status_code == 409
    assert "al uitgeleend" in r.json()["message"]
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    assert desk.post(f"{API}/loans/{loan_id}/renew").json()["renewals"] == 1
    r = desk.get(f"{API}/loans", {"person_id": member.pk})
    assert [loan["id"] for loan in r.json()] == [loan_id]
    r = desk.post(f"{API}/loans/checkin", {"copy_barcode": copy.barcode}, content_type="application/json")
    assert r.status_code == 200
    assert r.json()["loan"]["returned_at"] is not None


def test_checkout_and_checkin_over_the_api_take_a_fixed_number_of_queries(
    desk, member, copy, django_assert_num_queries
):
    """The desk's hot path, request and answer together; the answer reads no row a second time.

    Each request: the session, its user and their roles (3), the transaction (2). A checkout:
    the person, the copy (locked), blocks, subscription, loan rule, open loans (6), then the
    loan, the copy, the month's count, the last activity and one audit entry (5); the act is
    its own audit entry, no separate staff read. A check-in: the copy, its open loan, the
    next reservation (3), then the loan, the copy, the last activity and the audit entry (4).
    """
    body = {"copy_barcode": copy.barcode, "person_id": member.pk}
    desk.post(f"{API}/loans/checkout", body, content_type="application/json")  # warm the caches
    desk.post(f"{API}/loans/checkin", {"copy_barcode": copy.barcode}, content_type="application/json")
    with django_assert_num_queries(16) as checkout:
        assert desk.post(f"{API}/loans/checkout", body, content_type="application/json").status_code == 201
    with django_assert_num_queries(12) as checkin:
        r = desk.post(f"{API}/loans/checkin", {"copy_barcode": copy.barcode}, content_type="application/json")
    assert r.json()["loan"]["copy_barcode"] == copy.barcode
    for queries in (checkout, checkin):
        copy_reads = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('SELECT "library_copy"')]
        assert len(copy_reads) == 1, copy_reads
        audit = [q["sql"] for q in queries.captured_queries if 'INTO "privacy_auditentry"' in q["sql"]]
        assert len(audit) == 1, audit


def test_reservation_hold_on_checkin_and_blocks(desk, member, copy, staff):
    branch = BranchFactory(code="vries", name="Bibliotheek Vries")
    other = PersonFactory()
    subscription_start(person=other, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    desk.post(
        f"{API}/loans/checkout", {"copy_barcode": copy.barcode, "person_id": member.pk}, content_type="application/json"
    )
    r = desk.post(
        f"{API}/reservations",
        {"title_id": copy.title_id, "person_id": other.pk, "pickup_branch": "vries"},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["status"] == "waiting"
    r = desk.post(f"{API}/loans/checkin", {"copy_barcode": copy.barcode}, content_type="application/json")
    assert r.json()["hold_for_name"] == other.full_name
    assert r.json()["pickup_branch"] == branch.code
    r = desk.post(
        f"{API}/members/{member.pk}/blocks", {"reason": "manual", "note": ""}, content_type="application/json"
    )
    assert r.status_code == 201
    block_id = r.json()["id"]
    r = desk.post(
        f"{API}/loans/checkout",
        {"copy_barcode": CopyFactory().barcode, "person_id": member.pk},
        content_type="application/json",
    )
    assert r.status_code == 409
    assert "Geblokkeerd" in r.json()["message"]
    assert desk.post(f"{API}/blocks/{block_id}/lift").json()["lifted_at"] is not None


def test_start_and_cancel_a_subscription(desk):
    SubscriptionTypeFactory(code="compleet", name="Compleet", fee_adult_cents=7900)
    person = PersonFactory()
    r = desk.post(
        f"{API}/members/{person.pk}/subscriptions",
        {"type": "compleet", "id_seen": True},
        content_type="application/json",
    )
    assert r.status_code == 201
    assert r.json()["fee_cents"] == 7900
    r = desk.post(f"{API}/subscriptions/{r.json()['id']}/cancel", {"reason": "price"}, content_type="application/json")
    assert r.json()["status"] == "cancelled"
    r = desk.post(
        f"{API}/members/{PersonFactory().pk}/subscriptions",
        {"type": "compleet", "id_seen": False},
        content_type="application/json",
    )
    assert r.status_code == 422


def test_a_member_sees_only_their_own_record(client, member, copy, staff):
    user = UserFactory(roles=[Role.MEMBER], is_staff=False, person=member)
    client.force_login(user)
    assert client.get(f"{API}/members/{member.pk}").status_code == 200
    assert client.get(f"{API}/members/{PersonFactory().pk}").status_code == 404  # as if nobody were there
    assert client.post(f"{API}/members/search", {"q": "a"}, content_type="application/json").status_code == 403
    r = client.post(
        f"{API}/loans/checkout", {"copy_barcode": copy.barcode, "person_id": member.pk}, content_type="application/json"
    )
    assert r.status_code == 403  # a member checks nothing out over the API: the desk does
    assert Loan.objects.count() == 0


def test_anonymous_gets_the_catalogue_but_not_members(client):
    TitleFactory(title="Max Havelaar", authors="Multatuli", search_text="Max Havelaar Multatuli")
    assert [t["title"] for t in client.get(f"{API}/catalogue", {"q": "multatuli"}).json()] == ["Max Havelaar"]
    assert client.get(f"{API}/members/1").status_code == 401


def test_the_library_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/loans/checkout",
        "/loans/checkin",
        "/loans/{loan_id}/renew",
        "/reservations",
        "/catalogue",
        "/members/{person_id}",
        "/copies/{barcode}",
    ):
        assert f"{API}{path}" in paths


def test_a_member_renews_and_reserves_for_themself(client, member, copy, staff):
    from kolk.library.services.loans import loan_checkout

    loan = loan_checkout(copy_barcode=copy.barcode, person=member, actor=staff)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    client.force_login(UserFactory(roles=[Role.MEMBER], is_staff=False, person=member))
    r = client.post(f"{API}/loans/{loan.pk}/renew")
    assert r.status_code == 200
    assert r.json()["renewals"] == 1
    other_title = CopyFactory().title
    r = client.post(
        f"{API}/reservations",
        {"title_id": other_title.pk, "person_id": member.pk, "pickup_branch": copy.branch.code},
        content_type="application/json",
    )
    assert r.status_code == 201
    r = client.post(
        f"{API}/reservations",
        {"title_id": other_title.pk, "person_id": PersonFactory().pk, "pickup_branch": copy.branch.code},
        content_type="application/json",
    )
    assert r.status_code == 404


def test_library_staff_add_titles_and_copies_the_desk_cannot(client, staff):
    from tests.library.factories import BranchFactory as Branches

    Branches(code="assen")
    client.force_login(staff)  # desk
    assert client.post(f"{API}/titles", {"title": "X"}, content_type="application/json").status_code == 403
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    r = client.post(f"{API}/titles", {"title": "De avonden", "isbn": "90-5831-002-8"}, content_type="application/json")
    assert r.status_code == 422
    assert "ISBN" in r.json()["message"]
    r = client.post(f"{API}/titles", {"title": "De avonden", "authors": "Gerard Reve"}, content_type="application/json")
    assert r.status_code == 201
    title_id = r.json()["id"]
    r = client.post(
        f"{API}/titles/{title_id}/copies", {"barcode": "3999000001", "branch": "assen"}, content_type="application/json"
    )
    assert r.status_code == 201
    assert r.json()["status"] == "available"
    assert [t["id"] for t in client.get(f"{API}/catalogue", {"q": "reve"}).json()] == [title_id]
