"""The access package a person can read: what they borrowed, by purpose, in plain words, a quick PDF."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from django.urls import reverse

from kolk.core.clock import now
from kolk.library.models import Branch, Copy, Loan, Title
from kolk.people.models import Person
from kolk.privacy.access import access_package, readable
from kolk.privacy.disclosure import disclose
from kolk.privacy.fieldmap import personal_models
from kolk.privacy.models import RightsRequest
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _history(person: Person, loans: int) -> list[Copy]:
    """A member's loans over five years, one copy each."""
    branch = Branch.objects.create(code="assen", name="DNK Assen")
    titles = Title.objects.bulk_create(
        Title(title=f"Het boek nummer {i}", authors=f"Schrijver {i}", control_number=f"c{i}") for i in range(loans)
    )
    copies = Copy.objects.bulk_create(Copy(title=t, barcode=f"DNK{i:07d}", branch=branch) for i, t in enumerate(titles))
    start = now() - dt.timedelta(days=5 * 365)
    step = dt.timedelta(days=5 * 365 / loans)
    Loan.objects.bulk_create(
        Loan(
            copy=c,
            person=person,
            checked_out_at=start + i * step,
            due_on=(start + i * step + dt.timedelta(days=21)).date(),
            returned_at=start + i * step + dt.timedelta(days=14),
        )
        for i, c in enumerate(copies)
    )
    return copies


def test_the_package_lists_what_was_borrowed_in_one_query_per_source(staff, django_assert_max_num_queries):
    person = PersonFactory(emails=["a@example.nl"])
    copies = _history(person, 12)
    sources = sum(1 for _model, pmap in personal_models() if pmap.subject)
    with django_assert_max_num_queries(sources + 12):  # the loan's title, authors and barcode come in its own query
        package = access_package(subject=person, actor=staff, lang="nl")
    loans = next(c for c in package["categories"] if c["category"] == "loan_history")
    table = next(t for t in loans["data"] if t["source"] == "library.Loan")
    assert {"copy__title__title", "copy__title__authors", "copy__barcode"} <= set(table["fields"])
    assert len(table["rows"]) == 12
    flat = json.dumps(package)
    assert copies[0].barcode in flat
    assert "Het boek nummer 0" in flat
    assert "Schrijver 11" in flat


def test_the_readable_package_speaks_by_purpose_without_developer_words(staff):
    person = PersonFactory(emails=["a@example.nl"], with_pass=True)
    _history(person, 30)
    disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=staff)
    read = readable(access_package(subject=person, actor=staff, lang="nl"))
    labels = [p["label"] for p in read["purposes"]]
    assert labels
    assert all(p["bases"] and p["held"] for p in read["purposes"])
    loans = next(k for k in read["held"] if k["label"] == "Leenhistorie")
    table = next(t for t in loans["tables"] if t["title"] == "uitleningen")
    assert table["count"] == 30
    assert len(table["rows"]) == 5  # the latest few; all of them are in the portable package
    assert table["rows"][0][table["headings"].index("titel")] == "Het boek nummer 29"  # the latest first
    assert "barcode" in table["headings"]
    assert "makers" in table["headings"]
    text = json.dumps(read, ensure_ascii=False)
    for developer in ("people.Person", "given_name", "iban_hash", "copy__", "fine_cents", "+00:00"):
        assert developer not in text, developer


def test_the_pdf_of_five_years_is_quick_and_reads_plainly(client, staff, django_assert_max_num_queries):
    person = PersonFactory(emails=["p@example.nl"], with_pass=True)
    _history(person, 5 * 52)
    client.force_login(staff)
    client.post(
        reverse("desk:privacy_request_new", args=[person.pk]),
        {"kind": "access", "channel": "desk", "identity_method": "id_card"},
    )
    request = RightsRequest.objects.get()
    html = client.get(reverse("desk:privacy_access", args=[request.pk, "html"])).content.decode()
    assert "Het boek nummer 259" in html
    assert "DNK0000259" in html
    assert "Het boek nummer 10<" not in html  # not every loan: those are in the portable package
    for developer in ("people.Person", "given_name", "iban_hash", "library.Loan"):
        assert developer not in html, developer
    sources = sum(1 for _model, pmap in personal_models() if pmap.subject)
    client.get(reverse("desk:privacy_access", args=[request.pk, "pdf"]))  # the first draw loads the fonts
    started = time.perf_counter()
    with django_assert_max_num_queries(sources + 30):
        pdf = client.get(reverse("desk:privacy_access", args=[request.pk, "pdf"]))
    print(f"access package PDF, five years of loans: {time.perf_counter() - started:.2f} s, {len(pdf.content)} bytes")
    assert pdf.content.startswith(b"%PDF")
