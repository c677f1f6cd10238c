"""Offers per channel: an objection on a channel (or to offers at all) drops the person at once."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kolk.comms.models import CampaignPurpose
from kolk.comms.newsletter import campaign_create, campaign_send, newsletter_recipients, newsletter_subscribe
from kolk.comms.offers import (
    offers_call_list,
    offers_call_list_csv,
    offers_email_selection,
    offers_letter_selection,
    offers_letter_text,
    offers_letters_csv,
    offers_objection_text,
    offers_phone_objection_record,
)
from kolk.comms.outbox import outbox_flush
from kolk.privacy.ledger import objection_record, restriction_record
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def ids(rows):
    return {row["id"] for row in rows}


@pytest.fixture
def people():
    return [
        PersonFactory(given_name=f"P{i}", emails=[f"p{i}@example.nl"], phones=[f"0612345{i:03d}"]) for i in range(5)
    ]


def test_each_channel_selects_everyone_not_objecting(people):
    everyone = {p.pk for p in people}
    assert ids(offers_email_selection(actor=None)) == everyone
    assert ids(offers_letter_selection(actor=None)) == everyone
    assert ids(offers_call_list(actor=None)) == everyone


def test_no_on_the_phone_is_recorded_in_one_step_and_drops_only_the_call(people, staff):
    said_no = people[0]
    choice = offers_phone_objection_record(person=said_no, actor=staff)
    assert (choice.channel, choice.method, choice.recorded_by) == ("phone", "phone", staff)
    assert said_no.pk not in ids(offers_call_list(actor=staff))
    assert said_no.pk in ids(offers_email_selection(actor=staff))
    assert said_no.pk in ids(offers_letter_selection(actor=staff))
    objection_record(subject=people[1], purpose="offers", objects=True, method="web", actor=None)  # all channels
    assert people[1].pk not in ids(offers_email_selection(actor=None)) | ids(offers_letter_selection(actor=None))


def test_every_letter_says_how_to_object(people):
    objection = offers_objection_text()
    assert "088-0128822" in objection
    assert "contact@dnk.nl" in objection
    rows = list(csv.DictReader(io.StringIO(offers_letters_csv(actor=None)), delimiter=";"))
    assert len(rows) == 5
    assert all(row["bezwaar"] == objection for row in rows)
    letter = offers_letter_text(body="Nieuw: de Kolkpas.", recipient=next(offers_letter_selection(actor=None)))
    assert "Nieuw: de Kolkpas." in letter
    assert objection in " ".join(letter.split())


def test_call_list_csv_cannot_smuggle_a_formula():
    PersonFactory(given_name="=HYPERLINK(1)", phones=["0612345678"])
    rows = list(csv.reader(io.StringIO(offers_call_list_csv(actor=None)), delimiter=";"))
    assert rows[0] == ["id", "naam", "telefoon"]
    assert rows[1][1].startswith("'=HYPERLINK")
    assert rows[1][2] == "+31612345678"


def test_email_offers_go_as_a_campaign_to_the_email_selection(smtp, people):
    objection_record(subject=people[0], purpose="offers", objects=True, method="link", channel="email", actor=None)
    campaign = campaign_create(subject="2 voor 1", body="Alleen deze week.", purpose=CampaignPurpose.OFFERS, actor=None)
    assert campaign_send(campaign=campaign, actor=None) == 4
    outbox_flush()
    assert sorted(str(m["To"]) for m in smtp.messages) == [f"p{i}@example.nl" for i in range(1, 5)]


# Random ledgers: whatever anyone decided, in whatever order, each selection is
# exactly the people whose latest decisions allow it.
PURPOSE_CHANNELS = [
    ("offers", ""),
    ("offers", "email"),
    ("offers", "post"),
    ("offers", "phone"),
    ("newsletter", ""),
    ("restriction", ""),
]
decisions = st.lists(
    st.tuples(st.integers(0, 4), st.sampled_from(PURPOSE_CHANNELS), st.booleans()), min_size=0, max_size=25
)


def expected(ledger, purpose: str, channel: str) -> set[int]:
    latest: dict[tuple[int, str, str], bool] = {}
    for who, (what, how), decision in ledger:
        latest[(who, what, how)] = decision
    out = set()
    for who in range(5):
        if latest.get((who, "restriction", "")):
            continue
        if latest.get((who, purpose, "")) or (channel and latest.get((who, purpose, channel))):
            continue
        out.add(who)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ledger=decisions)
def test_objectors_are_never_selected_whatever_the_ledger(people, ledger):
    for person in people:
        newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=None)
    index = {p.pk: i for i, p in enumerate(people)}
    savepoint = transaction.savepoint()
    try:
        for who, (what, how), decision in ledger:
            if what == "restriction":
                restriction_record(subject=people[who], restricted=decision, reason="test", actor=None)
            else:
                objection_record(
                    subject=people[who], purpose=what, objects=decision, method="desk", channel=how, actor=None
                )
        assert {index[i] for i in ids(offers_email_selection(actor=None))} == expected(ledger, "offers", "email")
        assert {index[i] for i in ids(offers_letter_selection(actor=None))} == expected(ledger, "offers", "post")
        assert {index[i] for i in ids(offers_call_list(actor=None))} == expected(ledger, "offers", "phone")
        newsletter = {index[row["person_id"]] for row in newsletter_recipients(actor=None)}
        assert newsletter == expected(ledger, "newsletter", "")
    finally:
        transaction.savepoint_rollback(savepoint)
