"""The edge, hardened: bad bytes are a 400 everywhere, one error shape, no look-alike redirects,
no personal data in a URL, and each role reaches only what the register gives it.

Each test here failed on the code before the edge was made one mechanism: a NUL
byte was a 500 on PostgreSQL (PostgreSQL refuses it in a text parameter), a broken
multipart body with a session was a 500 in the CSRF middleware, the iDEAL return
address was checked by prefix, searches were GET requests, and every staff role
opened any person's page.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from kolk.core.edge import on_site
from kolk.privacy.models import AuditEntry
from tests.security.world import login

A = "/api/v1"
NUL = "\x00"


# Bad bytes: anywhere in path, query or body, anonymous or signed in, a 400 with a message.

ANONYMOUS_PATHS = [
    f"{A}/boxoffice/orders/abc%00def",
    "/kaarten/bestelling/abc%00def/",
    f"{A}/library/catalogue?q=ro%00man",
    f"{A}/boxoffice/programme?kind=film%00",
    "/catalogus?q=%00",
    "/balie/personen/?q=%00",
    "/%00",
    "/balie/bieb/leden/1%0A/",
]


@pytest.mark.parametrize("url", ANONYMOUS_PATHS)
def test_a_nul_byte_in_path_or_query_is_a_400_with_a_message(client, db, url):
    response = client.get(url)
    assert response.status_code == 400, (url, response.status_code)
    assert "nul-byte" in response.content.decode()


def test_the_api_answers_bad_bytes_in_its_one_error_shape(client, db):
    response = client.get(f"{A}/boxoffice/orders/abc%00def")
    assert response.status_code == 400
    assert response.json() == {
        "code": "bad_path",
        "message": "Het adres bevat tekens die niet kunnen, zoals een nul-byte of een regeleinde.",
        "fields": {},
    }


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (f"{A}/boxoffice/shows/1/hold", {"quantity": 1, "seat_ids": []}),
        (f"{A}/comms/contact", {"name": "Vera\u0000", "email": "vera@example.nl", "question": "Open?"}),
        (f"{A}/comms/newsletter", {"email": "a\u0000@example.nl"}),
        (f"{A}/boxoffice/orders/x/checkout", {"buyer_name": "Gea\u0000", "buyer_email": "g@example.nl"}),
    ],
)
def test_a_nul_in_a_json_body_is_a_400(client, db, url, body):
    raw = json.dumps(body)
    if "\\u0000" not in raw:
        raw = raw.replace("1,", '1, "x": "\\u0000",', 1)
    response = client.post(url, raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "bad_body"


def test_an_escaped_newline_in_json_is_text_not_a_bad_byte(client, db):
    body = {"name": "Vera", "email": "vera@example.nl", "question": "Regel een\nregel twee\ttab"}
    response = client.post(f"{A}/comms/contact", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_nul_in_the_mollie_webhook_id_is_a_400_not_a_500(client, db):
    response = client.post(f"{A}/boxoffice/payments/mollie/webhook", {"id": "tr_\x00"})
    assert response.status_code == 400


def test_a_nul_in_a_desk_form_is_a_400(client, db, world):
    login(client, world, "desk")
    response = client.post("/balie/personen/", {"q": "Jan\x00sen"})
    assert response.status_code == 400


def test_a_broken_multipart_body_with_a_session_is_a_400(client, db, world):
    """It was a 500: the CSRF middleware read the body and Django's parser raised."""
    login(client, world, "desk")
    for url in ("/nergens/", "/balie/personen/", f"{A}/comms/contact"):
        for content_type in ("multipart/form-data", "multipart/form-data; boundary="):
            response = client.generic("POST", url, b"--x\r\nbroken", content_type=content_type)
            assert response.status_code == 400, (url, content_type, response.status_code)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "url", [f"{A}/boxoffice/orders/{NUL}x", f"{A}/library/copies/{NUL}1", "/kaarten/bestelling/%00/"]
)
def test_on_postgresql_a_nul_never_reaches_the_database(client, db, world, url):
    login(client, world, "box_office")
    assert client.get(url).status_code == 400


# The iDEAL return address: scheme, host and port of the site itself.


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://kolk.dnk.nl/shop/bestelling/abc/", True),
        ("https://kolk.dnk.nl", True),
        ("https://kolk.dnk.nl.evil.example/", False),
        ("https://kolk.dnk.nl@evil.example/", False),
        ("https://evil.example/https://kolk.dnk.nl/", False),
        ("http://kolk.dnk.nl/", False),
        ("https://kolk.dnk.nl:8443/", False),
        ("https://user:pw@kolk.dnk.nl/", False),
        ("//kolk.dnk.nl.evil.example/", False),
        ("javascript:alert(1)", False),
        ("https://kolk.dnk.nl:99999/", False),
        ("", False),
    ],
)
def test_a_return_address_is_on_the_site_only_with_the_same_scheme_host_and_port(url, ok):
    assert on_site(url, "https://kolk.dnk.nl") is ok


def test_the_pay_operation_sends_a_look_alike_return_address_home(client, db, world, monkeypatch, settings):
    """It used a prefix test, so https://kolk.dnk.nl.evil.example/ passed as https://kolk.dnk.nl."""
    from kolk.api import boxoffice as api_boxoffice

    settings.KOLK_SITE_URL = "https://kolk.dnk.nl"
    seen = {}

    def payment_start(**kwargs):
        seen.update(kwargs)
        raise api_boxoffice.NotFound()

    monkeypatch.setattr(api_boxoffice, "payment_start", payment_start)
    token = world.ids["held_token"]
    body = json.dumps({"method": "ideal", "return_url": "https://kolk.dnk.nl.evil.example/"})
    client.post(f"{A}/boxoffice/orders/{token}/pay", body, content_type="application/json")
    assert seen["return_url"] == "https://kolk.dnk.nl"
    body = json.dumps({"method": "ideal", "return_url": "https://kolk.dnk.nl/shop/terug/"})
    client.post(f"{A}/boxoffice/orders/{token}/pay", body, content_type="application/json")
    assert seen["return_url"] == "https://kolk.dnk.nl/shop/terug/"


