"""API keys of machine clients: issued once and hashed, accepted in two headers, refused when wrong.

Every request here carries a key and no session cookie, as a partner's script does.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kolk.api import auth as api_auth
from kolk.core.clock import now, today
from kolk.core.errors import Invalid, KolkError
from kolk.core.roles import Role, has_role
from kolk.library.models import Reservation
from kolk.people import api_keys
from kolk.people.api_clients import ApiClient
from kolk.people.api_keys import api_client_create, api_client_revoke
from kolk.people.models import User
from kolk.privacy.models import AuditEntry
from tests.factories import UserFactory
from tests.library.factories import CopyFactory, ensure_role_groups

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_counts():
    cache.clear()  # the wrong-key count per address lives in the cache
    yield
    cache.clear()


def issue(*scopes: Role, name: str = "partner", days: int = 30):
    ensure_role_groups()
    return api_client_create(
        name=name,
        organisation="Uitmarkt Assen",
        scopes=[s.value for s in scopes],
        expires_on=today() + dt.timedelta(days=days),
        actor=None,
    )


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def reserve(client: Client, headers: dict[str, str], member, copy) -> object:
    body = {"title_id": copy.title_id, "person_id": member.pk, "pickup_branch": copy.branch.code}
    return client.post(f"{API}/library/reservations", json.dumps(body), content_type="application/json", **headers)


def test_a_key_is_shown_once_and_only_its_keyed_hash_is_kept():
    issued = issue(Role.DESK)
    client = ApiClient.objects.get()
    assert re.fullmatch(r"kolk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", issued.key)
    assert issued.key.split("_")[1] == client.prefix
    secret = issued.key.split("_", 2)[2]
    stored = [str(v) for v in ApiClient.objects.values_list(*(f.attname for f in ApiClient._meta.concrete_fields))[0]]
    assert not any(secret in value for value in stored)
    assert client.key_hash == api_keys.key_hash(issued.key) != api_keys.key_hash(issued.key + "x")
    created = AuditEntry.objects.get(action="api_client.created")
    assert secret not in json.dumps(created.details)
    assert created.details["scopes"] == ["desk"]


def test_the_client_acts_through_a_service_account_with_its_scopes_as_roles_and_no_password():
    issued = issue(Role.DESK, Role.LIBRARY_STAFF)
    user = issued.client.user
    assert user.is_active
    assert not user.has_usable_password()
    assert {g.name for g in user.groups.all()} == {"desk", "library_staff"}
    assert has_role(user, Role.DESK)
    assert not has_role(user, Role.BOX_OFFICE)
    assert user.api_client == issued.client  # what marks the login as a machine's
    for password in ("", issued.key):
        browser = Client()
        browser.post("/balie/inloggen/", {"username": user.username, "password": password})
        assert "_auth_user_id" not in browser.session  # no way in by a login page


@pytest.mark.parametrize("scope", ["member", "privacy_officer", "administrator", "kassa", ""])
def test_scopes_are_the_staff_roles_a_key_can_hold(scope):
    """A member's role is nobody's to lend; the strong roles need a second factor a key cannot give."""
    ensure_role_groups()
    with pytest.raises(Invalid) as refused:
        api_client_create(
            name="x", organisation="", scopes=[scope], expires_on=today() + dt.timedelta(days=1), actor=None
        )
    assert "scopes" in refused.value.fields
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize(
    ("name", "expires_in", "field"),
    [("Hoofd Letters", 5, "name"), ("a" * 41, 5, "name"), ("-rand", 5, "name"), ("ok", 0, "expires_on")],
)
def test_a_bad_name_or_a_date_not_after_today_is_refused_and_nothing_written(name, expires_in, field):
    ensure_role_groups()
    with pytest.raises(Invalid) as refused:
        api_client_create(
            name=name, organisation="", scopes=["desk"], expires_on=today() + dt.timedelta(days=expires_in), actor=None
        )
    assert list(refused.value.fields) == [field]
    assert not ApiClient.objects.exists()


def test_a_name_is_taken_once():
    issue(Role.DESK)
    with pytest.raises(Invalid) as refused:
        issue(Role.DESK)
    assert "name" in refused.value.fields
    assert ApiClient.objects.count() == 1


def test_a_partner_places_a_reservation_with_either_header_and_the_audit_names_the_client(member, copy):
    issued = issue(Role.DESK)
    actor = f"user:{issued.client.user_id}"
    other = CopyFactory(branch=copy.branch)
    assert reserve(Client(), bearer(issued.key), member, copy).status_code == 201
    r = reserve(Client(), {"HTTP_X_API_KEY": issued.key}, member, other)
    assert r.status_code == 201, r.content
    placed = AuditEntry.objects.filter(action="reservation.placed")
    assert [e.actor for e in placed] == [actor, actor]
    calls = AuditEntry.objects.filter(action="api.call")
    assert [(e.actor, e.details["client"], e.details["method"]) for e in calls] == [(actor, "partner", "POST")] * 2
    assert calls[0].details["route"] == "api/v1/library/reservations"
    assert Reservation.objects.count() == 2


def test_a_wrong_key_is_401_in_the_one_error_shape_and_tells_nothing_of_other_keys(member, copy):
    issued = issue(Role.DESK)
    wrong_secret = issued.key[:-4] + ("AAAA" if not issued.key.endswith("AAAA") else "BBBB")
    for key in (wrong_secret, "kolk_000000000000_" + "A" * 43, "geen-sleutel", "x" * 5000, "kolk_\x00"):
        r = reserve(Client(), {"HTTP_X_API_KEY": key}, member, copy)
        assert r.status_code == 401, (key[:20], r.content)
        assert r.json() == {"code": "api_key_unknown", "message": "Deze API-sleutel is onbekend.", "fields": {}}
    assert not Reservation.objects.exists()
    assert not AuditEntry.objects.filter(action="api.call").exists()


def test_a_key_that_is_no_key_of_ours_costs_no_query(member, copy):
    with CaptureQueriesContext(connection) as queries:
        r = Client().get(f"{API}/library/copies/{copy.barcode}", **bearer("kolk_" + "z" * 2000))
    assert r.status_code == 401
    assert not [q for q in queries.captured_queries if "people_apiclient" in q["sql"]]


def test_a_revoked_key_is_401_and_its_account_is_switched_off(member, copy):
    issued = issue(Role.DESK)
    api_client_revoke(client=issued.client, actor=None)
    r = reserve(Client(), bearer(issued.key), member, copy)
    assert (r.status_code, r.json()["code"]) == (401, "api_key_revoked")
    assert not ApiClient.objects.get().user.is_active
    with pytest.raises(KolkError):
        api_client_revoke(client=issued.client, actor=None)
    assert AuditEntry.objects.filter(action="api_client.revoked").count() == 1


def test_a_key_works_through_its_last_day_and_is_401_after(member, copy, monkeypatch):
    issued = issue(Role.DESK, days=1)
    ends = issued.client.expires_at
    monkeypatch.setattr(api_keys, "now", lambda: ends - dt.timedelta(seconds=1))
    assert Client().get(f"{API}/library/copies/{copy.barcode}", **bearer(issued.key)).status_code == 200
    monkeypatch.setattr(api_keys, "now", lambda: ends)
    r = reserve(Client(), bearer(issued.key), member, copy)
    assert (r.status_code, r.json()["code"]) == (401, "api_key_expired")
    assert not Reservation.objects.exists()


def test_a_scope_the_operation_does_not_admit_is_403(member, copy):
    box = issue(Role.BOX_OFFICE, name="kassa-partner")
    r = reserve(Client(), bearer(box.key), member, copy)
    assert (r.status_code, r.json()["code"]) == (403, "not_allowed")
    marketing = issue(Role.MARKETING, name="marketing-partner")
    assert Client().get(f"{API}/library/members/{member.pk}", **bearer(marketing.key)).status_code == 403
    assert Client().get(f"{API}/comms/cases", **bearer(marketing.key)).status_code == 403
    assert not Reservation.objects.exists()
    # The refused call is in the audit log too, on the client's name.
    assert AuditEntry.objects.filter(action="api.call", actor=f"user:{box.client.user_id}").exists()


def test_a_key_needs_no_csrf_token_and_a_session_still_does(member, copy, staff):
    issued = issue(Role.DESK)
    strict = Client(enforce_csrf_checks=True)
    assert reserve(strict, bearer(issued.key), member, copy).status_code == 201
    session = Client(enforce_csrf_checks=True)
    session.force_login(staff)
    other = CopyFactory(branch=copy.branch)
    r = reserve(session, {}, member, other)
    assert r.status_code == 403
    assert Reservation.objects.count() == 1


def test_a_write_with_neither_key_nor_session_is_told_to_sign_in(member, copy):
    """No session cookie: nothing for a forged request to ride on, so no CSRF refusal, but a 401."""
    r = reserve(Client(enforce_csrf_checks=True), {}, member, copy)
    assert (r.status_code, r.json()["code"]) == (401, "not_signed_in")


def test_a_name_taken_by_a_login_at_the_same_moment_is_refused_at_the_name(monkeypatch):
    """Two administrators make the same client at once: the check passes for both, the second is told."""
    ensure_role_groups()
    UserFactory(username="api-partner")  # the other one's login, committed after this one's check

    class UsersAsAtTheCheck:
        objects = SimpleNamespace(filter=lambda **kwargs: User.objects.none())

        def __new__(cls, **kwargs):
            return User(**kwargs)

    monkeypatch.setattr(api_keys, "get_user_model", lambda: UsersAsAtTheCheck)
    with pytest.raises(Invalid) as refused:
        issue(Role.DESK)
    assert list(refused.value.fields) == ["name"]
    assert not ApiClient.objects.exists()


def test_a_key_outranks_a_session_cookie_sent_with_it(member, copy, staff):
    """Whatever session rides along, the call is the client's: its roles, its name in the log."""
    issued = issue(Role.BOX_OFFICE)
    browser = Client()
    browser.force_login(staff)  # the desk could reserve; the key's scope cannot
    assert reserve(browser, bearer(issued.key), member, copy).status_code == 403


