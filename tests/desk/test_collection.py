"""The collection at the desk: a title with its copies in one step, MARC from a page, a copy's status, a label."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kolk.core.roles import Role
from kolk.library.models import Copy, Title
from kolk.library.services.loans import loan_checkout
from tests.factories import UserFactory
from tests.library.conftest import member, rules
from tests.library.factories import BranchFactory, CopyFactory

__all__ = ["member", "rules"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def library(client):
    client.force_login(UserFactory(roles=[Role.LIBRARY_STAFF]))
    return client


def test_catalogue_a_title_with_two_copies_all_or_nothing(library):
    BranchFactory(code="assen", name="DNK Assen")
    CopyFactory(barcode="3000000099")
    form = {"title": "De Avonden", "authors": "Gerard Reve", "media_type": "book", "branch": "assen"}
    # A barcode that exists already: nothing is made, the refusal sits by the field.
    refused = library.post(reverse("desk:library_catalogue"), {**form, "barcodes": "3100000001\n3000000099"})
    assert "bestaat al" in refused.content.decode()
    assert not Title.objects.filter(title="De Avonden").exists()
    response = library.post(reverse("desk:library_catalogue"), {**form, "barcodes": "3100000001\n3100000002\n"})
    title = Title.objects.get(title="De Avonden")
    assert response["Location"] == reverse("desk:library_title", args=[title.pk])
    assert sorted(title.copies.values_list("barcode", flat=True)) == ["3100000001", "3100000002"]


def test_the_desk_cannot_catalogue(client):
    client.force_login(UserFactory(roles=[Role.DESK]))
    assert client.get(reverse("desk:library_catalogue")).status_code == 403


def test_a_copy_is_marked_lost_but_not_while_it_is_lent(library, member):
    lent, shelf = CopyFactory(), CopyFactory()
    loan_checkout(copy_barcode=lent.barcode, person=member, actor=None)
    library.post(reverse("desk:library_copy_status", args=[shelf.pk]), {"status": "lost"})
    shelf.refresh_from_db()
    assert shelf.status == Copy.Status.LOST
    html = library.post(
        reverse("desk:library_copy_status", args=[lent.pk]), {"status": "withdrawn"}, follow=True
    ).content.decode()
    assert "neem het eerst in" in html
    lent.refresh_from_db()
    assert lent.status == Copy.Status.ON_LOAN
    library.post(reverse("desk:library_copy_status", args=[shelf.pk]), {"status": "on_loan"})
    shelf.refresh_from_db()
    assert shelf.status == Copy.Status.LOST  # lending states are not set by hand


def test_a_label_carries_the_barcode_drawn_on_the_server(library):
    copy = CopyFactory(barcode="3000000123")
    html = library.get(reverse("desk:library_label", args=[copy.pk])).content.decode()
    src = html.split('id="label-barcode"', 1)[0].rsplit('src="', 1)[1].split('"', 1)[0]
    svg = base64.b64decode(src.removeprefix("data:image/svg+xml;base64,")).decode()
    assert svg.count("<rect") > 20
    assert "3000000123" in svg


def test_marc_from_a_page_like_the_command(library):
    from tests.library.test_catalogue import marc_file, marc_record

    data = marc_file(
        [
            marc_record("kolk-1", "Het Diner", "Herman Koch", "", []),
            marc_record("kolk-2", "Max Havelaar", "Multatuli", "", []),
        ]
    )
    response = library.post(reverse("desk:library_marc"), {"file": SimpleUploadedFile("titels.mrc", data)})
    assert 'id="marc-result"' in response.content.decode()
    assert Title.objects.count() == 2
    library.post(reverse("desk:library_marc"), {"file": SimpleUploadedFile("titels.mrc", data)})
    assert Title.objects.count() == 2  # the same 001 updates, never doubles
    # A MARC-XML file with a DTD is refused whole, in words.
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><collection/>'
    html = library.post(
        reverse("desk:library_marc"), {"file": SimpleUploadedFile("x.xml", evil)}, follow=True
    ).content.decode()
    assert 'class="error"' in html


def test_marc_reports_a_bad_record_in_dutch(library):
    from tests.library.test_catalogue import marc_file, marc_record

    data = marc_file([marc_record("", "Zonder nummer", "Iemand", "", [])]) + b"00012garbage"
    html = library.post(reverse("desk:library_marc"), {"file": SimpleUploadedFile("titels.mrc", data)}).content.decode()
    result = html.split('id="marc-result"', 1)[1]
    assert "Record 1: zonder recordnummer (001), overgeslagen." in result
    assert "Record 2: onleesbaar, overgeslagen." in result
    assert "unreadable" not in result


def test_the_labels_of_all_copies_of_a_title_in_one_print(library):
    first = CopyFactory(barcode="3000000124")
    CopyFactory(title=first.title, barcode="3000000125")
    CopyFactory(title=first.title, barcode="3000000126", status=Copy.Status.WITHDRAWN)
    title_page = library.get(reverse("desk:library_title", args=[first.title_id])).content.decode()
    assert "Etiketten van alle 2 exemplaren afdrukken" in title_page
    html = library.get(reverse("desk:library_label", args=[first.pk]) + "?alle").content.decode()
    slip = html.split('id="label"', 1)[1].split("</section>", 1)[0]
    assert slip.count('class="label-one"') == 2  # the withdrawn copy gets no new label
    assert "2 etiketten afdrukken" in html
