"""A limit holds across web processes: two gunicorn servers on one database grant it once between them.

Django's cache is per process (local memory), so a count kept there let every
worker grant the limit anew: with two processes a caller got twice the limit.
Here two real servers, each its own process with its own connection, take the
same caller's calls at once, for the API's public doors and the site's
newsletter form; between them exactly the limit passes and the rest are 429s
with Retry-After. PostgreSQL only: the test database must be reachable from
other processes.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection

from kolk.comms.models import ContactCase, NewsletterSubscription
from kolk.core.models import Throttle
from kolk.core.throttle import throttle_key
from kolk.web.views.contact import POSTS_PER_HOUR
from tests.faults.harness import Scratch, free_port, pg_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
API_LIMIT = 20  # kolk.api.comms.PUBLIC_THROTTLE
TRIES = 30


@pytest.fixture(scope="module")
def ports(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    """Two gunicorn servers of one sync worker each, on the test database (each test empties it after)."""
    tmp_path = tmp_path_factory.mktemp("two-servers")
    db = Scratch(url=pg_url(connection.settings_dict["NAME"]), home=tmp_path)
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [GUNICORN, "kolk.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
            env=db.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for port in ports
    ]
    try:
        for proc, port in zip(procs, ports, strict=True):
            deadline = time.monotonic() + 90
            while not _answers(port):
                assert proc.poll() is None, proc.communicate(timeout=30)[1][-3000:]
                assert time.monotonic() < deadline, "gunicorn did not answer"
                time.sleep(0.2)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.communicate(timeout=30)


def _answers(port: int) -> bool:
    with contextlib.suppress(requests.ConnectionError, requests.Timeout):
        return requests.get(f"http://127.0.0.1:{port}/contact", timeout=30).ok
    return False


def _at_once(calls: list) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda call: call(), calls))


def _tally(responses: list[requests.Response]) -> Counter[int]:
    for response in responses:
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
    return Counter(response.status_code for response in responses)


def test_two_processes_grant_the_apis_limit_once_between_them(ports):
    def ask(n: int):
        body = {"name": "Anna", "email": f"anna{n}@example.nl", "question": f"Vraag {n}"}
        url = f"http://127.0.0.1:{ports[n % 2]}/api/v1/comms/contact"
        return lambda: requests.post(url, json=body, headers={"Accept-Language": "en"}, timeout=60)

    responses = _at_once([ask(n) for n in range(TRIES)])
    assert _tally(responses) == {201: API_LIMIT, 429: TRIES - API_LIMIT}
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.json()["message"] == "Too many requests in a row; please try again later."
    assert ContactCase.objects.count() == API_LIMIT
    assert list(Throttle.objects.values_list("key", flat=True)) == [throttle_key("api.anon", "address:127.0.0.1")]


def test_two_processes_grant_the_newsletter_forms_limit_once_between_them(ports):
    sessions = []
    for port in ports:  # a visitor with the form's CSRF token from each server
        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{port}/nieuwsbrief", timeout=60).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        sessions.append((session, port, token.group(1)))

    def sign_up(n: int):
        session, port, token = sessions[n % 2]
        data = {"csrfmiddlewaretoken": token, "email": f"lezer{n}@example.nl"}
        url = f"http://127.0.0.1:{port}/nieuwsbrief"
        return lambda: session.post(url, data=data, allow_redirects=False, timeout=60)

    responses = _at_once([sign_up(n) for n in range(TRIES)])
    assert _tally(responses) == {302: POSTS_PER_HOUR, 429: TRIES - POSTS_PER_HOUR}
    assert NewsletterSubscription.objects.count() == POSTS_PER_HOUR
