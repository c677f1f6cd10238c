"""In a real browser, on a phone: sign up, open the link in the mail, press the button; and links that fail."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from django.core import signing
from playwright.sync_api import expect

from kolk.comms.confirmation import CONFIRM_MAX_AGE, confirm_url
from kolk.comms.models import NewsletterSubscription
from kolk.comms.newsletter import newsletter_subscribe
from kolk.comms.outbox import outbox_flush
from tests.browser import axe_findings, scrolls_sideways

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(tempfile.gettempdir())  # looked at by hand


def test_sign_up_then_confirm_with_the_link_in_the_mail(live_server, site_url, smtp, phone):
    page = phone
    page.goto(f"{site_url}/nieuwsbrief")
    page.get_by_label("E-mailadres").fill("lezer@example.nl")
    page.get_by_role("button", name="Aanmelden").click()
    expect(page.get_by_role("status")).to_contain_text("Kijk in je mail")
    subscription = NewsletterSubscription.objects.get(email="lezer@example.nl")
    assert subscription.confirmed_at is None
    outbox_flush()
    (received,) = smtp.to("lezer@example.nl")
    assert str(received["Subject"]) == "Bevestig je aanmelding voor de nieuwsbrief"
    page.set_content(received.get_body(preferencelist=("html",)).get_content())  # as a mail client shows it
    page.get_by_role("link", name="Aanmelding bevestigen").click()
    page.wait_for_url(f"{site_url}/nieuwsbrief/bevestigen/**")
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None  # opening the link alone confirms nothing
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "newsletter-confirm.png"), full_page=True)
    page.get_by_role("button", name="Ja, ik wil de nieuwsbrief").click()
    status = page.get_by_role("status")
    assert "Je aanmelding is bevestigd" in status.inner_text()
    expect(status).to_be_visible()
    assert scrolls_sideways(page) == 0
    page.screenshot(path=str(SHOTS / "newsletter-confirmed.png"), full_page=True)
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None


def test_a_tampered_and_an_expired_link_say_so_and_offer_a_new_one(live_server, site_url, smtp, page, monkeypatch):
    subscription = newsletter_subscribe(email="lezer@example.nl", source="site_signup", actor=None)
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - CONFIRM_MAX_AGE.total_seconds() - 60)
    expired = confirm_url(subscription, language="nl")
    monkeypatch.setattr(signing.time, "time", real_time)
    page.goto(expired)
    expect(page.get_by_role("alert")).to_contain_text("verlopen")
    expect(page.get_by_role("button", name="Ja, ik wil de nieuwsbrief")).to_have_count(0)
    assert axe_findings(page) == []
    page.screenshot(path=str(SHOTS / "newsletter-confirm-expired.png"), full_page=True)
    page.goto(confirm_url(subscription, language="nl")[:-4] + "abcd")
    expect(page.get_by_role("alert")).to_contain_text("niet geldig")
    # Ask for a new link from the page that said no.
    outbox_flush()
    smtp.messages.clear()
    monkeypatch.setattr("kolk.comms.confirmation.RESEND_KEY", "newsletter-confirm:{pk}:{hour}:again")
    page.get_by_label("E-mailadres").fill("lezer@example.nl")
    page.get_by_role("button", name="Stuur me een nieuwe link").click()
    expect(page.get_by_role("status")).to_contain_text("Kijk in je mail")
    outbox_flush()
    (again,) = smtp.to("lezer@example.nl")
    assert "/nieuwsbrief/bevestigen/" in smtp.text(again)
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None
