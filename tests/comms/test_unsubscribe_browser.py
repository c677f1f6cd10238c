"""In a real browser: the link in a received newsletter unsubscribes in one click."""

from __future__ import annotations

import pytest

from kolk.comms.models import NewsletterSubscription
from kolk.comms.newsletter import campaign_create, campaign_send, newsletter_subscribe
from kolk.comms.outbox import outbox_flush
from kolk.privacy.ledger import is_objecting
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unsubscribe_from_a_received_newsletter(live_server, site_url, smtp, page):
    anna = PersonFactory(given_name="Anna", emails=["anna@example.nl"])
    newsletter_subscribe(person=anna, source="member_registration", offered_opt_out=True, actor=None)
    campaign_send(campaign=campaign_create(subject="Nieuws", body="Het seizoen begint.", actor=None), actor=None)
    outbox_flush()
    (received,) = smtp.messages
    html = received.get_body(preferencelist=("html",)).get_content()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.set_content(html)  # the mail as a mail client shows it
    page.get_by_role("link", name="Afmelden").click()
    page.wait_for_url(f"{site_url}/afmelden/**")
    assert not is_objecting(anna, "newsletter")  # opening the link alone changes nothing
    page.get_by_role("button", name="Ja, meld mij af").click()
    assert "Je bent afgemeld" in page.get_by_role("status").inner_text()
    assert is_objecting(anna, "newsletter")
    assert not NewsletterSubscription.objects.filter(person=anna, ended_at__isnull=True).exists()
    assert outside == []
