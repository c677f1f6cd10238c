"""Asking for a new password (A01, X01): the same answer and the same work for any address, the mail
sent by the worker, and a limit per address and per client that holds across web processes."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kolk.core import throttle
from kolk.core.clock import now
from kolk.core.models import Throttle
from kolk.core.throttle import throttle_key
from kolk.privacy.checks import field_map_errors
from kolk.privacy.registry import retained_data
from kolk.privacy.retention import due_rows
from kolk.web.models import PasswordResetRequest, PortalEvent
from kolk.web.password_reset import RESET_WINDOW, RESETS_PER_ADDRESS, RESETS_PER_CLIENT
from tests.boxoffice.factories import worker_turn
from tests.web.factories import member

pytestmark = pytest.mark.django_db
URL = reverse("web:password_reset")
REFUSED = "is het afgelopen uur al vaak een nieuw wachtwoord gevraagd"


def _ask(client: Client, address: str, ip: str = "192.0.2.10"):
    return client.post(URL, {"email": address}, REMOTE_ADDR=ip)


def _shape(sql: str) -> str:
    """A statement without its values: what the database was asked to do, not with what."""
    return re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\bs\d+_x\d+\b", "?", sql)


def test_a_known_and_an_unknown_address_get_the_same_page_and_the_same_queries():
    member(emails=["lid@example.nl"])
    with CaptureQueriesContext(connection) as known:
        answer_known = _ask(Client(), "lid@example.nl", ip="192.0.2.1")
    with CaptureQueriesContext(connection) as unknown:
        answer_unknown = _ask(Client(), "niemand@example.nl", ip="192.0.2.2")
    assert answer_known.status_code == answer_unknown.status_code == 302
    assert answer_known["Location"] == answer_unknown["Location"] == reverse("web:password_reset_done")
    assert answer_known.content == answer_unknown.content
    assert len(known) == len(unknown)
    assert [_shape(q["sql"]) for q in known] == [_shape(q["sql"]) for q in unknown]
    assert mail.outbox == []  # neither request sent anything itself
    assert DBTaskResult.objects.count() == 2


def test_the_worker_mails_the_link_and_records_it(client):
    user = member(emails=["lid@example.nl", "werk@example.nl"])
    assert _ask(client, "WERK@example.nl")["Location"] == reverse("web:password_reset_done")
    assert mail.outbox == []
    assert PasswordResetRequest.objects.count() == 1
    worker_turn()
    (sent,) = mail.outbox
    assert sent.to == ["werk@example.nl"]  # the address as kolk keeps it
    link = re.search(r"https?://\S+?(/mijn/wachtwoord/\S+)", sent.body).group(1)
    assert "Deze link werkt niet meer" not in client.get(link, follow=True).content.decode()
    assert not PasswordResetRequest.objects.exists()  # the address is gone once mailed
    event = PortalEvent.objects.get(person=user.person)
    assert (event.action, event.ip_address) == ("password_reset_requested", "192.0.2.10")


def test_an_unknown_address_queues_the_same_and_the_worker_mails_nobody(client):
    member(emails=["lid@example.nl"])
    assert _ask(client, "niemand@example.nl")["Location"] == reverse("web:password_reset_done")
    worker_turn()
    assert mail.outbox == []
    assert not PasswordResetRequest.objects.exists()
    assert not PortalEvent.objects.exists()


def test_the_mail_follows_the_language_of_the_request(client):
    member(emails=["lid@example.nl"])
    client.post("/en" + URL, {"email": "lid@example.nl"})
    worker_turn()
    (sent,) = mail.outbox
    assert "/en/mijn/wachtwoord/" in sent.body


@pytest.mark.parametrize("address", ["lid@example.nl", "niemand@example.nl"])
def test_the_sixth_request_for_one_address_is_refused_without_a_mail(client, address):
    member(emails=["lid@example.nl"])
    for i in range(RESETS_PER_ADDRESS):
        assert _ask(Client(), address, ip=f"192.0.2.{i + 1}").status_code == 302
    queued = DBTaskResult.objects.count()
    response = _ask(client, address.upper(), ip="198.51.100.7")  # another client, the same address
    assert response.status_code == 429
    page = response.content.decode()
    assert REFUSED in page
    assert 'id="id_email_error"' in page  # next to the field
    assert DBTaskResult.objects.count() == queued
    assert PasswordResetRequest.objects.count() == RESETS_PER_ADDRESS
    worker_turn()
    assert len(mail.outbox) == (RESETS_PER_ADDRESS if address.startswith("lid") else 0)


def test_the_refusal_does_not_tell_a_known_address_from_an_unknown():
    member(emails=["lid@example.nl"])
    pages = []
    for address in ("lid@example.nl", "niemand@example.nl"):
        for _ in range(RESETS_PER_ADDRESS):
            _ask(Client(), address)
        response = _ask(Client(), address)
        page = re.sub(r"\b[A-Za-z0-9]{64}\b", "CSRF", response.content.decode())  # a new token on every page
        pages.append((response.status_code, page.replace(address, "ADRES")))
    assert pages[0] == pages[1]


def test_one_client_may_ask_for_a_limited_number_of_addresses(client):
    for i in range(RESETS_PER_CLIENT):
        assert _ask(client, f"iemand{i}@example.nl").status_code == 302
    assert _ask(client, "nog-een@example.nl").status_code == 429
    assert _ask(client, "nog-een@example.nl", ip="198.51.100.8").status_code == 302  # another client may


def test_a_new_window_allows_again(client, monkeypatch):
    for _ in range(RESETS_PER_ADDRESS):
        _ask(client, "lid@example.nl")
    assert _ask(client, "lid@example.nl").status_code == 429
    later = now() + RESET_WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(throttle, "now", lambda: later)
    assert _ask(client, "lid@example.nl").status_code == 302


def test_the_throttle_keeps_no_address_and_goes_after_a_day(client):
    _ask(client, "lid@example.nl")
    keys = set(Throttle.objects.values_list("key", flat=True))
    assert keys == {
        throttle_key("password_reset.address", "lid@example.nl"),
        throttle_key("password_reset.client", "192.0.2.10"),
    }
    assert not any("lid" in key or "192" in key for key in keys)
    assert field_map_errors([Throttle, PasswordResetRequest]) == []
    rules = {item.model_label: item for item in retained_data() if item.rule == "throttle"}
    assert set(rules) == {"core.Throttle", "web.PasswordResetRequest"}
    today = now().date()
    assert not due_rows(rules["core.Throttle"], today).exists()
    assert not due_rows(rules["web.PasswordResetRequest"], today).exists()
    in_two_days = today + dt.timedelta(days=2)
    assert due_rows(rules["core.Throttle"], in_two_days).count() == 2
    assert due_rows(rules["web.PasswordResetRequest"], in_two_days).count() == 1


def test_a_request_the_worker_reaches_too_late_is_dropped_unsent(client, settings):
    member(emails=["lid@example.nl"])
    _ask(client, "lid@example.nl")
    PasswordResetRequest.objects.update(requested_at=now() - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1))
    worker_turn()
    assert mail.outbox == []
    assert not PasswordResetRequest.objects.exists()


@pytest.mark.postgres
def test_a_look_alike_domain_gets_no_link_for_a_member(client):
    """PostgreSQL's UPPER() folds the dotless i to I, so the database takes 'ma\u0131l.nl' for 'mail.nl'."""
    member(emails=["lid@mail.nl"])
    _ask(client, "lid@ma\u0131l.nl")
    worker_turn()
    assert mail.outbox == []
