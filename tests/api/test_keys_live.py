"""A partner's script, end to end: plain HTTP to a running kolk, a key from `kolk apikey`, no browser.

It reads the programme and the catalogue (no key needed), places a reservation
for a member with its key, and is refused once its key is revoked, expired, or
lacks the scope. The audit log names the client for what it did.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kolk.core.clock import today
from kolk.library.models import Reservation
from kolk.library.services.members import subscription_start
from kolk.people import api_keys
from kolk.people.api_clients import ApiClient
from kolk.privacy.models import AuditEntry
from tests.boxoffice.factories import show as make_show
from tests.factories import PersonFactory
from tests.library.factories import (
    CopyFactory,
    LoanRuleFactory,
    SubscriptionTypeFactory,
    TitleFactory,
    ensure_role_groups,
)

pytestmark = pytest.mark.django_db(transaction=True)


def kolk_apikey(*args: str) -> str:
    out = io.StringIO()
    call_command("apikey", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def call(url: str, *, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """What a partner's script does: a request with a key, no cookie, no CSRF token."""
    request = urllib.request.Request(  # noqa: S310 - the live test server
        url,
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Accept": "application/json",
            **({"Content-Type": "application/json"} if body else {}),
            **(headers or {}),
        },
        method="POST" if body is not None else "GET",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def world() -> dict[str, Any]:
    ensure_role_groups()
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    member = PersonFactory(with_pass=True)
    subscription_start(person=member, type=SubscriptionTypeFactory(), actor=None, id_seen=True)
    title = TitleFactory(title="Oorlogswinter", authors="Jan Terlouw", search_text="Oorlogswinter Jan Terlouw")
    copy = CopyFactory(title=title)
    show = make_show(seat_map="2x5")
    return {"member": member, "title": title, "copy": copy, "show": show}


def test_a_partner_script_reads_the_programme_and_reserves_with_a_key(live_server, world, monkeypatch):
    api = f"{live_server.url}/api/v1"
    expires = (today() + dt.timedelta(days=90)).isoformat()
    key = kolk_apikey(
        "create", "uitmarkt", "--scope", "desk", "--expires", expires, "--organisation", "Uitmarkt"
    ).strip()
    client = ApiClient.objects.get(name="uitmarkt")

    # Reading the programme and the catalogue needs no key.
    status, programme = call(f"{api}/boxoffice/programme")
    assert status == 200
    assert world["show"].pk in [show["id"] for show in programme]
    status, titles = call(f"{api}/library/catalogue?q=terlouw")
    assert (status, [t["id"] for t in titles]) == (200, [world["title"].pk])

    # Placing a reservation for a member takes a key whose scope serves lending.
    reservation = {
        "title_id": world["title"].pk,
        "person_id": world["member"].pk,
        "pickup_branch": world["copy"].branch.code,
    }
    status, placed = call(f"{api}/library/reservations", body=reservation, headers={"Authorization": f"Bearer {key}"})
    assert status == 201, placed
    assert Reservation.objects.get().pk == placed["id"]
    entry = AuditEntry.objects.get(action="reservation.placed")
    assert entry.actor == f"user:{client.user_id}"
    assert AuditEntry.objects.filter(action="api.call", actor=entry.actor, details__client="uitmarkt").exists()

    # Without a key, with a wrong one, or with one lacking the scope: refused, in the one error shape.
    assert call(f"{api}/library/reservations", body=reservation)[0] == 401
    status, error = call(f"{api}/library/reservations", body=reservation, headers={"X-API-Key": key[:-1] + "x"})
    assert (status, error["code"]) == (401, "api_key_unknown")
    box = kolk_apikey("create", "kassa-koppeling", "--scope", "box_office", "--expires", expires).strip()
    status, error = call(f"{api}/library/reservations", body=reservation, headers={"X-API-Key": box})
    assert (status, sorted(error)) == (403, ["code", "fields", "message"])

    # Expired: the day after its last day the key is refused.
    expires_at = client.expires_at
    with monkeypatch.context() as later:
        later.setattr(api_keys, "now", lambda: expires_at + dt.timedelta(minutes=1))
        status, error = call(f"{api}/library/copies/{world['copy'].barcode}", headers={"X-API-Key": key})
    assert (status, error["code"]) == (401, "api_key_expired")

    # Revoked by the administrator: refused from then on.
    assert "uitmarkt" in kolk_apikey("list")
    kolk_apikey("revoke", "uitmarkt")
    status, error = call(f"{api}/library/copies/{world['copy'].barcode}", headers={"Authorization": f"Bearer {key}"})
    assert (status, error["code"]) == (401, "api_key_revoked")
    assert Reservation.objects.count() == 1


def test_the_command_refuses_what_the_page_refuses(world):
    with pytest.raises(CommandError, match="Kies een of meer"):
        kolk_apikey("create", "x", "--scope", "administrator", "--expires", "2099-01-01")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        kolk_apikey("create", "x", "--scope", "desk", "--expires", "31-12-2099")
    with pytest.raises(CommandError, match="no API client"):
        kolk_apikey("revoke", "niemand")
    key = kolk_apikey("create", "twee", "--scope", "desk,library_staff", "--expires", "2099-01-01").strip()
    assert key.startswith("kolk_")
    listing = kolk_apikey("list")
    assert "desk,library_staff" in listing
    assert key not in listing
    assert key.split("_", 2)[2] not in listing
    kolk_apikey("revoke", "twee")
    with pytest.raises(CommandError, match="al ingetrokken"):
        kolk_apikey("revoke", "twee")