# No personal data in a URL: searches are POSTed.


def test_the_desk_searches_are_posted_and_a_query_in_the_url_finds_nobody(client, db, world):
    from kolk.people.models import Person

    name = Person.objects.get(pk=world.ids["person"]).full_name
    login(client, world, "desk")
    for url in ("/balie/personen/", "/balie/bieb/"):
        page = client.get(url).content.decode()
        assert 'method="post" role="search"' in page
        assert name not in client.get(url, {"q": name}).content.decode()
        assert name in client.post(url, {"q": name}).content.decode()


def test_the_api_member_search_is_posted(client, db, world):
    login(client, world, "desk")
    response = client.post(f"{A}/library/members/search", json.dumps({"q": "Assen"}), content_type="application/json")
    assert response.status_code == 200
    assert client.get(f"{A}/library/members", {"q": "Assen"}).status_code in (404, 405)


# Reach: what each role may open follows from the purposes the register gives it.


def test_the_box_office_does_not_read_invoices(client, db, world):
    login(client, world, "box_office")
    assert client.get(f"{A}/billing/invoices/{world.ids['invoice']}").status_code == 403
    assert client.get(f"{A}/billing/people/{world.ids['person']}/invoices").status_code == 403


@pytest.mark.parametrize("role", ["marketing", "box_office"])
def test_marketing_and_the_box_office_open_no_person_page(client, db, world, role):
    login(client, world, role)
    assert client.get(f"/balie/personen/{world.ids['person']}/").status_code == 403
    assert client.post("/balie/personen/", {"q": "matrix"}).status_code == 403


def test_a_staff_read_through_the_library_api_is_logged_with_its_purpose(client, db, world):
    login(client, world, "desk")
    for url in (f"{A}/library/loans", f"{A}/library/reservations"):
        seen = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        assert client.get(url, {"person_id": world.ids["person"]}).status_code == 200
        entry = AuditEntry.objects.get(action="subject.viewed", pk__gt=seen)
        assert entry.details == {"purpose": "lending", "roles": ["desk"]}
        assert entry.actor == f"user:{world.users['desk'].pk}"


def test_the_person_page_logs_the_purpose_the_role_serves(client, db, world):
    login(client, world, "privacy_officer")
    seen = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    assert client.get(f"/balie/personen/{world.ids['person']}/").status_code == 200
    entry = AuditEntry.objects.get(action="subject.viewed", pk__gt=seen)
    assert entry.details == {"purpose": "rights", "roles": ["privacy_officer"]}


# One error shape, documented on every operation.


def test_every_operation_documents_its_refusals_in_the_one_error_schema(client, db):
    schema = client.get(f"{A}/openapi.json").json()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["properties"]) == {"code", "message", "fields"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            refusals = {int(s) for s in operation["responses"] if s.startswith("4")}
            assert {400, 404} <= refusals, (method, path)
            if method == "post":
                assert {409, 422} <= refusals, (method, path)
            if operation.get("security"):
                assert {401, 403} <= refusals, (method, path)
            for status in refusals:
                ref = operation["responses"][str(status)]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, status)
            assert "x-kolk-access" in operation, (method, path)


def test_a_body_that_does_not_fit_is_a_422_naming_the_field(client, db):
    response = client.post(f"{A}/comms/newsletter", json.dumps({"mail": "x"}), content_type="application/json")
    assert response.status_code == 422
    data = response.json()
    assert data["code"] == "invalid"
    assert "email" in data["fields"]
    assert "email" in data["message"]


def test_not_signed_in_is_a_401_in_the_one_shape(client, db):
    response = client.get(f"{A}/library/loans", {"person_id": 1})
    assert response.status_code == 401
    assert response.json()["code"] == "not_signed_in"


def test_a_business_refusal_is_a_409_with_the_desks_words(client, db, world):
    login(client, world, "desk")
    body = json.dumps({"copy_barcode": "GEEN-BARCODE", "person_id": world.ids["person"]})
    response = client.post(f"{A}/library/loans/checkout", body, content_type="application/json")
    assert response.status_code in (404, 409)
    data = response.json()
    assert set(data) == {"code", "message", "fields"}
    assert data["message"]


def test_settings_put_the_bad_bytes_guard_before_sessions_and_csrf():
    middleware = settings.MIDDLEWARE
    guard = middleware.index("kolk.core.edge.BadBytesMiddleware")
    assert guard < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert guard < middleware.index("django.middleware.csrf.CsrfViewMiddleware")


def test_refusals_follow_the_requests_language(client, db, world):
    """Dutch first, English when the caller asks for it: the bad-bytes guard, the API's handlers, the reach."""
    response = client.get(f"{A}/boxoffice/orders/abc%00def", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["message"] == (
        "The address contains characters that are not allowed, such as a NUL byte or a line break."
    )
    assert client.get(f"{A}/library/loans", {"person_id": 1}, HTTP_ACCEPT_LANGUAGE="en").json()["message"] == (
        "Log in first."
    )
    login(client, world, "member")
    other = client.get(f"{A}/library/members/{world.other['person']}", HTTP_ACCEPT_LANGUAGE="en")
    assert other.json()["message"] == "Not found."
    dutch = client.get(f"{A}/library/members/{world.other['person']}", HTTP_ACCEPT_LANGUAGE="nl")
    assert dutch.json()["message"] == "Niet gevonden."