def test_a_flood_of_wrong_keys_from_one_address_is_stopped_without_a_query(member, copy):
    issued = issue(Role.DESK)
    flood = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(api_auth.FAILURES_ALLOWED):
        assert (
            flood.get(f"{API}/library/copies/{copy.barcode}", **bearer(f"kolk_{n:012x}_" + "A" * 43)).status_code == 401
        )
    with CaptureQueriesContext(connection) as queries:
        r = flood.get(f"{API}/library/copies/{copy.barcode}", **bearer(issued.key))
    assert (r.status_code, r.json()["code"]) == (429, "too_many")
    assert not queries.captured_queries
    # Another address is not held up, and the anonymous session route is untouched.
    assert (
        Client(REMOTE_ADDR="203.0.113.10").get(f"{API}/library/copies/{copy.barcode}", **bearer(issued.key)).status_code
        == 200
    )
    assert flood.get(f"{API}/library/copies/{copy.barcode}").status_code == 401


def test_last_used_is_written_at_most_once_a_minute(copy, monkeypatch):
    issued = issue(Role.DESK)
    start = now()
    monkeypatch.setattr(api_keys, "now", lambda: start)

    def call() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert Client().get(f"{API}/library/copies/{copy.barcode}", **bearer(issued.key)).status_code == 200
        return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "people_apiclient"')]

    assert len(call()) == 1
    assert call() == []
    monkeypatch.setattr(api_keys, "now", lambda: start + dt.timedelta(seconds=59))
    assert call() == []
    monkeypatch.setattr(api_keys, "now", lambda: start + dt.timedelta(seconds=61))
    assert len(call()) == 1
    assert ApiClient.objects.get().last_used_at == start + dt.timedelta(seconds=61)


