"""The library's API: members, subscriptions, catalogue, copies, loans, reservations, blocks.

Roles per endpoint: the desk and library staff act for anyone; a member (role
member, a login linked to their person) reaches only their own record. The
catalogue search is public. Refusals come back as 409 with the message the
desk would show; bad input as 422. Every write goes through a service.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from kolk.api.access import person_or_refused
from kolk.core.errors import KolkError
from kolk.core.roles import Role, has_role
from kolk.library.models import Block, Branch, Copy, Loan, Reservation, Subscription, SubscriptionType, Title
from kolk.library.search import catalogue_search
from kolk.library.selectors import member_overview
from kolk.library.services.catalogue import copy_add, title_create
from kolk.library.services.loans import loan_checkin, loan_checkout, loan_renew
from kolk.library.services.members import block_lift, block_set, subscription_cancel, subscription_start
from kolk.library.services.reservations import reservation_cancel, reservation_place
from kolk.people.models import Person
from kolk.people.selectors import person_search
from kolk.privacy.gate import subject_viewed

router = Router(tags=["library"], auth=django_auth)

STAFF = (Role.DESK, Role.LIBRARY_STAFF, Role.ADMINISTRATOR)


def _is_staff(request: HttpRequest) -> bool:
    return has_role(request.user, *STAFF)


def _require_staff(request: HttpRequest) -> None:
    if not _is_staff(request):
        raise HttpError(403, "Alleen voor balie en bibliotheekmedewerkers.")


def _person_for(request: HttpRequest, person_id: int, record: Any = None) -> Person:
    """The person, if the caller may act for them: staff for anyone, a member for themself.

    A member reaching for someone else is refused and the attempt logged (kolk.api.access).
    """
    return person_or_refused(request, person_id, staff=STAFF, record=record)


@contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except KolkError as exc:
        raise HttpError(409, str(exc.message)) from exc
    except ValidationError as exc:
        raise HttpError(422, "; ".join(exc.messages)) from exc


# Schemas


class MemberOut(Schema):
    id: int
    name: str = Field(alias="full_name")
    pass_number: str | None
    postcode: str


class SubscriptionOut(Schema):
    id: int
    person_id: int
    type: str = Field(alias="type.code")
    fee_cents: int
    started_on: dt.date
    renews_on: dt.date
    auto_renew: bool
    status: str
    ended_on: dt.date | None
    end_reason: str


class TitleOut(Schema):
    id: int
    media_type: str
    title: str
    authors: str
    isbn: str
    subjects: str
    year: int | None


class CopyOut(Schema):
    id: int
    barcode: str
    title_id: int
    branch: str = Field(alias="branch.code")
    status: str


class LoanOut(Schema):
    id: int
    copy_barcode: str = Field(alias="copy.barcode")
    title: str = Field(alias="copy.title.title")
    person_id: int | None
    checked_out_at: dt.datetime
    due_on: dt.date
    returned_at: dt.datetime | None
    renewals: int
    fine_cents: int


class ReservationOut(Schema):
    id: int
    title_id: int
    person_id: int
    pickup_branch: str = Field(alias="pickup_branch.code")
    status: str
    expires_on: dt.date | None


class BlockOut(Schema):
    id: int
    person_id: int
    reason: str
    note: str
    created_at: dt.datetime
    lifted_at: dt.datetime | None


class MemberDetail(Schema):
    member: MemberOut
    subscription: SubscriptionOut | None
    loans: list[LoanOut]
    reservations: list[ReservationOut]
    blocks: list[BlockOut]


class SubscriptionIn(Schema):
    type: str
    id_seen: bool
    guardian_id: int | None = None
    auto_renew: bool = True


class CancelIn(Schema):
    reason: str
    note: str = ""


class CheckoutIn(Schema):
    copy_barcode: str = Field(min_length=1, max_length=20)
    person_id: int


class CheckinIn(Schema):
    copy_barcode: str = Field(min_length=1, max_length=20)


class CheckinOut(Schema):
    loan: LoanOut
    fine_cents: int
    hold_for_reservation: int | None
    hold_for_name: str | None
    pickup_branch: str | None


class ReservationIn(Schema):
    title_id: int
    person_id: int
    pickup_branch: str


class TitleIn(Schema):
    title: str = Field(min_length=1, max_length=300)
    media_type: str = "book"
    authors: str = Field("", max_length=300)
    isbn: str = Field("", max_length=20)
    subjects: str = Field("", max_length=500)
    year: int | None = Field(None, ge=1000, le=2200)


class CopyIn(Schema):
    barcode: str = Field(min_length=1, max_length=20)
    branch: str


class BlockIn(Schema):
    reason: str
    note: str = ""


# Members and subscriptions


@router.get("/members", response=list[MemberOut], summary="Find members by pass number, postcode or name (staff)")
def members_find(request: HttpRequest, q: str) -> Any:
    _require_staff(request)
    return list(person_search(q[:100]))


@router.get("/members/{person_id}", response=MemberDetail, summary="A member's library record")
def member_detail(request: HttpRequest, person_id: int) -> Any:
    person = _person_for(request, person_id)
    if _is_staff(request):
        subject_viewed(subject=person, purpose="lending", actor=request.user)
    overview = member_overview(person)
    return {"member": person, **{k: overview[k] for k in ("subscription", "loans", "reservations", "blocks")}}


@router.post("/members/{person_id}/subscriptions", response={201: SubscriptionOut}, summary="Start (staff)")
def subscription_start_view(request: HttpRequest, person_id: int, data: SubscriptionIn) -> Any:
    _require_staff(request)
    person = _person_for(request, person_id)
    kind = SubscriptionType.objects.filter(code=data.type, active=True).first()
    if kind is None:
        raise HttpError(422, "Onbekende abonnementsvorm.")
    guardian = Person.objects.filter(pk=data.guardian_id).first() if data.guardian_id else None
    with _refusals():
        subscription = subscription_start(
            person=person,
            type=kind,
            id_seen=data.id_seen,
            guardian=guardian,
            auto_renew=data.auto_renew,
            actor=request.user,
        )
    return Status(201, subscription)


@router.post("/subscriptions/{subscription_id}/cancel", response=SubscriptionOut, summary="Cancel with a reason")
def subscription_cancel_view(request: HttpRequest, subscription_id: int, data: CancelIn) -> Any:
    subscription = Subscription.objects.select_related("type", "person").filter(pk=subscription_id).first()
    if subscription is None:
        raise HttpError(404, "Onbekend abonnement.")
    _person_for(request, subscription.person_id, subscription)
    with _refusals():
        return subscription_cancel(subscription=subscription, reason=data.reason, note=data.note, actor=request.user)


# Catalogue and copies


@router.get("/catalogue", response=list[TitleOut], auth=None, summary="Search by title, author, ISBN, subject")
def catalogue_view(request: HttpRequest, q: str, limit: int = 50) -> Any:
    return list(catalogue_search(q, limit=max(1, min(limit, 100))))


@router.get("/titles/{title_id}/copies", response=list[CopyOut], auth=None, summary="Copies of a title")
def copies_of_title(request: HttpRequest, title_id: int) -> Any:
    return list(Copy.objects.filter(title_id=title_id).select_related("branch").order_by("barcode"))


@router.post("/titles", response={201: TitleOut}, summary="Add a title to the catalogue (library staff)")
def title_create_view(request: HttpRequest, data: TitleIn) -> Any:
    if not has_role(request.user, Role.LIBRARY_STAFF, Role.ADMINISTRATOR):
        raise HttpError(403, "Alleen voor bibliotheekmedewerkers.")
    with _refusals():
        return Status(201, title_create(**data.dict(), actor=request.user))


@router.post("/titles/{title_id}/copies", response={201: CopyOut}, summary="Add a copy (library staff)")
def copy_add_view(request: HttpRequest, title_id: int, data: CopyIn) -> Any:
    if not has_role(request.user, Role.LIBRARY_STAFF, Role.ADMINISTRATOR):
        raise HttpError(403, "Alleen voor bibliotheekmedewerkers.")
    title = Title.objects.filter(pk=title_id).first()
    branch = Branch.objects.filter(code=data.branch).first()
    if title is None or branch is None:
        raise HttpError(422, "Onbekende titel of vestiging.")
    with _refusals():
        copy = copy_add(title=title, barcode=data.barcode, branch=branch, actor=request.user)
    return Status(201, Copy.objects.select_related("branch").get(pk=copy.pk))


@router.get("/copies/{barcode}", response=CopyOut, summary="A copy by barcode (staff)")
def copy_view(request: HttpRequest, barcode: str) -> Any:
    _require_staff(request)
    copy = Copy.objects.select_related("branch").filter(barcode=barcode).first()
    if copy is None:
        raise HttpError(404, "Onbekende barcode.")
    return copy


# Loans


@router.get("/loans", response=list[LoanOut], summary="Open loans of a member")
def loans_view(request: HttpRequest, person_id: int) -> Any:
    person = _person_for(request, person_id)
    return member_overview(person)["loans"]


@router.post("/loans/checkout", response={201: LoanOut}, summary="Check out a copy (staff)")
def checkout_view(request: HttpRequest, data: CheckoutIn) -> Any:
    _require_staff(request)
    person = _person_for(request, data.person_id)
    with _refusals():
        loan = loan_checkout(copy_barcode=data.copy_barcode, person=person, actor=request.user)
    return Status(201, loan)


@router.post("/loans/checkin", response=CheckinOut, summary="Check in a copy (staff)")
def checkin_view(request: HttpRequest, data: CheckinIn) -> Any:
    _require_staff(request)
    with _refusals():
        result = loan_checkin(copy_barcode=data.copy_barcode, actor=request.user)
    hold = result.hold_for
    return {
        "loan": result.loan,
        "fine_cents": result.fine_cents,
        "hold_for_reservation": hold.pk if hold else None,
        "hold_for_name": hold.person.full_name if hold else None,
        "pickup_branch": hold.pickup_branch.code if hold else None,
    }


@router.post("/loans/{loan_id}/renew", response=LoanOut, summary="Renew a loan (staff, or the member)")
def renew_view(request: HttpRequest, loan_id: int) -> Any:
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None or loan.person_id is None:
        raise HttpError(404, "Onbekende uitlening.")
    _person_for(request, loan.person_id, loan)
    with _refusals():
        return loan_renew(loan=loan, actor=request.user)


# Reservations


@router.get("/reservations", response=list[ReservationOut], summary="Open reservations of a member")
def reservations_view(request: HttpRequest, person_id: int) -> Any:
    person = _person_for(request, person_id)
    return member_overview(person)["reservations"]


@router.post("/reservations", response={201: ReservationOut}, summary="Reserve a title (staff, or the member)")
def reservation_place_view(request: HttpRequest, data: ReservationIn) -> Any:
    person = _person_for(request, data.person_id)
    title = Title.objects.filter(pk=data.title_id).first()
    branch = Branch.objects.filter(code=data.pickup_branch).first()
    if title is None or branch is None:
        raise HttpError(422, "Onbekende titel of vestiging.")
    with _refusals():
        reservation = reservation_place(title=title, person=person, pickup_branch=branch, actor=request.user)
    return Status(201, Reservation.objects.select_related("pickup_branch").get(pk=reservation.pk))


@router.post("/reservations/{reservation_id}/cancel", response=ReservationOut, summary="Cancel a reservation")
def reservation_cancel_view(request: HttpRequest, reservation_id: int) -> Any:
    reservation = Reservation.objects.select_related("person", "pickup_branch").filter(pk=reservation_id).first()
    if reservation is None:
        raise HttpError(404, "Onbekende reservering.")
    _person_for(request, reservation.person_id, reservation)
    with _refusals():
        return reservation_cancel(reservation=reservation, actor=request.user)


# Blocks


@router.post("/members/{person_id}/blocks", response={201: BlockOut}, summary="Block a member (staff)")
def block_set_view(request: HttpRequest, person_id: int, data: BlockIn) -> Any:
    _require_staff(request)
    person = _person_for(request, person_id)
    with _refusals():
        return Status(201, block_set(person=person, reason=data.reason, note=data.note, actor=request.user))


@router.post("/blocks/{block_id}/lift", response=BlockOut, summary="Lift a block (staff)")
def block_lift_view(request: HttpRequest, block_id: int) -> Any:
    _require_staff(request)
    block = Block.objects.select_related("person").filter(pk=block_id).first()
    if block is None:
        raise HttpError(404, "Onbekende blokkering.")
    return block_lift(block=block, actor=request.user)
