"""Every export and selection serves rows of the statement: an objection to any of them keeps a
person out, at once, and nobody under 16 goes into marketing analysis, a profile or an export of them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from kolk.boxoffice.marketing import mosaic_export, mosaic_people, theatre_buyers_analysis
from kolk.core.clock import today
from kolk.library.partners import loan_history_selection
from kolk.people.models import Person
from kolk.privacy.disclosure import disclose
from kolk.privacy.gate import purpose_read, younger_than
from kolk.privacy.ledger import objection_record, restriction_record
from kolk.privacy.models import DisclosureItem
from kolk.privacy.register import RegisterError, get_register, read_register
from kolk.privacy.statement import article30_rows
from tests.boxoffice import factories as f
from tests.boxoffice.test_privacy import buy
from tests.factories import PersonFactory
from tests.library.factories import CopyFactory, LoanRuleFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
YESTERDAY = today() - dt.timedelta(days=1)


def born(years_ago: int, days: int = 0) -> dt.date:
    on = today()
    return on.replace(year=on.year - years_ago) + dt.timedelta(days=days)


def test_the_register_says_which_rows_each_export_serves():
    register = get_register()
    assert register.served_rows("segmentation") == ("B03", "T03", "P01")
    assert register.serving("P01") == ("segmentation",)
    # Whoever objects to profiling or marketing analysis is out of the Mosaic file too.
    assert set(register.honoured_objections("segmentation")) == {
        "segmentation",
        "marketing_analysis",
        "direct_marketing",
    }
    assert set(register.honoured_objections("marketing_statistics")) == {"marketing_statistics", "marketing_analysis"}
    assert register.honoured_objections("loan_processing") == ()  # a contract: nothing to object to
    assert register.min_age("segmentation") == 16
    assert register.min_age("marketing_analysis") == 16
    assert register.min_age("lending") is None
    assert register.min_age("newsletter") is None


def _copy(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(Path(get_register().path).read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "what"),
    [
        (lambda r: r["purposes"]["segmentation"].pop("serves"), "say which rows it serves"),
        (lambda r: r["purposes"]["segmentation"].update(serves=["T03", "Z99"]), "unknown row 'Z99'"),
        (lambda r: r["purposes"]["storage"].update(serves=["L01"]), "a system purpose serves no row"),
        (lambda r: r["purposes"]["marketing_analysis"].update(from_age="sixteen"), "not an age in whole years"),
    ],
)
def test_an_export_that_serves_no_row_is_refused(tmp_path, mutate, what):
    with pytest.raises(RegisterError) as caught:
        read_register(_copy(tmp_path, mutate))
    assert any(what in problem for problem in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("purpose", ["marketing_analysis", "direct_marketing", "segmentation"])
def test_an_objection_to_a_row_the_mosaic_file_serves_keeps_the_person_out(purpose):
    show = f.show(theatre=True)
    objector, other = PersonFactory(), PersonFactory()
    for person in (objector, other):
        buy(show, person)
    objection_record(subject=objector, purpose=purpose, objects=True, method="desk", actor=None)
    disclosure, _rows = mosaic_export(actor=None, since=YESTERDAY)
    assert set(DisclosureItem.objects.filter(disclosure=disclosure).values_list("subject_id", flat=True)) == {other.pk}
    assert disclosure.person_count == 1
    assert set(mosaic_people(since=YESTERDAY).values_list("pk", flat=True)) == {other.pk}


def test_withdrawing_the_objection_puts_the_person_back_at_once():
    show = f.show()
    person = PersonFactory()
    buy(show, person)
    objection_record(subject=person, purpose="direct_marketing", objects=True, method="web", actor=None)
    assert not mosaic_people(since=YESTERDAY).exists()
    objection_record(subject=person, purpose="direct_marketing", objects=False, method="web", actor=None)
    assert list(mosaic_people(since=YESTERDAY).values_list("pk", flat=True)) == [person.pk]


def test_an_objection_to_one_export_leaves_the_other_rows_alone():
    """Objecting to the Mosaic file by name does not stop marketing analysis, which does not serve it."""
    show = f.show(theatre=True)
    person = PersonFactory()
    buy(show, person)
    objection_record(subject=person, purpose="segmentation", objects=True, method="desk", actor=None)
    assert not mosaic_people(since=YESTERDAY).exists()
    assert sum(theatre_buyers_analysis(actor=None, since=YESTERDAY)["gender"].values()) == 1


def test_nobody_under_16_goes_into_the_mosaic_file():
    show = f.show()
    child = PersonFactory(date_of_birth=dt.date(2018, 4, 1))
    fifteen = PersonFactory(date_of_birth=born(16, days=1))  # 16 tomorrow
    sixteen = PersonFactory(date_of_birth=born(16))  # 16 today
    unknown = PersonFactory(date_of_birth=None)
    for person in (child, fifteen, sixteen, unknown):
        buy(show, person)
    disclosure, data = mosaic_export(actor=None, since=YESTERDAY)
    released = set(DisclosureItem.objects.filter(disclosure=disclosure).values_list("subject_id", flat=True))
    assert released == {sixteen.pk, unknown.pk}
    assert b"2018-04-01" not in data
    assert born(16).isoformat().encode() in data
    assert set(younger_than(16).values_list("pk", flat=True)) == {child.pk, fifteen.pk}


def test_no_child_is_analysed_or_profiled_by_any_marketing_read():
    child, adult = PersonFactory(date_of_birth=dt.date(2018, 4, 1)), PersonFactory()
    for purpose in ("marketing_analysis", "direct_marketing"):
        read = purpose_read(purpose=purpose, model=Person, fields=["id", "postcode"], actor=None)
        assert {row["id"] for row in read} == {adult.pk}
    # The same children stay in what is not marketing: their lending, their fee.
    read = purpose_read(purpose="fee_determination", model=Person, fields=["id", "date_of_birth"], actor=None)
    assert {row["id"] for row in read} == {child.pk, adult.pk}


def test_the_loan_history_selection_leaves_out_children_and_objectors():
    from kolk.library.services.loans import loan_checkout
    from kolk.library.services.members import subscription_start

    LoanRuleFactory()
    kind = SubscriptionTypeFactory()
    child, objector, reader = (
        PersonFactory(date_of_birth=dt.date(2015, 2, 2), with_pass=True),
        PersonFactory(with_pass=True),
        PersonFactory(with_pass=True),
    )
    for person in (reader, objector, child):
        guardian = reader if person is child else None
        subscription_start(person=person, type=kind, actor=None, id_seen=True, guardian=guardian)
        loan_checkout(copy_barcode=CopyFactory().barcode, person=person, actor=None)
    objection_record(subject=objector, purpose="marketing_analysis", objects=True, method="phone", actor=None)
    assert [row["person"] for row in loan_history_selection(actor=None, since=YESTERDAY)] == [reader.pk]


def test_a_restricted_person_is_out_of_every_export_at_once():
    show = f.show()
    person = PersonFactory()
    buy(show, person)
    restriction_record(subject=person, restricted=True, reason="juistheid betwist", actor=None)
    disclosure, _rows = disclose(recipient="R07", purpose="segmentation", model=Person, fields=["postcode"], actor=None)
    assert disclosure.person_count == 0


def test_the_art30_register_shows_which_exports_serve_each_row():
    rows = {row["id"]: row for row in article30_rows("nl")}
    assert "R07 The Alignment House" in rows["P01"]["served_by"]
    assert "Mosaic (marktsegmentatie)" in rows["T03"]["served_by"]
    assert "R04 Datawarehouse (van de KB)" in rows["L07"]["served_by"]
    assert rows["L13"]["served_by"] == ""
    assert "16" in rows["P01"]["data_subjects"]
    assert "16" not in rows["L01"]["data_subjects"]
    english = {row["id"]: row for row in article30_rows("en")}
    assert "Mosaic (market segmentation)" in english["B03"]["served_by"]
