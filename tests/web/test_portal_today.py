"""The portal opens on today (UX.md): what is due and overdue, what is ready to collect and
where, what is owed, the next tickets; one button renews all. Renewing counts only when it
moves the due date."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from kolk.boxoffice.services.selling import order_pay
from kolk.core.clock import today
from kolk.core.errors import KolkError
from kolk.library.models import Loan
from kolk.library.services.loans import loan_checkout, loan_renew
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_place
from tests.billing.factories import make_invoice
from tests.boxoffice.factories import checked_out, show
from tests.library.factories import BranchFactory, CopyFactory, LoanRuleFactory, SubscriptionTypeFactory, TitleFactory
from tests.web.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lid(client):
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    user = member()
    subscription_start(person=user.person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    client.force_login(user)
    return user


def _loan(person, title: str, *, due_in: int | None = None) -> Loan:
    loan = loan_checkout(copy_barcode=CopyFactory(title=TitleFactory(title=title)).barcode, person=person, actor=None)
    if due_in is not None:
        Loan.objects.filter(pk=loan.pk).update(due_on=today() + dt.timedelta(days=due_in))
    return Loan.objects.get(pk=loan.pk)


def test_renewing_that_would_not_move_the_due_date_is_refused_and_uses_no_renewal(lid):
    # Due in 30 days (a longer loan, or renewed before): today + 21 days gains nothing.
    loan = _loan(lid.person, "Oorlogswinter", due_in=30)
    with pytest.raises(KolkError) as refused:
        loan_renew(loan=loan, actor=None)
    assert refused.value.code == "too_early"
    again = Loan.objects.get(pk=loan.pk)
    assert (again.renewals, again.due_on) == (0, loan.due_on)


def test_renewing_on_the_day_of_checkout_gains_nothing_and_is_refused(lid):
    loan = _loan(lid.person, "Oorlogswinter")
    with pytest.raises(KolkError):
        loan_renew(loan=loan, actor=None)
    assert Loan.objects.get(pk=loan.pk).renewals == 0


def test_renewing_eleven_days_early_moves_the_due_date(lid):
    loan = _loan(lid.person, "Oorlogswinter", due_in=11)
    renewed = loan_renew(loan=loan, actor=None)
    assert renewed.renewals == 1
    assert renewed.due_on == today() + dt.timedelta(days=21)


def test_the_first_page_shows_overdue_due_soon_ready_owed_and_next_tickets(client, lid):
    person = lid.person
    _loan(person, "Oorlogswinter", due_in=-2)
    _loan(person, "Het Achterhuis", due_in=2)
    _loan(person, "Kaas", due_in=15)
    emmen = BranchFactory(code="emmen", name="DNK Emmen")
    copy = CopyFactory(title=TitleFactory(title="Kruistocht in spijkerbroek"), branch=emmen)
    reservation_place(title=copy.title, person=person, pickup_branch=emmen, actor=None)
    make_invoice(person, cents=4950)
    order = checked_out(show(), quantity=2, email="lid@example.nl")
    order.person = person
    order.save(update_fields=["person"])
    order_pay(order=order, method="cash", actor=None)

    page = client.get(reverse("web:portal")).content.decode()
    overdue, soon, later = page.index("Oorlogswinter"), page.index("Het Achterhuis"), page.index("Kaas")
    assert overdue < soon < later  # the most urgent first
    assert page.count('class="flag overdue"') == 1
    assert page.count('class="flag soon"') == 1
    assert "1 uitlening is te laat" in page
    assert "Kruistocht in spijkerbroek" in page
    assert "ophalen in DNK Emmen" in page
    assert "Je moet nog €\xa049,50 betalen." in page  # the template filter keeps € and amount together
    assert "De Aanslag" in page
    assert "2 kaartjes" in page
    assert reverse("web:portal_renew_all") in page
    months = r"\b(Jan|Feb|Mrt|Mar|Apr|Mei|Jun|Jul|Aug|Sep|Okt|Nov|Dec|Januari|Februari|Maart|April|Juni|Juli|Augustus|September|Oktober|November|December)\b"
    assert re.search(months, page) is None  # UX.md: month names in lower case


def test_renew_all_renews_what_moves_and_says_why_the_rest_cannot(client, lid):
    early = _loan(lid.person, "Oorlogswinter", due_in=5)
    fresh = _loan(lid.person, "Het Achterhuis")  # checked out today: renewing gains nothing
    _loan(lid.person, "Kaas")  # and for the same reason: said once for both
    response = client.post(reverse("web:portal_renew_all"), follow=True)
    page = response.content.decode()
    assert "1 uitlening verlengd." in page
    assert "Niet verlengd: Het Achterhuis en Kaas. Verlengen heeft nu nog geen zin" in page
    assert page.count("nog geen zin") == 1
    assert '<li class="warning">Niet verlengd' in page  # a note, not an error: nothing went wrong
    assert Loan.objects.get(pk=early.pk).renewals == 1
    assert Loan.objects.get(pk=early.pk).due_on == today() + dt.timedelta(days=21)
    assert Loan.objects.get(pk=fresh.pk).renewals == 0


def test_renew_all_is_a_post_for_members_only(client, lid):
    assert client.get(reverse("web:portal_renew_all")).status_code == 405
    client.logout()
    response = client.post(reverse("web:portal_renew_all"))
    assert response.status_code in (302, 401, 403)


def test_the_catalogue_counts_and_pages_with_an_exact_title_first(client):
    for n in range(25):
        TitleFactory(title=f"Aan het einde van de oorlog, deel {n}")
    TitleFactory(title="Oorlog")
    page = client.get(reverse("web:catalogue"), {"q": "oorlog"}).content.decode()
    assert "26 titels gevonden" in page
    assert "pagina 1 van 2" in page
    assert page.index(">Oorlog</a></h2>") < page.index("deel")
    second = client.get(reverse("web:catalogue"), {"q": "oorlog", "pagina": "2"}).content.decode()
    assert "pagina 2 van 2" in second
    assert second.count("<h2>") == 6
    assert client.get(reverse("web:catalogue"), {"q": "oorlog", "pagina": "x\u00e9"}).status_code == 200


def test_the_title_page_shows_copies_per_branch_and_the_queue_and_reserves_for_the_usual_branch(client, lid):
    assen, emmen = BranchFactory(), BranchFactory(code="emmen", name="DNK Emmen")
    title = TitleFactory(title="Kruistocht in spijkerbroek")
    here, there = CopyFactory(title=title, branch=assen), CopyFactory(title=title, branch=emmen)
    CopyFactory(title=title, branch=emmen)
    _loan(lid.person, "Oorlogswinter")  # borrowed at DNK Assen: the pickup branch offered first
    other = member(username="ander")
    subscription_start(person=other.person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    for copy in (here, there):
        loan_checkout(copy_barcode=copy.barcode, person=other.person, actor=None)
    url = reverse("web:catalogue_title", kwargs={"title_id": title.pk})
    page = client.get(url).content.decode()
    assert "<strong>DNK Assen</strong>:\n  alles uitgeleend" in page
    assert "<strong>DNK Emmen</strong>:\n  1 van de 2 exemplaren aanwezig" in page  # said once, not "1 (2)"
    assert "Niemand wacht op deze titel." in page
    assert f'<option value="{assen.pk}" selected>' in page

    third = member(username="derde")
    subscription_start(person=third.person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    reservation_place(title=title, person=third.person, pickup_branch=assen, actor=None)  # takes the free copy
    client.post(reverse("web:portal_reservation_place"), {"title": title.pk, "branch": assen.pk})
    page = client.get(url).content.decode()
    assert "1 persoon wacht op deze titel." in page
    assert "je bent nummer 1 in de rij" in page


def test_the_title_page_is_public_and_asks_a_visitor_to_log_in(client):
    title = TitleFactory(title="Oorlogswinter")
    CopyFactory(title=title)
    page = client.get(reverse("web:catalogue_title", kwargs={"title_id": title.pk})).content.decode()
    assert "Log in om te reserveren" in page
    assert ":\n  1 exemplaar aanwezig\n" in page  # all of them there: said once, no "(1 exemplaar)" after it
    assert client.get(reverse("web:catalogue_title", kwargs={"title_id": title.pk + 999})).status_code == 404


def test_the_catalogue_narrows_by_media_type_branch_and_on_the_shelf_now(client):
    emmen = BranchFactory(code="emmen", name="DNK Emmen")
    book = TitleFactory(title="Oorlogswinter")
    dvd = TitleFactory(title="Oorlogswinter, de film", media_type="dvd")
    lent = TitleFactory(title="Oorlogswinter, luisterboek", media_type="audiobook")
    CopyFactory(title=book)
    CopyFactory(title=dvd, branch=emmen)
    CopyFactory(title=lent, branch=emmen, status="on_loan")
    url = reverse("web:catalogue")
    page = client.get(url, {"q": "oorlogswinter"}).content.decode()
    assert "3 titels gevonden" in page
    assert ">dvd (1)</option>" in page
    assert ">DNK Emmen (2)</option>" in page
    page = client.get(url, {"q": "oorlogswinter", "soort": "dvd"}).content.decode()
    assert "1 titel gevonden" in page
    assert "de film" in page
    page = client.get(url, {"q": "oorlogswinter", "vestiging": emmen.pk, "aanwezig": "1"}).content.decode()
    assert "1 titel gevonden" in page
    assert "de film" in page
    assert "luisterboek</a>" not in page
    assert client.get(url, {"q": "oorlogswinter", "vestiging": "9" * 40, "soort": "x"}).status_code == 200


def test_a_typo_still_finds_the_title_and_the_page_says_it_is_close(client):
    TitleFactory(title="Oorlogswinter", authors="Jan Terlouw")
    TitleFactory(title="Kruistocht in spijkerbroek", authors="Thea Beckman")
    page = client.get(reverse("web:catalogue"), {"q": "oorlogswintr"}).content.decode()
    assert "Bedoel je een van deze?" in page
    assert ">Oorlogswinter</a></h2>" in page
    assert "Kruistocht" not in page
    page = client.get(reverse("web:catalogue"), {"q": "qqqxyz"}).content.decode()
    assert "0 titels gevonden" in page
