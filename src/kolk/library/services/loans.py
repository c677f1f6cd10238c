"""Lending, the hot path: checkout, check-in, renew.

Each runs in one transaction with a bounded number of queries, whatever the
member's history: the only row lock is on the copy (SELECT ... FOR UPDATE OF
the copy alone), counts use the partial index of open loans, and the loan count
per month (L06/L11) is one upsert. A partial unique index (one open loan per
copy) is the last line of defence should the lock ever be missing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kolk.core.actors import Actor
from kolk.core.clock import now, today
from kolk.core.errors import KolkError
from kolk.core.prepared import Prepared, insert, save_fields
from kolk.library.models import Branch, Copy, Loan, LoanCount, LoanRule, Reservation
from kolk.library.models.members import FREE_UNDER
from kolk.library.selectors import blocks_standing, loans_open, subscription_current
from kolk.library.services.fees import fee_add
from kolk.library.services.members import activity_touch, block_message
from kolk.library.services.notices import notice_reservation_ready
from kolk.people.models import Person
from kolk.privacy.audit import audit_log

# The race test switches the lock off to show that the race is real, and uses the
# hook to hold both desks right after they read the copy. Production never does.
LOCK_COPY = True
after_copy_read: Callable[[Copy], None] | None = None

HOLD_DAYS = 7  # a copy ready for pickup waits this long

# The hot path's reads, each built and compiled once per process (kolk.core.prepared):
# building them with the ORM on every request cost more CPU than the database's answers.
# The branches come with the copy: the desk's answer names where the copy goes.
_COPY = Prepared(
    lambda barcode: Copy.objects.select_related("title", "branch", "transit_to").filter(barcode=barcode), str
)
_COPY_LOCKED = Prepared(
    lambda barcode: (
        Copy.objects.select_related("title", "branch", "transit_to")
        .select_for_update(of=("self",))
        .filter(barcode=barcode)
    ),
    str,
)
_RULE = Prepared(
    lambda type_id, media_type: LoanRule.objects.filter(
        Q(subscription_type_id=type_id) | Q(subscription_type__isnull=True), media_type=media_type
    ).order_by(F("subscription_type_id").asc(nulls_last=True), "pk")[:1],
    int,
    str,
)
_GENERAL_RULE = Prepared(
    lambda media_type: LoanRule.objects.filter(subscription_type__isnull=True, media_type=media_type).order_by("pk")[
        :1
    ],
    str,
)
# Open loans use the partial index of open loans; one row (or none) per person.
_OPEN_COUNTS = Prepared(
    lambda person_id, media_type: (
        Loan.objects.filter(person_id=person_id, returned_at__isnull=True)
        .values("person_id")
        .annotate(total=Count("pk"), same=Count("pk", filter=Q(copy__title__media_type=media_type)))
        .values_list("total", "same")
    ),
    int,
    str,
)
_OPEN_LOAN = Prepared(
    lambda copy_id: (
        Loan.objects.filter(copy_id=copy_id, returned_at__isnull=True)
        .select_related("person", "subscription")
        .order_by("pk")[:1]
    ),
    int,
)
_NEXT_HOLD = Prepared(
    lambda title_id: (
        Reservation.objects.select_for_update(of=("self",))
        .filter(title_id=title_id, status=Reservation.Status.WAITING, copy__isnull=True)
        .select_related("person", "pickup_branch", "title")
        .order_by("placed_at", "pk")[:1]
    ),
    int,
)


def _copy_for_update(barcode: str) -> Copy:
    found = (_COPY_LOCKED if LOCK_COPY else _COPY).all(barcode.strip())
    if not found:  # the barcode is unique: one copy or none
        raise KolkError(_("Onbekende barcode: %(code)s.") % {"code": barcode.strip()}, code="unknown_copy")
    copy: Copy = found[0]
    if after_copy_read is not None:
        after_copy_read(copy)
    return copy


def loan_rule_for(media_type: str, subscription_type_id: int | None) -> LoanRule:
    """The rule of the subscription type for this media type, else the general rule; one query."""
    if subscription_type_id is None:
        rule: LoanRule | None = _GENERAL_RULE.first(media_type)
    else:
        rule = _RULE.first(subscription_type_id, media_type)
    if rule is None:
        raise KolkError(_("Voor dit soort materiaal is geen uitleenregel."), code="no_rule")
    return rule


def _count_loan(person_id: int, on: dt.date) -> None:
    """L06/L11: one more loan this month, as an upsert in the checkout's transaction."""
    table = LoanCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (person_id, month, count) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (person_id, month) DO UPDATE SET count = {table}.count + 1",
            [person_id, on.replace(day=1)],
        )