def test_a_key_call_costs_no_more_queries_than_a_session_call(copy, staff, django_assert_max_num_queries):
    issued = issue(Role.DESK)
    session = Client()
    session.force_login(staff)
    url = f"{API}/library/copies/{copy.barcode}"
    Client().get(url, **bearer(issued.key))  # last_used_at written: the minute's one UPDATE
    with CaptureQueriesContext(connection) as by_session:
        assert session.get(url).status_code == 200
    with django_assert_max_num_queries(len(by_session) + 1) as by_key:  # + the call's audit entry
        assert Client().get(url, **bearer(issued.key)).status_code == 200
    print(f"queries: session {len(by_session)}, key {len(by_key)}")


def test_the_openapi_document_names_both_key_schemes_beside_the_session():
    schema = Client().get(f"{API}/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert (schemes["ApiKeyBearer"]["type"], schemes["ApiKeyBearer"]["scheme"]) == ("http", "bearer")
    assert schemes["ApiKeyHeader"] | {"description": ""} == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "",
    }
    assert "SessionAuth" in schemes
    paths = schema["paths"]
    guarded = [
        paths[f"{API}/library/reservations"]["post"],
        paths[f"{API}/billing/invoices/{{invoice_id}}"]["get"],
        paths[f"{API}/comms/cases"]["get"],
        paths[f"{API}/boxoffice/checkin"]["post"],
    ]
    for operation in guarded:
        assert operation["security"] == [{"ApiKeyBearer": []}, {"ApiKeyHeader": []}, {"SessionAuth": []}]
        assert {"401", "403"} <= set(map(str, operation["responses"]))
    for public in (paths[f"{API}/boxoffice/programme"]["get"], paths[f"{API}/library/catalogue"]["get"]):
        assert "security" not in public


def test_the_public_reads_need_no_key_and_ignore_none(copy):
    """An open operation does not look at a key, good or bad: it is open."""
    assert Client().get(f"{API}/library/catalogue", {"q": "boek"}, **bearer("kapot")).status_code == 200
    assert Client().get(f"{API}/boxoffice/programme").status_code == 200
