"""Communications through the API: the public contact form, newsletter sign-up and
unsubscribe link (no login), and contact cases for the desk (session login).

Who may: contact, newsletter and unsubscribe are public; cases are for the staff
roles that serve 'communication' in the register (each opened case with a person
is logged as a staff read, kolk.people.reach). Refusals leave through the API's
one error handler (kolk.api.api).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.throttling import BaseThrottle

from kolk.api.auth import API_AUTH
from kolk.api.throttles import ClientThrottle
from kolk.comms.confirmation import newsletter_confirm as newsletter_confirm_service
from kolk.comms.contact import case_answer, case_close, case_detail, case_open, cases
from kolk.comms.models import CaseStatus, ContactCase
from kolk.comms.newsletter import newsletter_subscribe
from kolk.comms.unsubscribe import unsubscribe_apply
from kolk.core.errors import NotFound
from kolk.people.reach import person_reach
from kolk.privacy.permits import allow

router = Router(tags=["comms"])
# The public forms are open to anyone: keep a flood of questions or sign-ups out.
PUBLIC_THROTTLE: list[BaseThrottle] = [ClientThrottle("20/h")]


class ContactIn(Schema):
    name: str
    email: str
    number: str = ""
    question: str


class CreatedOut(Schema):
    id: int


class SignupIn(Schema):
    email: str


class SignupOut(Schema):
    status: str
    message: str


class ConfirmOut(Schema):
    # False when the sign-up was confirmed before.
    changed: bool


class UnsubscribeOut(Schema):
    purpose: str
    channel: str
    changed: bool


class CaseMessageOut(Schema):
    direction: str
    body: str
    created_at: dt.datetime


class CaseOut(Schema):
    id: int
    status: str
    name: str
    email: str
    number_given: str
    person_id: int | None
    question: str
    opened_at: dt.datetime
    answered_at: dt.datetime | None
    closed_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    messages: list[CaseMessageOut]


class AnswerIn(Schema):
    body: str


@router.post(
    "/contact",
    response={201: CreatedOut},
    auth=None,
    throttle=PUBLIC_THROTTLE,
    summary="Send a question (contact form)",
)
@allow(public=True)
def contact(request: HttpRequest, payload: ContactIn) -> Status[CreatedOut]:
    case = case_open(actor=None, language=getattr(request, "LANGUAGE_CODE", "nl"), **payload.dict())
    return Status(201, CreatedOut(id=case.pk))


@router.post(
    "/newsletter",
    response={202: SignupOut},
    auth=None,
    throttle=PUBLIC_THROTTLE,
    summary="Sign up for the newsletter (confirmed by a link in a mail)",
    description=(
        "Accepted, not yet subscribed: a mail with a confirmation link goes to the address, and nothing else "
        "is sent to it until the link is used (double opt-in). The answer is the same whether or not the "
        "address was on the list already."
    ),
)
@allow(public=True)
def newsletter(request: HttpRequest, payload: SignupIn) -> Status[SignupOut]:
    newsletter_subscribe(
        email=payload.email, source="site_signup", language=getattr(request, "LANGUAGE_CODE", "nl"), actor=None
    )
    return Status(202, SignupOut(status="pending", message=_("Kijk in je mail om je aanmelding te bevestigen.")))


@router.post(
    "/newsletter/confirm/{token}",
    response=ConfirmOut,
    auth=None,
    throttle=PUBLIC_THROTTLE,
    summary="Confirm a newsletter sign-up with the token from its mail",
)
@allow(public=True)
def newsletter_confirm(request: HttpRequest, token: str) -> ConfirmOut:
    result = newsletter_confirm_service(token=token, actor=None)
    return ConfirmOut(changed=result.changed)


@router.post("/unsubscribe/{token}", response=UnsubscribeOut, auth=None, summary="Apply an unsubscribe link")
@allow(public=True)
def unsubscribe(request: HttpRequest, token: str) -> UnsubscribeOut:
    result = unsubscribe_apply(token=token, actor=None)
    return UnsubscribeOut(purpose=result.purpose, channel=result.channel, changed=result.changed)


def _case(request: HttpRequest, pk: int) -> ContactCase:
    try:
        case = case_detail(pk)
    except ContactCase.DoesNotExist as exc:
        raise NotFound(_("Onbekende vraag.")) from exc
    if case.person_id is not None:
        person_reach(actor=request.user, person_id=case.person_id, purpose="communication", record=case)
    return case


def _detail(case: ContactCase) -> CaseDetailOut:
    return CaseDetailOut(
        **CaseOut.from_orm(case).dict(),
        messages=[CaseMessageOut.from_orm(m) for m in case.messages.all() if m.direction == "out"],
    )


@router.get("/cases", response=list[CaseOut], auth=API_AUTH, summary="Contact cases (desk)")
@allow(purpose="communication")
def case_list(request: HttpRequest, status: str = CaseStatus.OPEN) -> list[ContactCase]:
    return list(cases(status=status if status in CaseStatus.values else "")[:200])


@router.get("/cases/{pk}", response=CaseDetailOut, auth=API_AUTH, summary="One contact case (desk)")
@allow(purpose="communication")
def case_get(request: HttpRequest, pk: int) -> CaseDetailOut:
    return _detail(_case(request, pk))


@router.post("/cases/{pk}/answer", response=CaseDetailOut, auth=API_AUTH, summary="Answer a case by email")
@allow(purpose="communication")
def case_answer_view(request: HttpRequest, pk: int, payload: AnswerIn) -> CaseDetailOut:
    case = _case(request, pk)
    case_answer(case=case, body=payload.body, actor=request.user)
    return _detail(case_detail(pk))


@router.post("/cases/{pk}/close", response=CaseDetailOut, auth=API_AUTH, summary="Close a case")
@allow(purpose="communication")
def case_close_view(request: HttpRequest, pk: int) -> CaseDetailOut:
    case = _case(request, pk)
    case_close(case=case, actor=request.user)
    return _detail(case_detail(pk))