@transaction.atomic
def loan_checkout(*, copy_barcode: str, person: Person, actor: Actor) -> Loan:
    """Lend the copy to the person; refuses with the reason the desk can say out loud."""
    at, on = now(), today()
    copy = _copy_for_update(copy_barcode)
    if copy.status == Copy.Status.DAMAGED:
        raise KolkError(_("Dit exemplaar is beschadigd en niet uitleenbaar."), code="damaged")
    if copy.status in (Copy.Status.LOST, Copy.Status.WITHDRAWN):
        raise KolkError(_("Dit exemplaar is niet uitleenbaar (%(status)s).") % {"status": copy.get_status_display()})
    if copy.status == Copy.Status.ON_LOAN:
        raise KolkError(_("Dit exemplaar is al uitgeleend; neem het eerst in."), code="on_loan")
    if copy.status == Copy.Status.IN_TRANSIT:
        raise KolkError(
            _("Dit exemplaar is onderweg naar %(branch)s.")
            % {"branch": copy.transit_to.name if copy.transit_to else ""},
            code="in_transit",
        )
    reasons = blocks_standing(person)
    if reasons:
        raise KolkError(block_message(reasons), code="blocked")
    subscription = subscription_current(person)
    if subscription is None:
        raise KolkError(_("Geen lopend abonnement: lenen kan niet."), code="no_subscription")
    hold = None
    if copy.status == Copy.Status.ON_HOLD:
        # Ready in the afhaalkast, or set aside on the shelf for a pickup elsewhere (still waiting).
        hold = Reservation.objects.filter(
            copy=copy, status__in=[Reservation.Status.READY, Reservation.Status.WAITING]
        ).first()
        if hold is not None and hold.person_id != person.pk:
            raise KolkError(_("Dit exemplaar ligt klaar voor een ander lid."), code="on_hold")
    media_type = copy.title.media_type
    rule = loan_rule_for(media_type, subscription.type_id)
    total, same = _OPEN_COUNTS.first(person.pk, media_type) or (0, 0)
    if total >= subscription.type.max_loans:
        raise KolkError(
            _("Maximaal %(max)d materialen tegelijk met dit abonnement.") % {"max": subscription.type.max_loans},
            code="max_loans",
        )
    if same >= rule.max_loans:
        raise KolkError(_("Maximaal %(max)d van deze soort tegelijk.") % {"max": rule.max_loans}, code="max_loans")
    loan = Loan(
        copy=copy,
        person=person,
        subscription=subscription,
        checked_out_at=at,
        due_on=on + dt.timedelta(days=rule.loan_days),
    )
    insert(loan)
    copy.status = Copy.Status.ON_LOAN
    save_fields(copy, "status")
    if hold is not None:
        hold.status = Reservation.Status.FULFILLED
        hold.save(update_fields=["status"])
    _count_loan(person.pk, on)
    activity_touch(person_id=person.pk, on=on)
    audit_log(
        actor=actor,
        action="loan.checked_out",
        subject=person,
        details={"loan": loan.pk, "copy": copy.pk, "reservation": hold.pk if hold else None},
    )
    return loan


@dataclass
class Checkin:
    """What the desk needs after scanning a returned copy."""

    loan: Loan
    fine_cents: int
    hold_for: Reservation | None  # put the copy aside for this reservation (or send it there)
    transit_to: Branch | None = None  # the copy goes to this branch first: to the hold's pickup, or home


def fine_for(loan: Loan, rule: LoanRule, on: dt.date, person: Person | None) -> int:
    """Days late times the rule's fine per day; none for youth (under 18)."""
    days = (on - loan.due_on).days
    if days <= 0 or rule.fine_per_day_cents == 0:
        return 0
    age = person.privacy_age(on) if person is not None else None
    if age is not None and age < FREE_UNDER:
        return 0
    return days * rule.fine_per_day_cents


