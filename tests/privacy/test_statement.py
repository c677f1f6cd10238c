"""The statement and the art. 30 register are generated from the register, complete."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from kolk.privacy.register import get_register
from tests.privacy.test_register import statement_ids


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_dutch_page_shows_every_id_of_the_statement(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    html = response.content.decode()
    for rid in statement_ids():
        assert f'data-row="{rid}"' in html, rid
    assert "Uitvoering overeenkomst" in html
    assert "Wij bewaren deze informatie tot 5 jaar nadat jouw abonnement is opgezegd." in html
    assert "3 maanden na het einde van de dienstverlening aan de school" in html
    assert "Autoriteit Persoonsgegevens" in html
    assert "Weiersstraat 1" in html
    assert 'datetime="2018-07-23"' in html


@pytest.mark.django_db
def test_the_english_page(client):
    with translation.override("en"):
        url = reverse("web:privacy")
    assert url == "/en/privacy"
    html = client.get(url).content.decode()
    assert "Performance of a contract" in html
    assert "5 years after your subscription has been cancelled" in html
    assert "Data (personal data)" not in html
    for rid in statement_ids():
        assert f'data-row="{rid}"' in html, rid


@pytest.mark.parametrize(("lang", "fmt"), [("nl", "md"), ("en", "md"), ("nl", "html"), ("en", "html")])
def test_the_statement_command_carries_every_id(lang, fmt):
    text = run("privacy", "statement", "--lang", lang, "--format", fmt)
    for rid in statement_ids():
        assert rid in text, (rid, lang, fmt)


def test_the_markdown_has_a_table_per_section():
    text = run("privacy", "statement", "--format", "md")
    assert "| L13 | Herinnering en leesadvies | Attendering en advisering | Toestemming |" in text
    assert "| R07 | The Alignment House | Mosaic (marktsegmentatie) | Gerechtvaardigd belang |" in text


def test_the_article30_register_as_csv():
    rows = list(csv.DictReader(io.StringIO(run("privacy", "register", "--format", "csv"))))
    assert {r["id"] for r in rows} == set(get_register().rows)
    library = next(r for r in rows if r["id"] == "L12")
    assert library["legal_basis"] == "Gerechtvaardigd belang"
    assert "R01 Biblionet Drenthe" in library["recipients"]
    assert library["erasure"] == (
        "5 jaar nadat jouw abonnement is opgezegd, "
        "of tot 14 dagen na een online inschrijving waarvan je de eerste contributie niet betaalt"
    )
    assert "DNK" in library["controller"]
    assert "Privacy Officer" in library["privacy_officer"]
    assert "TLS" in library["security"]
    school = next(r for r in rows if r["id"] == "S01")
    assert "R02 Bibliotheken in Drenthe" in school["recipients"]  # a school subscription is a library one


def test_the_article30_register_as_json_and_html():
    document = json.loads(run("privacy", "register", "--format", "json", "--lang", "en"))
    assert document["controller"]["name"] == "DNK"
    assert len(document["activities"]) == len(get_register().rows)
    assert "<table>" in run("privacy", "register", "--format", "html")


@pytest.mark.django_db
def test_the_api_publishes_the_register(client):
    data = client.get("/api/v1/privacy/register").json()
    assert {r["id"] for r in data["rows"]} == set(get_register().rows)
    assert {r["id"] for r in data["recipients"]} == {f"R0{i}" for i in range(1, 8)}
    assert client.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.django_db
def test_the_statement_says_how_notices_reach_you_and_who_sends_text_messages(client):
    html = client.get("/privacy").content.decode()
    for rid in ("M01", "M02", "M03"):
        assert f'data-row="{rid}"' in html, rid
    assert "Berichten per e-mail, sms of post" in html
    assert "sms-dienst CM.com" in html  # the processor that receives the mobile number
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(run("privacy", "register", "--format", "csv")))}
    assert rows["M02"]["purposes"] == "Berichten over je uitleningen, reserveringen en kaartjes"
