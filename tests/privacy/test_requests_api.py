"""Privacy requests through the API: a member files and follows their own, the Privacy Officer lists the open ones.

Each status: 201 filed, 200 read, 401 not signed in, 403 a role that may not, 404 another member's request
(word for word the answer for one that does not exist), 422 a bad kind or text with the field named.
"""

from __future__ import annotations

import pytest

from kolk.core.roles import Role
from kolk.privacy.models import AuditEntry, RightsRequest
from kolk.privacy.rights import request_close, request_receive
from tests.factories import UserFactory, staff_login
from tests.web.factories import member

pytestmark = pytest.mark.django_db
API = "/api/v1/privacy/requests"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lid(client):
    user = member(username="lid")
    client.force_login(user)
    return user


def _post(client, body):
    return client.post(API, body, content_type="application/json")


def test_a_member_files_a_request_for_themself_201(client, lid):
    response = _post(client, {"kind": "correction", "text": "Mijn adres is Vaart 12, niet Vaart 21."})
    assert response.status_code == 201, response.content
    body = response.json()
    made = RightsRequest.objects.get()
    assert (body["id"], body["status"], body["kind"]) == (made.pk, "open", "correction")
    assert body["text"] == "Mijn adres is Vaart 12, niet Vaart 21."
    assert body["deadline"] == made.due_on.isoformat()
    assert (made.subject_id, made.channel, made.text) == (lid.person.pk, "portal", body["text"])
    assert _post(client, {"kind": "access"}).status_code == 201  # the text is optional for access


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "correction"}, "text"),
        ({"kind": "complaint", "text": "   "}, "text"),
        ({"kind": "complaint", "text": "x" * 2001}, "text"),
        ({"kind": "complaint", "text": "Jan\u202eeoN"}, "text"),
        ({"kind": "everything"}, "kind"),
        ({"text": "Geen soort"}, "kind"),
        ({"kind": 3}, "kind"),
    ],
)
def test_bad_input_is_422_with_the_field_and_writes_nothing(client, lid, body, field):
    response = _post(client, body)
    assert response.status_code == 422, response.content
    answer = response.json()
    assert field in answer["fields"]
    assert answer["code"]
    assert answer["message"]
    assert not RightsRequest.objects.exists()


def test_bad_bytes_are_a_client_error(client, lid):
    for raw in (b'{"kind": "access", "text": "\xff\xfe"}', b'{"kind": "complaint", "text": "Zie\\u0000bijlage"}'):
        response = client.post(API, raw, content_type="application/json")
        assert response.status_code in (400, 422), response.content
    assert not RightsRequest.objects.exists()


def test_a_member_lists_and_reads_only_their_own_requests(client, lid):
    ander = member(username="ander")
    theirs = request_receive(subject=ander.person, kind="complaint", channel="portal", actor=None, text="Van ander.")
    mine = request_receive(subject=lid.person, kind="correction", channel="portal", actor=None, text="Van mij.")
    closed = request_receive(subject=lid.person, kind="access", channel="portal", actor=None)
    request_close(request=closed, done=True, outcome="Pakket meegegeven.", actor=None)

    listed = client.get(API)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [closed.pk, mine.pk]
    assert listed.json()[0]["status"] == "done"
    assert listed.json()[0]["outcome"] == "Pakket meegegeven."

    own = client.get(f"{API}/{mine.pk}")
    assert own.status_code == 200
    assert own.json()["text"] == "Van mij."

    other = client.get(f"{API}/{theirs.pk}")
    nothing = client.get(f"{API}/987654321")
    assert other.status_code == nothing.status_code == 404
    assert other.json() == nothing.json()
    assert b"Van ander" not in other.content
    assert AuditEntry.objects.filter(action="reach.refused").count() == 1


def test_the_privacy_officer_lists_the_open_requests_without_anyones_words(client):
    lid, ander = member(username="lid"), member(username="ander")
    first = request_receive(subject=lid.person, kind="complaint", channel="portal", actor=None, text="Geheim.")
    second = request_receive(subject=ander.person, kind="access", channel="letter", actor=None)
    done = request_receive(subject=ander.person, kind="explanation", channel="portal", actor=None)
    request_close(request=done, done=True, outcome="Uitgelegd.", actor=None)
    staff_login(client, UserFactory(roles=[Role.PRIVACY_OFFICER], username="fg"))

    response = client.get(f"{API}/open")
    assert response.status_code == 200
    rows = response.json()
    assert [(r["id"], r["subject_id"], r["identity_seen"]) for r in rows] == [
        (first.pk, lid.person.pk, True),  # a portal login is its own proof
        (second.pk, ander.person.pk, False),
    ]
    assert "Geheim." not in response.content.decode()

    one = client.get(f"{API}/{first.pk}")
    assert one.status_code == 200
    assert one.json()["text"] == "Geheim."
    assert AuditEntry.objects.filter(action="subject.viewed", details__purpose="rights").exists()


def test_who_may_not(client):
    made = request_receive(subject=member(username="lid").person, kind="access", channel="portal", actor=None)
    assert client.get(f"{API}/open").status_code == 401
    assert _post(client, {"kind": "access"}).status_code == 401
    client.force_login(member(username="ander"))
    assert client.get(f"{API}/open").status_code == 403
    client.logout()
    staff_login(client, UserFactory(roles=[Role.DESK]))
    assert client.get(f"{API}/open").status_code == 403
    assert client.get(f"{API}/{made.pk}").status_code == 403
    assert _post(client, {"kind": "access"}).status_code == 403  # staff file a request at the desk, for a person
    assert RightsRequest.objects.count() == 1


def test_the_operations_declare_who_may_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths[API]["post"]["x-kolk-access"] == {"purpose": None, "roles": [], "members": True, "public": False}
    assert paths[f"{API}/open"]["get"]["x-kolk-access"]["roles"] == ["administrator", "privacy_officer"]
    assert set(paths[API]["post"]["responses"]) >= {"201", "401", "403", "422"}