@transaction.atomic
def loan_checkin(*, copy_barcode: str, actor: Actor, at_branch: Branch | None = None) -> Checkin:
    """Take a copy back: close the loan, record a fine, and hand it to the next reservation.

    Taken in `at_branch` (the desk's workstation), a copy that belongs elsewhere, to
    a pickup branch or its own branch, goes in transit there; without a branch (a
    kiosk, the API) it stays where it was taken in, as before.
    """
    at, on = now(), today()
    copy = _copy_for_update(copy_barcode)
    loan: Loan | None = _OPEN_LOAN.first(copy.pk)
    if loan is None:
        raise KolkError(_("Dit exemplaar is niet uitgeleend."), code="not_on_loan")
    loan.copy = copy  # already read with its title: the desk's answer needs no second look
    fine = 0
    if loan.due_on < on:
        rule = loan_rule_for(copy.title.media_type, loan.subscription.type_id if loan.subscription else None)
        fine = fine_for(loan, rule, on, loan.person)
    loan.returned_at = at
    loan.fine_cents += fine  # with what a renewal while late already charged
    save_fields(loan, "returned_at", "fine_cents")
    if fine and loan.person_id is not None:
        fee_add(person_id=loan.person_id, kind="fine", amount_cents=fine, on=on, loan=loan)
    hold = _hold_for_next(copy, on, actor, at=at_branch)
    if loan.person_id is not None:
        activity_touch(person_id=loan.person_id, on=on)
    audit_log(
        actor=actor,
        action="loan.checked_in",
        subject=loan.person,
        details={
            "loan": loan.pk,
            "copy": copy.pk,
            "fine_cents": fine,
            "reservation": hold.pk if hold else None,
            "transit_to": copy.transit_to_id,
        },
    )
    return Checkin(loan=loan, fine_cents=fine, hold_for=hold, transit_to=copy.transit_to)


def _hold_for_next(copy: Copy, on: dt.date, actor: Actor, *, at: Branch | None = None) -> Reservation | None:
    """Give a free copy, here at branch `at`, to the first reservation of its title still without one.

    At its pickup branch (or where the branch is not known) the reservation is
    ready and the member hears so; elsewhere the copy goes in transit to the
    pickup branch and the reservation waits for it. Nobody waiting: the copy goes
    on the shelf here, or in transit to its own branch.
    """
    hold: Reservation | None = _NEXT_HOLD.first(copy.title_id)
    copy.transit_to = None
    if hold is not None and (at is None or hold.pickup_branch_id == at.pk):
        hold.status = Reservation.Status.READY
        hold.copy = copy
        hold.ready_on = on
        hold.expires_on = on + dt.timedelta(days=HOLD_DAYS)
        hold.save(update_fields=["status", "copy", "ready_on", "expires_on"])
        notice_reservation_ready(reservation=hold, actor=actor)
        copy.status = Copy.Status.ON_HOLD
    elif hold is not None:
        hold.copy = copy  # on its way: ready when it is taken in at the pickup branch
        hold.save(update_fields=["copy"])
        copy.status, copy.transit_to = Copy.Status.IN_TRANSIT, hold.pickup_branch
    elif at is not None and copy.branch_id != at.pk:
        copy.status, copy.transit_to = Copy.Status.IN_TRANSIT, copy.branch
    else:
        copy.status = Copy.Status.AVAILABLE
    save_fields(copy, "status", "transit_to")
    return hold


@dataclass
class Arrival:
    """What the desk needs after scanning a copy that was not on loan: pulled from the shelf, or arrived."""

    copy: Copy
    hold_for: Reservation | None  # it goes in the afhaalkast for this reservation (or on to its pickup)
    transit_to: Branch | None  # it (still) goes to this branch


def _make_ready_here(hold: Reservation, copy: Copy, on: dt.date, actor: Actor) -> None:
    """The copy has reached the hold's pickup branch: it goes in the afhaalkast and the member hears so."""
    was_ready = hold.status == Reservation.Status.READY
    hold.status, hold.to_pull = Reservation.Status.READY, False
    if not was_ready:
        hold.ready_on = on
        hold.expires_on = on + dt.timedelta(days=HOLD_DAYS)
    hold.save(update_fields=["status", "to_pull", "ready_on", "expires_on"])
    if not was_ready:
        notice_reservation_ready(reservation=hold, actor=actor)
    copy.status, copy.transit_to = Copy.Status.ON_HOLD, None
    copy.save(update_fields=["status", "transit_to"])


