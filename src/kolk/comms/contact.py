"""Contact form cases (K01, K02): a question opens a case, staff answer by email, the person closes it.

A case is linked to a person only when both the pass or customer number and the
email address given match that person: a number typed by someone else must not
put their question in another person's record (and access package). Retention
runs from the close: start event `contact_case_closed`, one year.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from kolk.comms.models import CaseMessage, CaseStatus, ContactCase, MessageKind
from kolk.comms.outbox import message_queue
from kolk.core.actors import Actor, user_id
from kolk.core.clock import now
from kolk.core.errors import KolkError
from kolk.core.validators import no_control_characters, normalize_name
from kolk.people.models import Person
from kolk.privacy.audit import audit_log

MAX_QUESTION = 5000


def _match_person(number: str, email: str) -> Person | None:
    if not number:
        return None
    return (
        Person.objects.filter(Q(pass_number=number) | Q(customer_number=number), emails__address__iexact=email)
        .distinct()
        .first()
    )


def _clean_case(*, email: str, name: str, number: str, question: str) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Vul een geldig e-mailadres in.")]
    name = normalize_name(name)
    if not name:
        errors["name"] = [_("Vul je naam in.")]
    number = "".join(number.split())
    if number and (not number.isdigit() or len(number) > 20):
        errors["number"] = [_("Een pas- of klantnummer bestaat uit cijfers.")]
    question = question.strip()
    if not question:
        errors["question"] = [_("Stel je vraag.")]
    elif len(question) > MAX_QUESTION:
        errors["question"] = [_("Je vraag is te lang (hoogstens %(max)d tekens).") % {"max": MAX_QUESTION}]
    for field, value in (("name", name), ("email", email)):
        try:
            no_control_characters(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    return {"email": email, "name": name[:160], "number": number, "question": question}


@transaction.atomic
def case_open(
    *, email: str, name: str, question: str, actor: Actor, number: str = "", language: str = "nl"
) -> ContactCase:
    """Open a case from the public contact form."""
    values = _clean_case(email=email, name=name, number=number, question=question)
    case = ContactCase.objects.create(
        person=_match_person(values["number"], values["email"]),
        email=values["email"],
        name=values["name"],
        number_given=values["number"],
        question=values["question"],
        language="en" if language[:2] == "en" else "nl",
        opened_at=now(),
    )
    audit_log(
        actor=actor,
        action="contact_case.opened",
        subject=case.person,
        details={"case": case.pk, "identified": case.person_id is not None},
    )
    return case


@transaction.atomic
def case_answer(*, case: ContactCase, body: str, actor: Actor) -> CaseMessage:
    """Answer a case: the answer is kept with the case and sent by email through the outbox."""
    case = ContactCase.objects.select_for_update().get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise KolkError(_("Deze vraag is gesloten; open een nieuwe."))
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Schrijf een antwoord.")]})
    at = now()
    reply = CaseMessage.objects.create(
        case=case,
        direction=CaseMessage.Direction.OUT,
        body=body,
        author_id=user_id(actor),
        created_at=at,
    )
    message = message_queue(
        to_person=case.person,
        to_address=case.email,
        template="contact_answer",
        context={"case": case, "answer": body, "name": case.name},
        purpose="communication",
        kind=MessageKind.SERVICE,
        actor=actor,
        idempotency_key=f"case:{case.pk}:answer:{reply.pk}",
        language=case.language,
    )
    reply.outbox_message = message
    reply.save(update_fields=["outbox_message"])
    ContactCase.objects.filter(pk=case.pk).update(status=CaseStatus.ANSWERED, answered_at=at)
    audit_log(
        actor=actor,
        action="contact_case.answered",
        subject=case.person,
        details={"case": case.pk, "reply": reply.pk, "message": message.pk},
    )
    return reply


@transaction.atomic
def case_note(*, case: ContactCase, body: str, actor: Actor) -> CaseMessage:
    """An internal note on a case (not sent)."""
    body = body.strip()
    if not body:
        raise ValidationError({"body": [_("Schrijf een notitie.")]})
    note = CaseMessage.objects.create(
        case=case,
        direction=CaseMessage.Direction.NOTE,
        body=body,
        author_id=user_id(actor),
        created_at=now(),
    )
    audit_log(actor=actor, action="contact_case.noted", subject=case.person, details={"case": case.pk})
    return note


@transaction.atomic
def case_close(*, case: ContactCase, actor: Actor) -> ContactCase:
    """Close a case when the person is satisfied; retention starts now."""
    updated = (
        ContactCase.objects.filter(pk=case.pk)
        .exclude(status=CaseStatus.CLOSED)
        .update(status=CaseStatus.CLOSED, closed_at=now())
    )
    case.refresh_from_db()
    if updated:
        audit_log(actor=actor, action="contact_case.closed", subject=case.person, details={"case": case.pk})
    return case


# Selectors.


def cases(*, status: str = "") -> models.QuerySet[ContactCase]:
    qs = ContactCase.objects.order_by("-opened_at", "-pk")
    return qs.filter(status=status) if status else qs


def case_detail(pk: int) -> ContactCase:
    return ContactCase.objects.select_related("person").prefetch_related("messages__author").get(pk=pk)
