"""Every public and portal page on a member's phone (390 px): nothing scrolls sideways and
axe-core finds nothing serious or critical (UX.md: phone first, WCAG 2.1 AA).

The member has what makes the pages long and wide: loans (one overdue), a reservation
ready to collect, an open invoice, a paid order with tickets, a consent and a request.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse

from kolk.boxoffice.services.selling import order_pay
from kolk.core.clock import today
from kolk.library.models import Loan, Title
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.library.services.reservations import reservation_place
from tests.billing.factories import make_invoice
from tests.boxoffice.factories import checked_out, show
from tests.browser import axe_findings, scrolls_sideways, wait_until
from tests.library.factories import (
    CopyFactory,
    LoanRuleFactory,
    SubscriptionTypeFactory,
    TitleFactory,
    ensure_role_groups,
)
from tests.web.factories import PASSWORD, member

pytest.importorskip("playwright.sync_api")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUBLIC = [
    "web:home",
    "web:privacy",
    "web:cookies",
    "web:contact",
    "web:newsletter",
    "web:login",
    "web:password_reset",
]
PORTAL = [
    "web:portal",
    "web:portal_details",
    "web:portal_choices",
    "web:portal_activity",
    "web:portal_subscription",
    "web:portal_loans",
    "web:portal_reservations",
    "web:portal_tickets",
    "web:portal_invoices",
    "web:portal_messages",
    "web:portal_rights",
    "web:portal_kiosk_pin",
    "web:portal_reading_history",
]


def _busy_member():
    """A member whose portal has something on every page."""
    ensure_role_groups()
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    user = member(given_name="Fenna", surname="van der Veen-Hoogeveen")
    person = user.person
    subscription_start(person=person, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    long_title = "De ontdekking van de hemel: een roman in drie delen met een heel lange ondertitel"
    loans = [
        loan_checkout(copy_barcode=CopyFactory(title=TitleFactory(title=t)).barcode, person=person, actor=None)
        for t in (long_title, "Oorlogswinter", "Het Achterhuis")
    ]
    Loan.objects.filter(pk=loans[0].pk).update(due_on=today() - dt.timedelta(days=3))
    reservation_place(
        title=CopyFactory(title=TitleFactory(title="Kruistocht in spijkerbroek")).title,
        person=person,
        pickup_branch=loans[0].copy.branch,
        actor=None,
    )
    make_invoice(person, cents=4950)
    order = checked_out(show(), quantity=2, email="lid@example.nl")
    order.person = person
    order.save(update_fields=["person"])
    order_pay(order=order, method="cash", actor=None)
    return user


def _log_in(phone, live_server) -> None:
    phone.goto(live_server.url + reverse("web:login"))
    phone.get_by_label("Gebruikersnaam").fill("lid")
    phone.get_by_label("Wachtwoord").fill(PASSWORD)
    phone.get_by_role("button", name="Inloggen").click()
    phone.wait_for_load_state("networkidle")


def _check(phone, url: str) -> list[str]:
    phone.goto(url)
    phone.wait_for_load_state("networkidle")
    problems = []
    if (wide := scrolls_sideways(phone)) > 0:
        problems.append(f"{url}: scrolls {wide} px sideways")
    problems += [f"{url}: {finding}" for finding in axe_findings(phone)]
    return problems


def test_every_public_and_portal_page_fits_a_phone_and_passes_axe(live_server, phone, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _busy_member()
    problems = []
    for name in PUBLIC:
        problems += _check(phone, live_server.url + reverse(name))
    problems += _check(phone, live_server.url + reverse("web:catalogue") + "?q=oorlog")
    _log_in(phone, live_server)
    for name in PORTAL:
        problems += _check(phone, live_server.url + reverse(name))
    problems += _check(phone, live_server.url + reverse("web:catalogue") + "?q=kruistocht")
    title = Title.objects.get(title="Kruistocht in spijkerbroek")
    problems += _check(phone, live_server.url + reverse("web:catalogue_title", kwargs={"title_id": title.pk}))
    if shots := os.environ.get("KOLK_SCREENSHOTS"):  # a folder to look at the pages as a member sees them
        for name in ("web:portal", "web:portal_loans", "web:portal_invoices"):
            phone.goto(live_server.url + reverse(name))
            phone.screenshot(path=f"{shots}/{name[4:]}.png", full_page=True)
    assert problems == [], "\n".join(problems)


def test_focus_lands_in_the_updated_part_after_an_htmx_change(live_server, phone, settings):
    """A choice changed without a page load: focus stays in the part htmx replaced, not on <body>."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ensure_role_groups()
    member()
    _log_in(phone, live_server)
    phone.goto(live_server.url + reverse("web:portal_choices"))
    phone.locator("#choices form button").first.click()
    phone.wait_for_load_state("networkidle")
    wait_until(phone, "document.activeElement !== document.body")
    assert phone.evaluate("document.getElementById('choices').contains(document.activeElement)")
