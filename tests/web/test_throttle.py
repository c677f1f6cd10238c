"""The counts against abuse (kolk.core.throttle) and the public forms that use them: one statement a try,
no address in the table, exactly the limit of simultaneous tries on several connections, and a form past
its limit answered 429 in the visitor's language with Retry-After."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kolk.comms.models import ContactCase, NewsletterSubscription
from kolk.core import throttle
from kolk.core.clock import now
from kolk.core.models import Throttle
from kolk.core.throttle import Take, throttle_key, throttle_take
from kolk.privacy.audit import pseudonym
from kolk.web.views.contact import POST_WINDOW, POSTS_PER_HOUR
from tests.boxoffice.race import in_parallel

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries]


def test_a_key_is_the_audit_trails_keyed_hash_never_the_value():
    assert throttle_key("web.contact", "192.0.2.10") == pseudonym(label="throttle.web.contact", pk="192.0.2.10")
    assert throttle_take(limits={throttle_key("web.contact", "192.0.2.10"): 3}, window=HOUR)
    (row,) = Throttle.objects.all()
    assert len(row.key) == 64
    assert "192" not in row.key
    assert row.hits == 1


def test_one_key_costs_one_statement_granted_or_refused():
    key = throttle_key("test", "a")
    answers = []
    for _ in range(4):
        with CaptureQueriesContext(connection) as captured:
            answers.append(throttle_take(limits={key: 3}, window=HOUR))
        assert len(_statements(captured)) == 1, _statements(captured)
    assert [bool(a) for a in answers] == [True, True, True, False]
    assert Throttle.objects.get(key=key).hits == 4  # full: limit + 1, however often it is refused after
    assert not throttle_take(limits={key: 3}, window=HOUR)
    assert Throttle.objects.get(key=key).hits == 4


def test_two_keys_cost_two_statements_and_a_full_one_counts_neither():
    address, client = throttle_key("test.address", "lid@example.nl"), throttle_key("test.client", "192.0.2.1")
    with CaptureQueriesContext(connection) as captured:
        assert throttle_take(limits={address: 2, client: 5}, window=HOUR)
    assert len(_statements(captured)) == 2, _statements(captured)
    assert throttle_take(limits={address: 2, client: 5}, window=HOUR)
    with CaptureQueriesContext(connection) as captured:
        refused = throttle_take(limits={address: 2, client: 5}, window=HOUR)
    assert not refused
    assert len(_statements(captured)) == 1  # the full address is seen in the first: nothing to count
    counts = dict(Throttle.objects.values_list("key", "hits"))
    assert counts == {address: 2, client: 2}  # the refused try was counted against neither


def test_retry_after_is_the_rest_of_the_window_and_a_new_window_allows_again(monkeypatch):
    key = throttle_key("test", "b")
    start = now()
    monkeypatch.setattr(throttle, "now", lambda: start)
    assert throttle_take(limits={key: 1}, window=HOUR) == Take(True)
    monkeypatch.setattr(throttle, "now", lambda: start + dt.timedelta(minutes=20, seconds=0.5))
    assert throttle_take(limits={key: 1}, window=HOUR) == Take(False, retry_after=40 * 60)  # 39:59.5, rounded up
    monkeypatch.setattr(throttle, "now", lambda: start + HOUR)
    assert throttle_take(limits={key: 1}, window=HOUR)
    row = Throttle.objects.get(key=key)
    assert (row.hits, row.window_ends) == (1, start + 2 * HOUR)


# --- the public forms ---


def _contact(client: Client, n: int, lang: str = "", ip: str = "192.0.2.20"):
    body = {"name": "Anna", "email": f"anna{n}@example.nl", "question": f"Vraag {n}: hoe laat open?"}
    return client.post(f"{lang}{reverse('web:contact')}", body, REMOTE_ADDR=ip)


def _sign_up(client: Client, n: int, lang: str = "", ip: str = "192.0.2.20"):
    return client.post(f"{lang}{reverse('web:newsletter')}", {"email": f"lezer{n}@example.nl"}, REMOTE_ADDR=ip)


def test_the_contact_form_past_its_limit_answers_429_with_retry_after_in_english(client):
    for n in range(POSTS_PER_HOUR):
        assert _contact(client, n, ip="192.0.2.20").status_code == 302
    refused = _contact(client, 99, lang="/en", ip="192.0.2.20")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= POST_WINDOW.total_seconds()
    assert "You have already sent many messages. Please try again in an hour, or call us." in refused.content.decode()
    assert ContactCase.objects.count() == POSTS_PER_HOUR
    assert _contact(client, 100, ip="192.0.2.21").status_code == 302  # another address has its own limit


def test_the_newsletter_form_past_its_limit_answers_429_in_dutch(client):
    for n in range(POSTS_PER_HOUR):
        assert _sign_up(client, n).status_code == 302
    refused = _sign_up(client, 99)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Te veel aanmeldingen vanaf dit adres." in refused.content.decode()
    assert not NewsletterSubscription.objects.filter(email="lezer99@example.nl").exists()


def test_a_form_with_bad_input_is_not_counted_and_the_count_keeps_no_address(client):
    page = client.post(reverse("web:contact"), {"name": "", "email": "geen-adres", "question": ""}, REMOTE_ADDR="::1")
    assert page.status_code == 200
    assert not Throttle.objects.exists()
    with CaptureQueriesContext(connection) as captured:
        assert _sign_up(client, 1, ip="2001:db8::7").status_code == 302
    counted = [sql for sql in _statements(captured) if Throttle._meta.db_table in sql]
    assert len(counted) == 1  # the whole count of a post: one statement
    assert list(Throttle.objects.values_list("key", flat=True)) == [throttle_key("web.newsletter", "2001:db8::7")]


# --- simultaneous tries (PostgreSQL: each thread its own connection, as from as many web processes) ---

TRIES = 15


def _together(take) -> list[bool]:
    barrier = threading.Barrier(TRIES)

    def job() -> str:
        barrier.wait(timeout=30)
        return "granted" if take() else "refused"

    answers = in_parallel([job] * TRIES, threads=TRIES)
    return [True] * answers["granted"] + [False] * answers["refused"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_without_the_atomic_count_simultaneous_tries_pass_the_limit():
    """The race is real: read, then write what was read plus one, and more than the limit pass."""
    key = throttle_key("test", "race")
    Throttle.objects.create(key=key, window_ends=now() + HOUR, hits=0)

    def read_then_write() -> bool:
        hits = Throttle.objects.get(key=key).hits
        threading.Event().wait(0.05)  # the others read the same count meanwhile
        if hits >= 5:
            return False
        Throttle.objects.filter(key=key).update(hits=hits + 1)
        return True

    assert _together(read_then_write).count(True) > 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_first_tries_on_one_key_exactly_the_limit_passes():
    key = throttle_key("test", "one key")
    assert _together(lambda: throttle_take(limits={key: 5}, window=HOUR)).count(True) == 5
    assert Throttle.objects.get(key=key).hits == 6  # full


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_simultaneous_tries_on_two_keys_exactly_the_limit_passes_and_counts_once():
    """Each try counts per address and per client (a password reset): the first full one stops the rest."""
    address, client = throttle_key("test.address", "x@example.nl"), throttle_key("test.client", "192.0.2.3")
    assert _together(lambda: throttle_take(limits={address: 5, client: 8}, window=HOUR)).count(True) == 5
    assert dict(Throttle.objects.values_list("key", "hits")) == {address: 5, client: 5}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_from_one_address_pass_exactly_the_limit():
    tries = POSTS_PER_HOUR + 10
    go = threading.Barrier(tries)

    def post(n: int) -> str:
        go.wait(timeout=30)
        return str(_sign_up(Client(), n, ip="198.51.100.9").status_code)

    answers = in_parallel([lambda n=n: post(n) for n in range(tries)], threads=tries)
    assert answers == {"302": POSTS_PER_HOUR, "429": 10}
    assert NewsletterSubscription.objects.count() == POSTS_PER_HOUR
