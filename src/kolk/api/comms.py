"""Communications through the API: the public contact form, newsletter sign-up and
unsubscribe link (no login), and contact cases for the desk (session login).

Roles: contact, newsletter and unsubscribe are public; cases need the desk or
privacy officer role (each opened case with a person is logged as a staff read).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth
from ninja.throttling import AnonRateThrottle, BaseThrottle

from kolk.comms.contact import case_answer, case_close, case_detail, case_open, cases
from kolk.comms.models import CaseStatus, ContactCase
from kolk.comms.newsletter import newsletter_subscribe
from kolk.comms.unsubscribe import unsubscribe_apply
from kolk.core.errors import KolkError
from kolk.core.roles import Role, has_role
from kolk.privacy.gate import subject_viewed

router = Router(tags=["comms"])
# The public forms are open to anyone: keep a flood of questions or sign-ups out.
PUBLIC_THROTTLE: list[BaseThrottle] = [AnonRateThrottle("20/h")]

CASE_ROLES = (Role.DESK, Role.PRIVACY_OFFICER, Role.ADMINISTRATOR)


class ContactIn(Schema):
    name: str
    email: str
    number: str = ""
    question: str


class CreatedOut(Schema):
    id: int


class SignupIn(Schema):
    email: str


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


def _refuse(exc: ValidationError | KolkError) -> HttpError:
    if isinstance(exc, ValidationError):
        detail = (
            "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            if hasattr(exc, "error_dict")
            else " ".join(exc.messages)
        )
        return HttpError(422, detail)
    return HttpError(400, str(exc.message))


@router.post(
    "/contact",
    response={201: CreatedOut},
    auth=None,
    throttle=PUBLIC_THROTTLE,
    summary="Send a question (contact form)",
)
def contact(request: HttpRequest, payload: ContactIn) -> Status[CreatedOut]:
    try:
        case = case_open(actor=None, language=getattr(request, "LANGUAGE_CODE", "nl"), **payload.dict())
    except (ValidationError, KolkError) as exc:
        raise _refuse(exc) from exc
    return Status(201, CreatedOut(id=case.pk))


@router.post(
    "/newsletter",
    response={201: CreatedOut},
    auth=None,
    throttle=PUBLIC_THROTTLE,
    summary="Sign up for the newsletter",
)
def newsletter(request: HttpRequest, payload: SignupIn) -> Status[CreatedOut]:
    try:
        subscription = newsletter_subscribe(email=payload.email, source="site_signup", actor=None)
    except (ValidationError, KolkError) as exc:
        raise _refuse(exc) from exc
    return Status(201, CreatedOut(id=subscription.pk))


@router.post("/unsubscribe/{token}", response=UnsubscribeOut, auth=None, summary="Apply an unsubscribe link")
def unsubscribe(request: HttpRequest, token: str) -> UnsubscribeOut:
    try:
        result = unsubscribe_apply(token=token, actor=None)
    except KolkError as exc:
        raise _refuse(exc) from exc
    return UnsubscribeOut(purpose=result.purpose, channel=result.channel, changed=result.changed)


def _staff(request: HttpRequest) -> None:
    if not has_role(request.user, *CASE_ROLES):
        raise HttpError(403, "not allowed")


def _case(request: HttpRequest, pk: int) -> ContactCase:
    _staff(request)
    try:
        case = case_detail(pk)
    except ContactCase.DoesNotExist as exc:
        raise HttpError(404, "no such case") from exc
    if case.person is not None:
        subject_viewed(subject=case.person, purpose="communication", actor=request.user)
    return case


def _detail(case: ContactCase) -> CaseDetailOut:
    return CaseDetailOut(
        **CaseOut.from_orm(case).dict(),
        messages=[CaseMessageOut.from_orm(m) for m in case.messages.all() if m.direction == "out"],
    )


@router.get("/cases", response=list[CaseOut], auth=django_auth, summary="Contact cases (desk)")
def case_list(request: HttpRequest, status: str = CaseStatus.OPEN) -> list[ContactCase]:
    _staff(request)
    return list(cases(status=status if status in CaseStatus.values else "")[:200])


@router.get("/cases/{pk}", response=CaseDetailOut, auth=django_auth, summary="One contact case (desk)")
def case_get(request: HttpRequest, pk: int) -> CaseDetailOut:
    return _detail(_case(request, pk))


@router.post("/cases/{pk}/answer", response=CaseDetailOut, auth=django_auth, summary="Answer a case by email")
def case_answer_view(request: HttpRequest, pk: int, payload: AnswerIn) -> CaseDetailOut:
    case = _case(request, pk)
    try:
        case_answer(case=case, body=payload.body, actor=request.user)
    except (ValidationError, KolkError) as exc:
        raise _refuse(exc) from exc
    return _detail(case_detail(pk))


@router.post("/cases/{pk}/close", response=CaseDetailOut, auth=django_auth, summary="Close a case")
def case_close_view(request: HttpRequest, pk: int) -> CaseDetailOut:
    case = _case(request, pk)
    case_close(case=case, actor=request.user)
    return _detail(case_detail(pk))
