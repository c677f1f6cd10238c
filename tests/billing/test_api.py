"""The billing API with the Django test client and session logins."""

from __future__ import annotations

import pytest

from kolk.billing.services import payment_record
from kolk.core.roles import Role
from kolk.privacy.models import AuditEntry
from tests.billing.factories import make_invoice
from tests.factories import PersonFactory, UserFactory, staff_login

pytestmark = pytest.mark.django_db

API = "/api/v1/billing"


@pytest.fixture
def anna():
    person = PersonFactory(given_name="Anna")
    paid, open_ = make_invoice(person, cents=1000), make_invoice(person, cents=2500, vat=9)
    payment_record(invoice=paid, amount_cents=1000, method="cash", reference="K1", actor=None)
    payment_record(invoice=open_, amount_cents=500, method="cash", reference="K2", actor=None)
    return person


@pytest.fixture
def member(anna):
    return UserFactory(person=anna, is_staff=False, roles=[Role.MEMBER])


@pytest.mark.parametrize("role", [Role.DESK, Role.LIBRARY_STAFF, Role.ADMINISTRATOR])
def test_staff_roles_list_invoices_and_the_read_is_logged(client, anna, role):
    staff_login(client, UserFactory(roles=[role]))
    response = client.get(f"{API}/people/{anna.pk}/invoices")
    assert response.status_code == 200
    body = response.json()
    assert [i["status"] for i in body] == ["open", "paid"]
    assert body[0]["total_cents"] == 2500
    assert body[0]["paid_cents"] == 500
    assert body[0]["open_cents"] == 2000
    assert body[1]["open_cents"] == 0
    assert AuditEntry.objects.filter(action="subject.viewed", details__purpose="invoicing").count() == 1


def test_the_box_office_serves_no_invoicing_and_reads_no_invoices(client, anna):
    """The register gives the box office ticket sales, not invoicing: its role is refused outright."""
    invoice = anna.invoices.first()
    client.force_login(UserFactory(roles=[Role.BOX_OFFICE]))
    assert client.get(f"{API}/people/{anna.pk}/invoices").status_code == 403
    assert client.get(f"{API}/invoices/{invoice.pk}").status_code == 403
    assert not AuditEntry.objects.filter(action="subject.viewed").exists()


def test_member_sees_own_invoices_only(client, anna, member):
    other = PersonFactory()
    theirs = make_invoice(other)
    client.force_login(member)
    assert client.get(f"{API}/people/{anna.pk}/invoices").status_code == 200
    assert client.get(f"{API}/people/{other.pk}/invoices").status_code == 404  # as if nobody were there
    assert client.get(f"{API}/invoices/{theirs.pk}").status_code == 404
    assert client.get(f"{API}/invoices/{theirs.pk}/pdf").status_code == 404
    assert not AuditEntry.objects.filter(action="subject.viewed").exists()


def test_other_roles_and_anonymous_are_refused(client, anna):
    invoice = anna.invoices.first()
    assert client.get(f"{API}/people/{anna.pk}/invoices").status_code == 401
    assert client.get(f"{API}/invoices/{invoice.pk}").status_code == 401
    # Roles that serve no invoicing are refused as roles: that tells nothing about anyone.
    client.force_login(UserFactory(roles=[Role.MARKETING]))
    assert client.get(f"{API}/people/{anna.pk}/invoices").status_code == 403
    assert client.get(f"{API}/invoices/{invoice.pk}").status_code == 403
    staff_login(client, UserFactory(roles=[Role.PRIVACY_OFFICER]))
    assert client.get(f"{API}/invoices/{invoice.pk}/pdf").status_code == 403


def test_one_invoice_with_lines_and_vat(client, anna, member):
    invoice = anna.invoices.get(total_cents=2500)
    client.force_login(member)
    body = client.get(f"{API}/invoices/{invoice.pk}").json()
    assert body["number"] == invoice.number
    assert body["person_id"] == anna.pk
    assert body["lines"] == [
        {
            "description": "Abonnement Basis",
            "quantity": 1,
            "unit_amount_cents": 2500,
            "vat_percent": 9,
            "amount_cents": 2500,
        }
    ]
    assert body["vat"] == [{"percent": 9, "gross_cents": 2500, "net_cents": 2294, "vat_cents": 206}]
    assert body["settled_at"] is None


def test_pdf(client, anna, member):
    invoice = anna.invoices.first()
    client.force_login(member)
    response = client.get(f"{API}/invoices/{invoice.pk}/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert invoice.number in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF-")


def test_not_found(client, staff):
    client.force_login(staff)
    assert client.get(f"{API}/people/999999/invoices").status_code == 404
    assert client.get(f"{API}/invoices/999999").status_code == 404


def test_listing_takes_a_bounded_number_of_queries(client, anna, django_assert_max_num_queries):
    for _ in range(20):
        make_invoice(anna)
    client.force_login(UserFactory(roles=[Role.DESK]))
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/people/{anna.pk}/invoices").json()) == 22


def test_openapi_lists_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/billing/people/{person_id}/invoices" in paths
    assert "/api/v1/billing/invoices/{invoice_id}/pdf" in paths


@pytest.mark.parametrize(
    "path", ["/people/abc/invoices", "/invoices/1.5", "/invoices/-1/pdf", "/invoices/99999999999999999999"]
)
def test_garbage_ids_are_refused_cleanly(client, staff, path):
    client.force_login(staff)
    assert client.get(f"{API}{path}").status_code in {404, 422}
