"""Partners R01-R03 through the disclosure function; L12 through the purpose gate."""

from __future__ import annotations

import datetime as dt

import pytest

from kolk.library.models import Loan
from kolk.library.partners import (
    interlibrary_loans_export,
    kb_statistics,
    kb_statistics_send,
    loan_history_for_marketing,
    loan_history_selection,
    loans_export_biblionet,
)
from kolk.library.services.loans import loan_checkout
from kolk.library.services.members import subscription_start
from kolk.privacy.disclosure import DisclosureRefused, disclose
from kolk.privacy.ledger import objection_record
from kolk.privacy.models import DisclosureItem
from tests.factories import PersonFactory
from tests.library.factories import BranchFactory, CopyFactory, SubscriptionTypeFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
PERIOD = {"start": TODAY - dt.timedelta(days=1), "end": TODAY + dt.timedelta(days=1)}


@pytest.fixture
def two_loans(member, staff):
    other = PersonFactory(with_pass=True)
    subscription_start(person=other, type=SubscriptionTypeFactory(), actor=staff, id_seen=True)
    loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    beilen = BranchFactory(code="beilen", name="Bibliotheek Beilen")
    loan_checkout(copy_barcode=CopyFactory(branch=beilen).barcode, person=other, actor=staff)
    return member, other


def test_biblionet_gets_the_period_and_each_person_is_recorded(two_loans, staff):
    member, other = two_loans
    disclosure, rows = loans_export_biblionet(**PERIOD, actor=staff)
    assert {r["person__pass_number"] for r in rows} == {member.pass_number, other.pass_number}
    assert set(DisclosureItem.objects.filter(disclosure=disclosure).values_list("subject_id", flat=True)) == {
        member.pk,
        other.pk,
    }


def test_interlibrary_loans_go_to_the_other_library_only(two_loans, staff):
    _member, other = two_loans
    _disclosure, rows = interlibrary_loans_export(branch_codes=["beilen"], **PERIOD, actor=staff)
    assert [r["person__pass_number"] for r in rows] == [other.pass_number]


def test_the_kb_gets_counts_never_a_person(two_loans, staff):
    counts = kb_statistics(**PERIOD)
    month = f"{TODAY:%Y-%m}"
    assert (counts[f"loans:{month}"], counts[f"members:{month}"]) == (2, 2)
    disclosure = kb_statistics_send(**PERIOD, actor=staff)
    assert disclosure.aggregate == counts
    assert not DisclosureItem.objects.filter(disclosure=disclosure).exists()
    with pytest.raises(DisclosureRefused):
        disclose(recipient="R03", purpose="loan_statistics", model=Loan, fields=["person__pass_number"], actor=staff)


def test_an_unlisted_recipient_is_refused(two_loans, staff):
    with pytest.raises(DisclosureRefused):
        disclose(recipient="Bol.com", purpose="loan_processing", model=Loan, fields=["due_on"], actor=staff)


def test_loan_history_for_marketing_leaves_objectors_out(two_loans, staff):
    member, other = two_loans
    objection_record(subject=other, purpose="marketing_analysis", objects=True, method="desk", actor=staff)
    rows = loan_history_for_marketing(actor=staff, since=TODAY).list()
    assert {r["person"] for r in rows} == {member.pk}


def test_the_marketing_selection_counts_per_member_in_the_database_and_leaves_objectors_out(
    two_loans, staff, django_assert_max_num_queries
):
    from kolk.privacy.gate import PurposeViolation
    from kolk.privacy.models import AuditEntry

    member, other = two_loans
    loan_checkout(copy_barcode=CopyFactory().barcode, person=member, actor=staff)
    objection_record(subject=other, purpose="marketing_analysis", objects=True, method="desk", actor=staff)
    with django_assert_max_num_queries(3):  # the grouped read and its audit entry, whatever the rows
        rows = loan_history_selection(actor=staff, since=TODAY)
    assert [(r["person"], r["loans"]) for r in rows] == [(member.pk, 2)]
    assert loan_history_selection(actor=staff, since=TODAY, min_loans=3) == []
    assert loan_history_selection(actor=staff, since=TODAY, media_type="dvd") == []
    logged = AuditEntry.objects.filter(action="privacy.read").order_by("-pk").first()
    assert logged.details["how"] == "grouped"
    with pytest.raises(PurposeViolation):
        loan_history_for_marketing(actor=staff, since=TODAY).grouped(["copy__barcode"])
