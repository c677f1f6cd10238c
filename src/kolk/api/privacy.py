"""Privacy through the API: the processing register (public) and privacy requests.

A signed-in member files a request (D01-D08, art. 18, 20) for themself, with what it
is about, and follows their own requests; as in the portal, their login is their
identity, so the request comes in by the portal channel. The Privacy Officer lists
the open requests (no person's words in the list) and reads one, which is logged as
a staff read of that person (kolk.people.reach). Another's request answers 404, as if
it did not exist. Refusals leave through the API's one error handler (kolk.api.api):
422 with the field for a bad kind or a missing, too long or unreadable text.
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kolk.api.auth import API_AUTH
from kolk.api.throttles import MemberThrottle
from kolk.core.errors import NotFound
from kolk.core.roles import Role
from kolk.people.reach import own_person_id, person_reach
from kolk.privacy.models import RightsRequest
from kolk.privacy.permits import allow
from kolk.privacy.register import get_register
from kolk.privacy.rights import identity_ok, request_receive, requests_of, requests_open
from kolk.privacy.statement import article30_rows

router = Router(tags=["privacy"])


class Row(Schema):
    id: str
    section: str
    categories: list[str]
    purposes: list[str]
    basis: str


class Recipient(Schema):
    id: str
    name: str
    purposes: list[str]
    basis: str
    categories: list[str]
    aggregate_only: bool


class RegisterOut(Schema):
    version: str
    controller: dict[str, str]
    rows: list[Row]
    recipients: list[Recipient]


@router.get("/register", response=RegisterOut, auth=None, summary="The processing register")
@allow(public=True)
def register_view(request: HttpRequest) -> RegisterOut:
    register = get_register()
    return RegisterOut(
        version=register.version.isoformat(),
        controller=register.controller,
        rows=[
            Row(id=r.id, section=r.section, categories=list(r.categories), purposes=list(r.purposes), basis=r.basis)
            for r in register.rows.values()
        ],
        recipients=[
            Recipient(
                id=r.id,
                name=r.name,
                purposes=list(r.purposes),
                basis=r.basis,
                categories=list(r.categories),
                aggregate_only=r.aggregate_only,
            )
            for r in register.recipients.values()
        ],
    )


@router.get("/article30", response=list[dict[str, str]], auth=None, summary="The GDPR art. 30 register")
@allow(public=True)
def article30_view(request: HttpRequest, lang: str = "nl") -> list[dict[str, str]]:
    return article30_rows("en" if lang == "en" else "nl")


# Privacy requests


class RequestIn(Schema):
    kind: str = Field(
        description="explanation, access, correction, erasure, withdrawal, objection, "
        "restriction, portability or complaint"
    )
    text: str = Field("", description="What it is about; needed for correction, objection and complaint")


class RequestOut(Schema):
    id: int
    kind: str
    status: str
    text: str
    received_at: dt.datetime
    deadline: dt.date
    extension_reason: str
    outcome: str
    closed_at: dt.datetime | None


class OpenRequestOut(Schema):
    id: int
    subject_id: int
    kind: str
    channel: str
    received_at: dt.datetime
    deadline: dt.date
    identity_seen: bool


def _own_person(request: HttpRequest) -> int:
    person_id = own_person_id(request.user)
    if person_id is None:  # a member login without a person: nothing of theirs to file or see
        raise NotFound()
    return person_id


@router.post(
    "/requests",
    response={201: RequestOut},
    auth=API_AUTH,
    summary="File a privacy request for yourself (member)",
    throttle=[MemberThrottle("10/h")],  # a person has few requests; a loop filing hundreds is not one of them
)
@allow(members=True)
def request_file(request: HttpRequest, payload: RequestIn) -> Status[RequestOut]:
    person = person_reach(actor=request.user, person_id=_own_person(request), purpose="rights", viewed=False)
    made = request_receive(subject=person, kind=payload.kind, text=payload.text, channel="portal", actor=request.user)
    return Status(201, RequestOut.from_orm(made))


@router.get("/requests", response=list[RequestOut], auth=API_AUTH, summary="Your own privacy requests (member)")
@allow(members=True)
def request_list(request: HttpRequest) -> list[RightsRequest]:
    return list(requests_of(_own_person(request))[:200])


@router.get(
    "/requests/open",
    response=list[OpenRequestOut],
    auth=API_AUTH,
    summary="Open privacy requests, the nearest deadline first (Privacy Officer)",
)
@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,))
def request_open_list(request: HttpRequest) -> list[OpenRequestOut]:
    return [
        OpenRequestOut(
            id=r.pk,
            subject_id=r.subject_id,
            kind=r.kind,
            channel=r.channel,
            received_at=r.received_at,
            deadline=r.deadline,
            identity_seen=identity_ok(r),
        )
        for r in requests_open()[:500]
    ]


@router.get(
    "/requests/{request_id}",
    response=RequestOut,
    auth=API_AUTH,
    summary="One privacy request: a member's own, or any for the Privacy Officer",
)
@allow(purpose="rights", roles=(Role.PRIVACY_OFFICER,), members=True)
def request_get(request: HttpRequest, request_id: int) -> RightsRequest:
    found = RightsRequest.objects.filter(pk=request_id).first()
    if found is None:
        raise NotFound(_("Niet gevonden."))
    person_reach(actor=request.user, person_id=found.subject_id, purpose="rights", record=found)
    return found
