"""The portal's sections over the other apps, the privacy request page, and the public catalogue."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import quote

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kolk.boxoffice.models import Show
from kolk.boxoffice.services.selling import order_pay
from kolk.comms.models import OutboxMessage
from kolk.core.clock import now
from kolk.library.models import Loan, Reservation
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import block_set, subscription_start
from kolk.library.services.reservations import reservation_place
from kolk.privacy.access import values_of
from kolk.privacy.models import AuditEntry, RightsRequest
from kolk.web.models import PortalEvent
from tests.billing.factories import make_invoice
from tests.boxoffice.factories import checked_out, show, worker_turn
from tests.library.factories import BranchFactory, CopyFactory, LoanRuleFactory, SubscriptionTypeFactory, TitleFactory
from tests.web.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def rules(db):
    LoanRuleFactory(media_type="book", loan_days=21, renewals=1, max_loans=10, fine_per_day_cents=25)


def _library_member(username: str) -> object:
    user = member(username=username)
    subscription_start(person=user.person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    return user


@pytest.fixture
def lid(client, rules):
    user = _library_member("lid")
    client.force_login(user)
    return user


@pytest.fixture
def ander(rules):
    return _library_member("ander")


def _denied(person) -> bool:
    return (
        PortalEvent.objects.filter(person=person, action="denied").exists()
        and AuditEntry.objects.filter(action="portal.denied").exists()
    )


def _paid_order(person, *, email: str = "lid@example.nl"):
    order = checked_out(show(), quantity=2, email=email)
    order.person = person  # the shop links a logged-in buyer the same way (order_checkout(person=...))
    order.save(update_fields=["person"])
    order = order_pay(order=order, method="cash", actor=None)
    worker_turn()  # the worker queues the ticket mail
    return order


# Mijn abonnement


def test_subscription_page_shows_the_subscription_and_blocks_with_their_reason(client, lid):
    page = client.get(reverse("web:portal_subscription")).content.decode()
    assert "Basis" in page
    assert "Er staat geen blokkade op je pas." in page
    block_set(person=lid.person, reason="overdue", actor=None)
    page = client.get(reverse("web:portal_subscription")).content.decode()
    assert "te laat" in page
    assert "Je kunt nu niet lenen of verlengen." in page


def test_every_section_is_in_the_portal_menu(client, lid):
    page = client.get(reverse("web:portal")).content.decode()
    for name in ["subscription", "loans", "reservations", "tickets", "invoices", "messages", "rights"]:
        assert reverse(f"web:portal_{name}") in page


# Mijn leningen


def test_loans_are_listed_with_due_date_and_renewed(client, lid):
    copy = CopyFactory(title=TitleFactory(title="Oorlogswinter"))
    loan = loan_checkout(copy_barcode=copy.barcode, person=lid.person, actor=None)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=10))  # ten days on: renewing moves the due date
    page = client.get(reverse("web:portal_loans")).content.decode()
    assert "Oorlogswinter" in page
    assert reverse("web:portal_loan_renew", kwargs={"loan_id": loan.pk}) in page

    response = client.post(reverse("web:portal_loan_renew", kwargs={"loan_id": loan.pk}), follow=True)
    assert response.status_code == 200
    assert "Verlengd tot" in response.content.decode()
    assert Loan.objects.get(pk=loan.pk).renewals == 1
    assert PortalEvent.objects.filter(person=lid.person, action="loan_renewed").exists()

    # The rule allows one renewal: the service's refusal is shown, nothing changes.
    response = client.post(reverse("web:portal_loan_renew", kwargs={"loan_id": loan.pk}), follow=True)
    assert "Deze uitlening kan niet vaker worden verlengd." in response.content.decode()
    assert Loan.objects.get(pk=loan.pk).renewals == 1


def test_renewing_is_refused_when_someone_waits(client, lid, ander):
    copy = CopyFactory(title=TitleFactory(title="Kruistocht in spijkerbroek"))
    loan = loan_checkout(copy_barcode=copy.barcode, person=lid.person, actor=None)
    reservation_place(title=copy.title, person=ander.person, pickup_branch=copy.branch, actor=None)
    response = client.post(reverse("web:portal_loan_renew", kwargs={"loan_id": loan.pk}), follow=True)
    assert "Iemand wacht op deze titel: verlengen kan niet." in response.content.decode()
    assert Loan.objects.get(pk=loan.pk).renewals == 0


def test_renewing_another_members_loan_is_404_and_logged(client, lid, ander):
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=ander.person, actor=None)
    response = client.post(reverse("web:portal_loan_renew", kwargs={"loan_id": loan.pk}))
    assert response.status_code == 404
    assert Loan.objects.get(pk=loan.pk).renewals == 0
    assert _denied(lid.person)


def test_renewing_needs_a_post(client, lid):
    copy = CopyFactory()
    loan = loan_checkout(copy_barcode=copy.barcode, person=lid.person, actor=None)
    assert client.get(reverse("web:portal_loan_renew", kwargs={"loan_id": loan.pk})).status_code == 405


# Mijn reserveringen


def test_reservations_are_listed_and_cancelled(client, lid):
    copy = CopyFactory(title=TitleFactory(title="De brief voor de koning"))
    loan_checkout(copy_barcode=copy.barcode, person=_library_member("derde").person, actor=None)
    reservation = reservation_place(title=copy.title, person=lid.person, pickup_branch=BranchFactory(), actor=None)
    page = client.get(reverse("web:portal_reservations")).content.decode()
    assert "De brief voor de koning" in page
    assert "in de wachtrij" in page

    url = reverse("web:portal_reservation_cancel", kwargs={"reservation_id": reservation.pk})
    response = client.post(url, follow=True)
    assert "Je reservering is geannuleerd." in response.content.decode()
    assert Reservation.objects.get(pk=reservation.pk).status == Reservation.Status.CANCELLED
    assert PortalEvent.objects.filter(person=lid.person, action="reservation_cancelled").exists()

    response = client.post(url, follow=True)
    assert "Deze reservering loopt niet meer." in response.content.decode()


def test_a_member_reserves_from_the_catalogue(client, lid):
    copy = CopyFactory(title=TitleFactory(title="Het geheim van de verdwenen zeemeeuw"))
    loan_checkout(copy_barcode=copy.barcode, person=_library_member("derde").person, actor=None)
    page = client.get(reverse("web:catalogue"), {"q": "zeemeeuw"}).content.decode()
    assert reverse("web:portal_reservation_place") in page
    data = {"title": copy.title.pk, "branch": copy.branch.pk}
    response = client.post(reverse("web:portal_reservation_place"), data, follow=True)
    made = Reservation.objects.get(person=lid.person)
    assert (made.title, made.status) == (copy.title, Reservation.Status.WAITING)
    assert "Gereserveerd: Het geheim van de verdwenen zeemeeuw." in response.content.decode()
    assert PortalEvent.objects.filter(person=lid.person, action="reservation_placed").exists()
    # Twice is refused with the library's own message.
    response = client.post(reverse("web:portal_reservation_place"), data, follow=True)
    assert "Deze titel is al gereserveerd voor dit lid." in response.content.decode()
    assert Reservation.objects.filter(person=lid.person).count() == 1


def test_visitors_see_no_reserve_button(client):
    CopyFactory(title=TitleFactory(title="Zeemeeuw"))
    page = client.get(reverse("web:catalogue"), {"q": "zeemeeuw"}).content.decode()
    assert reverse("web:portal_reservation_place") not in page


def test_cancelling_another_members_reservation_is_404_and_logged(client, lid, ander):
    copy = CopyFactory()
    reservation = reservation_place(title=copy.title, person=ander.person, pickup_branch=copy.branch, actor=None)
    response = client.post(reverse("web:portal_reservation_cancel", kwargs={"reservation_id": reservation.pk}))
    assert response.status_code == 404
    assert Reservation.objects.get(pk=reservation.pk).status == reservation.status
    assert _denied(lid.person)


# Mijn kaartjes


def test_tickets_show_paid_orders_with_a_qr_per_upcoming_ticket(client, lid):
    order = _paid_order(lid.person)
    codes = list(order.tickets.values_list("code", flat=True))
    page = client.get(reverse("web:portal_tickets")).content.decode()
    assert "De Aanslag" in page
    assert page.count("<svg") == 2
    for code in codes:
        assert code in page
    detail = client.get(reverse("web:portal_order", kwargs={"order_id": order.pk}))
    assert detail.status_code == 200
    assert detail.content.decode().count("<svg") == 2


def test_tickets_list_the_next_show_first_then_the_shows_that_were(client, lid):
    later, sooner, past = (_paid_order(lid.person) for _ in range(3))
    Show.objects.filter(pk=later.show_id).update(starts_at=now() + dt.timedelta(days=9))
    Show.objects.filter(pk=sooner.show_id).update(starts_at=now() + dt.timedelta(days=2))
    Show.objects.filter(pk=past.show_id).update(starts_at=now() - dt.timedelta(days=3))
    page = client.get(reverse("web:portal_tickets")).content.decode()
    at = [page.index(f'href="{reverse("web:portal_order", kwargs={"order_id": o.pk})}"') for o in (sooner, later, past)]
    assert at == sorted(at)
    assert page.count("<svg") == 4  # the past show's tickets have no code to scan
    detail = client.get(reverse("web:portal_order", kwargs={"order_id": sooner.pk})).content.decode()
    assert f'href="{reverse("web:portal_tickets")}"' in detail.split("<h1>")[1]  # back to all of them
    assert f'href="{reverse("web:portal_order", kwargs={"order_id": sooner.pk})}"' not in detail


def test_an_unpaid_order_is_not_shown(client, lid):
    order = checked_out(show(), quantity=1)
    order.person = lid.person
    order.save(update_fields=["person"])
    page = client.get(reverse("web:portal_tickets")).content.decode()
    assert "<svg" not in page
    assert client.get(reverse("web:portal_order", kwargs={"order_id": order.pk})).status_code == 404


def test_another_members_order_is_404_and_logged(client, lid, ander):
    order = _paid_order(ander.person, email="ander@example.nl")
    response = client.get(reverse("web:portal_order", kwargs={"order_id": order.pk}))
    assert response.status_code == 404
    assert order.tickets.first().code not in response.content.decode()
    assert _denied(lid.person)


# Mijn facturen


def test_invoices_are_listed_with_the_open_amount_and_downloaded_as_pdf(client, lid):
    invoice = make_invoice(lid.person, cents=1234)
    page = client.get(reverse("web:portal_invoices")).content.decode()
    assert invoice.number in page
    assert "€ 12,34" in page
    response = client.get(reverse("web:portal_invoice_pdf", kwargs={"invoice_id": invoice.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert PortalEvent.objects.filter(person=lid.person, action="invoice_downloaded").exists()


def test_another_members_invoice_is_404_and_logged(client, lid, ander):
    invoice = make_invoice(ander.person)
    response = client.get(reverse("web:portal_invoice_pdf", kwargs={"invoice_id": invoice.pk}))
    assert response.status_code == 404
    assert _denied(lid.person)


# Mijn berichten


def test_messages_show_only_my_own_without_bodies(client, lid, ander):
    _paid_order(lid.person)
    _paid_order(ander.person, email="ander@example.nl")
    mine = OutboxMessage.objects.get(person=lid.person)
    theirs = OutboxMessage.objects.get(person=ander.person)
    page = client.get(reverse("web:portal_messages")).content.decode()
    assert mine.subject in page
    assert page.count(mine.subject) == 1  # the other member's mail (same subject) is not listed
    assert theirs.to_address not in page
    assert mine.get_status_display() in page


# Download mijn gegevens


def test_download_is_the_access_package(client, lid):
    response = client.get(reverse("web:portal_download", kwargs={"person_id": lid.person.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    package = json.loads(response.content)
    assert package["subject"] == {"id": lid.person.pk}
    categories = {c["category"]: c for c in package["categories"]}
    assert {"name", "email"} <= set(categories)
    values = [value for *_, value in values_of(categories["name"])]
    assert lid.person.surname in values
    assert categories["name"]["purposes"]
    assert categories["name"]["bases"]
    assert package["choices"]["consents"]
    assert AuditEntry.objects.filter(action="access.package").exists()


# Privacyverzoek


def test_a_privacy_request_is_made_with_channel_portal(client, lid):
    response = client.post(reverse("web:portal_rights"), {"kind": "erasure"}, follow=True)
    assert response.status_code == 200
    made = RightsRequest.objects.get(subject_id=lid.person.pk)
    assert (made.kind, made.channel, made.status) == ("erasure", "portal", "open")
    page = response.content.decode()
    assert "Je verzoek is ontvangen." in page
    assert "verwijdering" in page.split("Mijn verzoeken")[1]
    assert PortalEvent.objects.filter(person=lid.person, action="rights_request").exists()


def test_a_privacy_request_of_an_unknown_kind_is_refused(client, lid):
    response = client.post(reverse("web:portal_rights"), {"kind": "portability"})
    assert response.status_code == 400
    assert not RightsRequest.objects.exists()


def test_the_request_page_shows_only_my_requests(client, lid, ander):
    from kolk.privacy.rights import request_receive

    request_receive(subject=ander.person, kind="complaint", channel="email", actor=None, text="Geen antwoord.")
    page = client.get(reverse("web:portal_rights")).content.decode()
    assert "klacht" not in page.split("Mijn verzoeken")[1]


# Catalogus


def test_the_catalogue_finds_a_title_with_availability_and_its_page_has_share_links(client):
    title = TitleFactory(title="Oorlogswinter", authors="Jan Terlouw", year=1972)
    CopyFactory(title=title)
    TitleFactory(title="Something else", authors="Anders")
    response = client.get(reverse("web:catalogue"), {"q": "oorlog terl"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Oorlogswinter" in page
    assert "Something else" not in page
    assert "1972" in page
    assert "1 exemplaar aanwezig" in page
    assert "sharer" not in page  # a list of results is for choosing, not a row of share links per title
    url = reverse("web:catalogue_title", kwargs={"title_id": title.pk})
    page = client.get(url).content.decode()
    assert "https://www.facebook.com/sharer/sharer.php?u=" + quote(f"http://testserver{url}", safe="") in page
    assert "<script" not in page.split('<main id="main">')[1]  # nothing loaded from a third party
    assert "<iframe" not in page


def test_the_catalogue_is_in_the_main_menu_and_in_english(client):
    page = client.get(reverse("web:home")).content.decode()
    assert reverse("web:catalogue") in page
    response = client.get("/en/catalogus", {"q": "niets"})
    assert response.status_code == 200


def test_the_catalogue_page_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for n in range(20):
        CopyFactory(title=TitleFactory(title=f"Oorlogswinter deel {n}"))
    with django_assert_max_num_queries(5):  # two facet counts, the count, the page, availability for all at once
        response = client.get(reverse("web:catalogue"), {"q": "oorlogswinter"})
    assert response.content.decode().count("exemplaar aanwezig") == 20


def _queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_tickets_page_does_not_grow_with_the_number_of_orders(client, lid):
    url = reverse("web:portal_tickets")
    _paid_order(lid.person)
    one = _queries_for(client, url)
    for _ in range(3):
        _paid_order(lid.person)
    assert _queries_for(client, url) == one
    assert client.get(url).content.decode().count("<svg") == 8


SECTIONS = [
    "web:portal_subscription",
    "web:portal_loans",
    "web:portal_reservations",
    "web:portal_tickets",
    "web:portal_invoices",
    "web:portal_messages",
    "web:portal_rights",
]


@pytest.mark.parametrize("name", SECTIONS)
def test_sections_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


@pytest.mark.parametrize("name", SECTIONS)
def test_sections_wait_for_the_portal_consent(client, name):
    client.force_login(member(username="nog-niet", consent=False))
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:portal_access")


@pytest.mark.parametrize("name", SECTIONS)
def test_sections_are_empty_but_fine_for_a_member_without_anything(client, name):
    client.force_login(member(username="leeg"))
    assert client.get(reverse(name)).status_code == 200


def test_the_loans_page_is_uitleningen_and_its_old_address_leads_there(client):
    """'lening' is a money loan (UX.md): the address says uitleningen; a bookmark of the old one still works."""
    response = client.get("/mijn/leningen")
    assert response.status_code == 301
    assert response["Location"] == "/mijn/uitleningen"
