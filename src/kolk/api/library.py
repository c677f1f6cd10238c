"""The library's API: members, subscriptions, catalogue, copies, loans, reservations, blocks.

Who may call what is declared on each operation (kolk.privacy.permits.allow): the
staff roles that serve the purpose act for anyone, a member (a login linked to
their person) reaches only their own record, through kolk.people.reach. The
catalogue search is public. Refusals leave through the API's one error handler
(kolk.api.api): 409 with the message the desk would show, 422 for bad input.
Every write goes through a service.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from kolk.api.auth import API_AUTH
from kolk.core.errors import Invalid, KolkError, NotFound
from kolk.core.roles import Role
from kolk.library.models import Block, Branch, Copy, Loan, Reservation, Subscription, SubscriptionType, Title
from kolk.library.search import catalogue_search
from kolk.library.selectors import member_overview
from kolk.library.services.catalogue import copy_add, title_create
from kolk.library.services.loans import copy_receive, loan_checkin, loan_checkout, loan_renew
from kolk.library.services.members import block_lift, block_set, subscription_cancel, subscription_start
from kolk.library.services.reservations import reservation_cancel, reservation_place
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.people.selectors import person_search
from kolk.privacy.permits import allow

router = Router(tags=["library"], auth=API_AUTH)


def _reach(
    request: HttpRequest, person_id: int, record: Any = None, purpose: str = "lending", *, viewed: bool = True
) -> Person:
    """The person, if the caller may act for them: staff for anyone, a member for themself.

    `viewed=False` for an act on the person (a checkout): its service writes the audit entry.
    """
    return person_reach(actor=request.user, person_id=person_id, purpose=purpose, record=record, viewed=viewed)


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


class MemberSearchIn(Schema):
    q: str = Field(min_length=1, max_length=100)


class CheckoutIn(Schema):
    copy_barcode: str = Field(min_length=1, max_length=20)
    person_id: int


class CheckinIn(Schema):
    copy_barcode: str = Field(min_length=1, max_length=20)
    branch: str | None = Field(
        None,
        max_length=20,
        description="Code of the branch where the copy is taken in; by default the caller's own branch",
    )


class CheckinOut(Schema):
    loan: LoanOut | None = Field(description="None for a copy that was not lent (pulled, or arriving in transit)")
    fine_cents: int
    hold_for_reservation: int | None
    hold_for_name: str | None
    pickup_branch: str | None
    at_branch: str | None = Field(description="Where it was taken in; None when neither the call nor the caller says")
    route: str = Field(description="hold_shelf (afhaalkast), transit (to another branch) or shelf")
    destination_branch: str | None = Field(description="The branch whose afhaalkast or shelf it goes to")
    permanent_branch: str = Field(description="The copy's own branch")


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


@router.post(
    "/members/search",
    response=list[MemberOut],
    summary="Find members by pass number, postcode or name (staff); POSTed, so no name lands in a log",
)
@allow(purpose="lending")
def members_find(request: HttpRequest, data: MemberSearchIn) -> Any:
    return list(person_search(data.q))


@router.get("/members/{person_id}", response=MemberDetail, summary="A member's library record")
@allow(purpose="lending", members=True)
def member_detail(request: HttpRequest, person_id: int) -> Any:
    person = _reach(request, person_id)
    overview = member_overview(person)
    return {"member": person, **{k: overview[k] for k in ("subscription", "loans", "reservations", "blocks")}}


@router.post("/members/{person_id}/subscriptions", response={201: SubscriptionOut}, summary="Start (staff)")
@allow(purpose="lending")
def subscription_start_view(request: HttpRequest, person_id: int, data: SubscriptionIn) -> Any:
    person = _reach(request, person_id)
    kind = SubscriptionType.objects.filter(code=data.type, active=True).first()
    if kind is None:
        raise Invalid(_("Onbekende abonnementsvorm."), fields={"type": [_("Onbekende abonnementsvorm.")]})
    guardian = _reach(request, data.guardian_id) if data.guardian_id else None
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
@allow(purpose="lending", members=True)
def subscription_cancel_view(request: HttpRequest, subscription_id: int, data: CancelIn) -> Any:
    subscription = Subscription.objects.select_related("type", "person").filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound()
    _reach(request, subscription.person_id, subscription)
    return subscription_cancel(subscription=subscription, reason=data.reason, note=data.note, actor=request.user)


# Catalogue and copies


@router.get("/catalogue", response=list[TitleOut], auth=None, summary="Search by title, author, ISBN, subject")
@allow(public=True)
def catalogue_view(request: HttpRequest, q: str, limit: int = 50) -> Any:
    return list(catalogue_search(q, limit=max(1, min(limit, 100))))


@router.get("/titles/{title_id}/copies", response=list[CopyOut], auth=None, summary="Copies of a title")
@allow(public=True)
def copies_of_title(request: HttpRequest, title_id: int) -> Any:
    return list(Copy.objects.filter(title_id=title_id).select_related("branch").order_by("barcode"))


@router.post("/titles", response={201: TitleOut}, summary="Add a title to the catalogue (library staff)")
@allow(purpose="loan_administration", roles=(Role.LIBRARY_STAFF,))
def title_create_view(request: HttpRequest, data: TitleIn) -> Any:
    return Status(201, title_create(**data.dict(), actor=request.user))


@router.post("/titles/{title_id}/copies", response={201: CopyOut}, summary="Add a copy (library staff)")
@allow(purpose="loan_administration", roles=(Role.LIBRARY_STAFF,))
def copy_add_view(request: HttpRequest, title_id: int, data: CopyIn) -> Any:
    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        raise NotFound(_("Onbekende titel."))
    branch = Branch.objects.filter(code=data.branch).first()
    if branch is None:
        raise Invalid(_("Onbekende vestiging."), fields={"branch": [_("Onbekende vestiging.")]})
    copy = copy_add(title=title, barcode=data.barcode, branch=branch, actor=request.user)
    return Status(201, Copy.objects.select_related("branch").get(pk=copy.pk))


@router.get("/copies/{barcode}", response=CopyOut, summary="A copy by barcode (staff)")
@allow(purpose="lending")
def copy_view(request: HttpRequest, barcode: str) -> Any:
    copy = Copy.objects.select_related("branch").filter(barcode=barcode[:20]).first()
    if copy is None:
        raise NotFound(_("Onbekende barcode."))
    return copy


# Loans


@router.get("/loans", response=list[LoanOut], summary="Open loans of a member")
@allow(purpose="lending", members=True)
def loans_view(request: HttpRequest, person_id: int) -> Any:
    return member_overview(_reach(request, person_id))["loans"]


@router.post("/loans/checkout", response={201: LoanOut}, summary="Check out a copy (staff)")
@allow(purpose="lending")
def checkout_view(request: HttpRequest, data: CheckoutIn) -> Any:
    person = _reach(request, data.person_id, viewed=False)  # the checkout's own entry names the person
    return Status(201, loan_checkout(copy_barcode=data.copy_barcode, person=person, actor=request.user))


def _checkin_branch(request: HttpRequest, code: str | None) -> Branch | None:
    """Where the copy is taken in: the branch the call names, else the caller's own (as the desk's workstation)."""
    if code is not None:
        branch = Branch.objects.filter(code=code.strip()).first()
        if branch is None:
            raise Invalid(_("Onbekende vestiging."), fields={"branch": [_("Onbekende vestiging.")]})
        return branch
    own = str(getattr(request.user, "home_branch", "") or "")
    return Branch.objects.filter(code=own).first() if own else None


@router.post(
    "/loans/checkin",
    response=CheckinOut,
    summary="Check in a copy at a branch (staff): where it goes next, as the desk says",
)
@allow(purpose="lending")
def checkin_view(request: HttpRequest, data: CheckinIn) -> Any:
    """Take a copy back at `branch` (or the caller's own branch), as the desk does at its workstation.

    A copy someone reserved goes to the afhaalkast here or in transit to their pickup
    branch; one that belongs elsewhere goes home; else back on the shelf. A copy that
    was not lent is taken in as at the desk when the branch is known: pulled from the
    shelf for a reservation, or arriving in transit.
    """
    here = _checkin_branch(request, data.branch)
    loan, fine = None, 0
    try:
        result = loan_checkin(copy_barcode=data.copy_barcode, actor=request.user, at_branch=here)
    except KolkError as exc:
        if exc.code != "not_on_loan" or here is None:
            raise
        arrival = copy_receive(copy_barcode=data.copy_barcode, at_branch=here, actor=request.user)
        copy, hold = arrival.copy, arrival.hold_for
    else:
        loan, fine, copy, hold = result.loan, result.fine_cents, result.loan.copy, result.hold_for
    if copy.status == Copy.Status.ON_HOLD and hold is not None:
        route, destination = "hold_shelf", hold.pickup_branch.code
    elif copy.status == Copy.Status.IN_TRANSIT and copy.transit_to is not None:
        route, destination = "transit", copy.transit_to.code
    else:
        route, destination = "shelf", here.code if here is not None else copy.branch.code
    return {
        "loan": loan,
        "fine_cents": fine,
        "hold_for_reservation": hold.pk if hold else None,
        "hold_for_name": hold.person.full_name if hold else None,
        "pickup_branch": hold.pickup_branch.code if hold else None,
        "at_branch": here.code if here is not None else None,
        "route": route,
        "destination_branch": destination,
        "permanent_branch": copy.branch.code,
    }


@router.post("/loans/{loan_id}/renew", response=LoanOut, summary="Renew a loan (staff, or the member)")
@allow(purpose="lending", members=True)
def renew_view(request: HttpRequest, loan_id: int) -> Any:
    loan = Loan.objects.filter(pk=loan_id).first()
    if loan is None or loan.person_id is None:
        raise NotFound()
    _reach(request, loan.person_id, loan)
    return loan_renew(loan=loan, actor=request.user)


# Reservations


@router.get("/reservations", response=list[ReservationOut], summary="Open reservations of a member")
@allow(purpose="lending", members=True)
def reservations_view(request: HttpRequest, person_id: int) -> Any:
    return member_overview(_reach(request, person_id))["reservations"]


@router.post("/reservations", response={201: ReservationOut}, summary="Reserve a title (staff, or the member)")
@allow(purpose="lending", members=True)
def reservation_place_view(request: HttpRequest, data: ReservationIn) -> Any:
    person = _reach(request, data.person_id)
    title = Title.objects.filter(pk=data.title_id).first()
    branch = Branch.objects.filter(code=data.pickup_branch).first()
    if title is None or branch is None:
        raise Invalid(
            _("Onbekende titel of vestiging."),
            fields={"title_id" if title is None else "pickup_branch": [_("Onbekende titel of vestiging.")]},
        )
    reservation = reservation_place(title=title, person=person, pickup_branch=branch, actor=request.user)
    return Status(201, Reservation.objects.select_related("pickup_branch").get(pk=reservation.pk))


@router.post("/reservations/{reservation_id}/cancel", response=ReservationOut, summary="Cancel a reservation")
@allow(purpose="lending", members=True)
def reservation_cancel_view(request: HttpRequest, reservation_id: int) -> Any:
    reservation = Reservation.objects.select_related("person", "pickup_branch").filter(pk=reservation_id).first()
    if reservation is None:
        raise NotFound()
    _reach(request, reservation.person_id, reservation)
    return reservation_cancel(reservation=reservation, actor=request.user)


# Blocks


@router.post("/members/{person_id}/blocks", response={201: BlockOut}, summary="Block a member (staff)")
@allow(purpose="loan_administration")
def block_set_view(request: HttpRequest, person_id: int, data: BlockIn) -> Any:
    person = _reach(request, person_id, purpose="loan_administration")
    return Status(201, block_set(person=person, reason=data.reason, note=data.note, actor=request.user))


@router.post("/blocks/{block_id}/lift", response=BlockOut, summary="Lift a block (staff)")
@allow(purpose="loan_administration")
def block_lift_view(request: HttpRequest, block_id: int) -> Any:
    block = Block.objects.select_related("person").filter(pk=block_id).first()
    if block is None:
        raise NotFound()
    _reach(request, block.person_id, block, purpose="loan_administration")
    return block_lift(block=block, actor=request.user)
