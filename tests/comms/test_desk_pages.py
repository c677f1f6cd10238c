"""The staff pages of comms: roles, answering a case, sending a campaign, letter runs and call lists."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.comms.contact import case_open
from kolk.comms.models import Campaign, CampaignStatus, CaseStatus, ContactCase, OutboxMessage
from kolk.comms.newsletter import newsletter_subscribe
from kolk.core.roles import Role
from kolk.privacy.ledger import is_objecting
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing():
    return UserFactory(roles=[Role.MARKETING])


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        ("desk:comms_cases", Role.DESK, Role.MARKETING),
        ("desk:comms_campaigns", Role.MARKETING, Role.DESK),
        ("desk:comms_offers", Role.MARKETING, Role.DESK),
        ("desk:comms_call_list", Role.MARKETING, Role.LIBRARY_STAFF),
    ],
)
def test_each_page_states_its_role(client, url, allowed, refused):
    assert client.get(reverse(url)).status_code == 302  # anonymous: to the login
    client.force_login(UserFactory(roles=[refused]))
    assert client.get(reverse(url)).status_code == 403
    client.force_login(UserFactory(roles=[allowed]))
    assert client.get(reverse(url)).status_code == 200


def test_desk_answers_and_closes_a_case(client, staff):
    member = PersonFactory(emails=["kees@example.nl"], with_pass=True)
    case = case_open(
        email="kees@example.nl", name="Kees", number=member.pass_number, question="Waar is mijn pas?", actor=None
    )
    client.force_login(staff)
    listing = client.get(reverse("desk:comms_cases"))
    assert "Waar is mijn pas?" in listing.content.decode()
    page = reverse("desk:comms_case", args=[case.pk])
    assert client.get(page).status_code == 200
    assert AuditEntry.objects.filter(action="subject.viewed").count() == 1  # the staff read is logged
    assert client.post(page, {"body": ""}).status_code == 200  # refused at the edge, nothing written
    assert OutboxMessage.objects.count() == 0
    response = client.post(page, {"body": "Aan de balie, op naam."})
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert message.to_address == "kees@example.nl"
    assert "Aan de balie, op naam." in message.text_body
    client.post(reverse("desk:comms_case_close", args=[case.pk]))
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert client.get(reverse("desk:comms_case", args=[999999])).status_code == 404


def test_marketing_writes_and_sends_a_campaign(
    client, marketing, smtp, immediate_tasks, django_capture_on_commit_callbacks
):
    person = PersonFactory(emails=["lid@example.nl"])
    newsletter_subscribe(person=person, source="member_registration", offered_opt_out=True, actor=None)
    client.force_login(marketing)
    response = client.post(
        reverse("desk:comms_campaigns"), {"purpose": "newsletter", "subject": "Seizoensstart", "body": "Welkom terug."}
    )
    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("desk:comms_campaign", args=[campaign.pk])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("desk:comms_campaign_send", args=[campaign.pk]))
    # the worker's task queues, its flush sends
    while callbacks:
        pending = list(callbacks)
        callbacks.clear()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            for callback in pending:
                callback()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert campaign.recipients == 1
    assert [str(m["To"]) for m in smtp.messages] == ["lid@example.nl"]
    page = client.get(reverse("desk:comms_campaign", args=[campaign.pk])).content.decode()
    assert "1 ontvanger" in page


def test_letter_run_and_call_list_leave_objectors_out_at_once(client, marketing):
    anna = PersonFactory(given_name="Anna", phones=["0612345678"])
    PersonFactory(given_name="Bert", phones=["0687654321"])
    client.force_login(marketing)
    letters = client.get(reverse("desk:comms_offers_letters"))
    assert letters["Content-Type"].startswith("text/csv")
    rows = letters.content.decode().splitlines()
    assert rows[0] == "id;naam;adres;postcode;woonplaats;bezwaar"
    assert len(rows) == 3
    assert all("088-0128822" in row for row in rows[1:])
    assert "Anna" in client.get(reverse("desk:comms_call_list")).content.decode()
    response = client.post(reverse("desk:comms_said_no", args=[anna.pk]))
    assert response.status_code == 302
    assert is_objecting(anna, "offers", "phone")
    listed = client.get(reverse("desk:comms_call_list")).context["people"]
    assert [p["name"] for p in listed] == [PersonFactory._meta.model.objects.exclude(pk=anna.pk).get().full_name]
    assert "Anna" not in client.get(reverse("desk:comms_call_list_csv")).content.decode()
    assert "Anna" in client.get(reverse("desk:comms_offers_letters")).content.decode()  # post is another channel
    assert ContactCase.objects.count() == 0