@transaction.atomic
def copy_receive(*, copy_barcode: str, at_branch: Branch, actor: Actor) -> Arrival:
    """Take in at `at_branch` a copy that is not on loan: pulled from the shelf for a reservation, or in transit.

    Pulled for a pickup here, it goes in the afhaalkast; for a pickup elsewhere it
    goes in transit there. A copy in transit that reached where it goes is
    ready for its reservation, or serves the next one, or goes back on the shelf;
    one that did not yet is only said to go on.
    """
    on = today()
    copy = _copy_for_update(copy_barcode)
    hold = None
    if copy.status in (Copy.Status.ON_HOLD, Copy.Status.IN_TRANSIT):
        hold = (
            Reservation.objects.select_for_update(of=("self",))
            .filter(copy=copy, status__in=[Reservation.Status.WAITING, Reservation.Status.READY])
            .select_related("person", "pickup_branch", "title")
            .first()
        )
    if copy.status == Copy.Status.ON_HOLD and hold is not None and hold.to_pull:
        if hold.pickup_branch_id == at_branch.pk:
            _make_ready_here(hold, copy, on, actor)
        else:
            hold.status, hold.to_pull, hold.ready_on, hold.expires_on = Reservation.Status.WAITING, False, None, None
            hold.save(update_fields=["status", "to_pull", "ready_on", "expires_on"])
            copy.status, copy.transit_to = Copy.Status.IN_TRANSIT, hold.pickup_branch
            copy.save(update_fields=["status", "transit_to"])
    elif copy.status == Copy.Status.IN_TRANSIT:
        if copy.transit_to_id != at_branch.pk:
            return Arrival(copy=copy, hold_for=hold, transit_to=copy.transit_to)  # not there yet: send it on
        if hold is not None and hold.pickup_branch_id == at_branch.pk:
            _make_ready_here(hold, copy, on, actor)
        else:  # its reservation was cancelled on the way: the next one, the shelf, or home
            hold = _hold_for_next(copy, on, actor, at=at_branch)
    else:
        raise KolkError(_("Dit exemplaar is niet uitgeleend."), code="not_on_loan")
    audit_log(
        actor=actor,
        action="copy.received",
        subject=hold.person if hold is not None else None,
        details={
            "copy": copy.pk,
            "branch": at_branch.pk,
            "reservation": hold.pk if hold else None,
            "transit_to": copy.transit_to_id,
        },
    )
    return Arrival(copy=copy, hold_for=hold, transit_to=copy.transit_to)


@transaction.atomic
def loan_renew(*, loan: Loan, actor: Actor) -> Loan:
    """Renew a loan from today, within the rule's renewals, unless someone waits for the title."""
    on = today()
    loan = (
        Loan.objects.select_for_update(of=("self",))
        .select_related("copy__title", "subscription", "person")
        .get(pk=loan.pk)
    )
    if loan.returned_at is not None:
        raise KolkError(_("Deze uitlening is al ingeleverd."), code="returned")
    if loan.person is not None:
        reasons = blocks_standing(loan.person)
        if reasons:
            raise KolkError(block_message(reasons), code="blocked")
    rule = loan_rule_for(loan.copy.title.media_type, loan.subscription.type_id if loan.subscription else None)
    if loan.renewals >= rule.renewals:
        raise KolkError(_("Deze uitlening kan niet vaker worden verlengd."), code="max_renewals")
    waiting = Reservation.objects.filter(title_id=loan.copy.title_id, status=Reservation.Status.WAITING)
    if waiting.filter(copy__isnull=True).exists():  # one whose copy is already on its way waits for that one
        raise KolkError(_("Iemand wacht op deze titel: verlengen kan niet."), code="reserved")
    due_on = on + dt.timedelta(days=rule.loan_days)
    if due_on <= loan.due_on:
        # A renewal that moves nothing would use one up for nothing: refuse it, and say from when it helps.
        first = loan.due_on - dt.timedelta(days=rule.loan_days - 1)
        raise KolkError(
            _("Verlengen heeft nu nog geen zin: het kan vanaf %(date)s.") % {"date": date_format(first, "j F Y")},
            code="too_early",
        )
    # The days it was already late are charged now, as at check-in: the new due date would forget them.
    fine = fine_for(loan, rule, on, loan.person)
    loan.renewals += 1
    loan.due_on = due_on
    loan.fine_cents += fine
    loan.save(update_fields=["renewals", "due_on", "fine_cents"])
    if fine and loan.person_id is not None:
        fee_add(person_id=loan.person_id, kind="fine", amount_cents=fine, on=on, loan=loan)
    if loan.person_id is not None:
        activity_touch(person_id=loan.person_id, on=on)
    details = {"loan": loan.pk, "fine_cents": fine} if fine else {"loan": loan.pk}
    audit_log(actor=actor, action="loan.renewed", subject=loan.person, details=details)
    return loan


@dataclass(frozen=True)
class RenewAll:
    """What "renew everything" did: how many were renewed, and each loan not renewed with the reason."""

    renewed: int
    refused: list[tuple[Loan, str]]
    charged_cents: int = 0  # the late fee of loans renewed while late (loan_renew charges it)


def loans_renew_all(*, person: Person, actor: Actor) -> RenewAll:
    """Renew each open loan of `person` that can be, each in its own transaction; say why the rest could not.

    One button at the desk and in the portal does this.
    """

    renewed, refused, charged = 0, [], 0
    for loan in loans_open(person).order_by("due_on", "pk"):
        try:
            done = loan_renew(loan=loan, actor=actor)
        except KolkError as exc:
            refused.append((loan, str(exc.message)))
        else:
            renewed += 1
            charged += done.fine_cents - loan.fine_cents
    return RenewAll(renewed=renewed, refused=refused, charged_cents=charged)
