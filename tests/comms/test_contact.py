"""Contact cases: opened from the form, answered by email through the outbox, closed when satisfied."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kolk.comms.contact import case_answer, case_close, case_open
from kolk.comms.models import CaseStatus, ContactCase, MessageKind
from kolk.comms.outbox import outbox_flush
from kolk.core.errors import KolkError
from kolk.privacy.models import AuditEntry
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_question_is_answered_by_mail_and_closed(smtp, staff):
    member = PersonFactory(given_name="Kees", emails=["kees@example.nl"], with_pass=True)
    case = case_open(
        email="kees@example.nl",
        name="Kees Jansen",
        number=member.pass_number,
        question="Kan ik mijn pas <verlengen>?",
        actor=None,
    )
    assert case.person == member
    reply = case_answer(case=case, body="Ja, aan de balie of in het portaal.", actor=staff)
    assert reply.outbox_message.kind == MessageKind.SERVICE
    assert reply.author == staff
    case.refresh_from_db()
    assert case.status == CaseStatus.ANSWERED
    outbox_flush()
    (received,) = smtp.messages
    assert received["To"] == "kees@example.nl"
    assert f"nummer {case.pk}" in str(received["Subject"])
    text = smtp.text(received)
    assert "Beste Kees Jansen," in text
    assert "Ja, aan de balie of in het portaal." in text
    assert "Kan ik mijn pas <verlengen>?" in text
    assert received["List-Unsubscribe"] is None  # an answer is not marketing
    case_close(case=case, actor=staff)
    assert case.status == CaseStatus.CLOSED
    assert case.closed_at is not None
    with pytest.raises(KolkError):
        case_answer(case=case, body="Nog iets", actor=staff)
    assert AuditEntry.objects.filter(action__startswith="contact_case.").count() == 3


def test_a_number_alone_does_not_link_a_case_to_someone_else():
    member = PersonFactory(emails=["echt@example.nl"], with_pass=True)
    case = case_open(email="ander@example.nl", name="Iemand", number=member.pass_number, question="Vraag", actor=None)
    assert case.person is None
    assert case.number_given == member.pass_number
    by_customer_number = case_open(
        email="ECHT@example.nl", name="Echt", number=member.customer_number, question="Vraag", actor=None
    )
    assert by_customer_number.person == member


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"email": "geen-adres"}, "email"),
        ({"name": "  "}, "name"),
        ({"number": "12ab"}, "number"),
        ({"question": ""}, "question"),
        ({"question": "x" * 5001}, "question"),
        ({"name": "Bad\u202ename"}, "name"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_written(values, field):
    form = {"email": "a@example.nl", "name": "Ann", "number": "", "question": "Vraag?", **values}
    with pytest.raises(ValidationError) as info:
        case_open(**form, actor=None)
    assert field in info.value.message_dict
    assert ContactCase.objects.count() == 0


def test_an_empty_answer_is_refused(staff):
    case = case_open(email="a@example.nl", name="Ann", question="Vraag?", actor=None)
    with pytest.raises(ValidationError):
        case_answer(case=case, body="  ", actor=staff)


def test_selectors_for_the_portal_and_the_desk(smtp, staff):
    from kolk.comms.newsletter import newsletter_subscribe
    from kolk.comms.selectors import cases_for_person, messages_for_person, newsletter_subscription_of

    member = PersonFactory(emails=["kees@example.nl"], with_pass=True)
    assert newsletter_subscription_of(member) is None
    sub = newsletter_subscribe(person=member, source="desk", actor=staff)
    assert newsletter_subscription_of(member) == sub
    case = case_open(email="kees@example.nl", name="Kees", number=member.pass_number, question="Vraag", actor=None)
    case_answer(case=case, body="Antwoord", actor=staff)
    assert list(cases_for_person(member)) == [case]
    (message,) = messages_for_person(member)
    assert message.template == "contact_answer"
