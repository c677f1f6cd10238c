"""Circulation at the desk: find a member by scanning the pass, lend, take in, renew.

Scan first: every page has one scan field the cursor returns to (desk.js), and
the result of a scan appears beside it in colour (green done, orange attention,
red refused) with a sound. A scanned pass number that matches one member opens
that member at once. The desk keeps running lists of this visit in the session:
the loans made for the member at the desk, the copies taken in (ids only: the
names are read again from the database when shown).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kolk.core.clock import today
from kolk.core.errors import KolkError, NotFound
from kolk.core.money import euros
from kolk.desk.money_views import FIELD_ERROR, pay, pay_context, write_off
from kolk.desk.workplace import workstation_of
from kolk.library.models import Block, Branch, Copy, Loan, Reservation, SubscriptionType
from kolk.library.models.members import EndReason
from kolk.library.search import catalogue_search
from kolk.library.selectors import home_branch_of, member_overview, pull_list
from kolk.library.services.loans import copy_receive, loan_checkin, loan_checkout, loan_renew, loans_renew_all
from kolk.library.services.notices import notice_loan_slip
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail, person_search
from kolk.privacy.permits import allow, permit_of

VISIT = "desk_visit"  # {"person": pk, "out": [loan pk, ...], "id": token}: this member's visit at the desk
# [[loan pk or None, fine cents, reservation pk or None, copy pk], ...], newest first; no loan for a copy
# that was not lent (pulled from the shelf for a reservation, or arriving in transit).
CHECKINS = "desk_checkins"
KEEP = 20

# What to do next, for a refusal the desk meets often.
NEXT_STEP = {
    "blocked": gettext_lazy("Bekijk de blokkering hieronder; hef die op als het is opgelost."),
    "on_hold": gettext_lazy("Leg het terug in de afhaalkast."),
    "no_subscription": gettext_lazy("Start eerst een abonnement (hieronder)."),
    "unknown_copy": gettext_lazy("Scan opnieuw, of typ het nummer onder de streepjescode."),
    "reserved": gettext_lazy("Vraag het lid het terug te brengen; er wacht iemand op."),
    "damaged": gettext_lazy("Leg het apart voor herstel; zoek een ander exemplaar."),
    "in_transit": gettext_lazy("Scan het bij Innemen: dan zegt kolk waar het heen gaat."),
}


def said(day: dt.date) -> str:
    """A date in a sentence: 11 december 2026."""
    return date_format(day, "j F Y")


def refuse(request: HttpRequest, exc: KolkError) -> None:
    hint = NEXT_STEP.get(exc.code or "")
    messages.error(request, f"{exc.message} {hint}" if hint else str(exc.message))


def _visit(request: HttpRequest, person: Person) -> dict[str, Any]:
    """This member's visit at the desk; a new one (with a new id) when another member comes to the desk."""
    visit: dict[str, Any] = request.session.get(VISIT) or {}
    if visit.get("person") != person.pk or "id" not in visit:
        visit = {"person": person.pk, "out": [], "id": secrets.token_urlsafe(12)}
        request.session[VISIT] = visit
    return visit


def _person(request: HttpRequest, pk: int, *, viewed: bool = False) -> Person:
    return person_reach(actor=request.user, person_id=pk, purpose="lending", load=person_detail, viewed=viewed)


@allow(purpose="lending")
def member_find(request: HttpRequest) -> HttpResponse:
    """Find a member; the search is POSTed, so no name or pass number lands in a log.

    A scanned pass (or customer) number that matches one member opens that member.
    """
    query = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
    people = list(person_search(query)) if query else []
    if len(people) == 1 and query.isdigit() and query in (people[0].pass_number, people[0].customer_number):
        return redirect("desk:library_member", pk=people[0].pk)
    return render(request, "desk/library/member_find.html", {"query": query, "people": people})


def flags(lib: dict[str, object], open_cents: int) -> list[tuple[str, str, str]]:
    """What the desk must see at a glance beside the scan field: (kind, words, the field to act on).

    Each flag is a link to where its next step is done (desk.js puts the cursor there):
    the open amount to the payment's amount, a block to its card, and so on.
    """
    out: list[tuple[str, str, str]] = []
    if lib["blocks"]:
        out.append(("error", _("Geblokkeerd"), "blocks"))
    if lib["subscription"] is None:
        out.append(("error", _("Geen lopend abonnement"), "sub-type"))
    overdue = [loan for loan in lib["loans"] if loan.due_on < lib["today"]]  # type: ignore[attr-defined]
    if overdue:
        out.append(("warn", _("%(n)d te laat") % {"n": len(overdue)}, "loans"))
    if open_cents:
        out.append(("warn", _("Openstaand bedrag %(amount)s") % {"amount": euros(open_cents)}, "pay-amount"))
    ready = [r for r in lib["reservations"] if r.status == Reservation.Status.READY]  # type: ignore[attr-defined]
    if ready:
        out.append(("ok", _("%(n)d ligt klaar") % {"n": len(ready)}, "reservations-title"))
    return out


@allow(purpose="lending")
def member_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk, viewed=True)
    visit = _visit(request, person)
    lib = member_overview(person)
    out_now = {loan.pk: loan for loan in lib["loans"]}  # type: ignore[attr-defined]
    visit_out = [out_now[pk] for pk in visit["out"] if pk in out_now]
    money = pay_context(person)
    open_cents = int(money["owed_cents"])  # type: ignore[call-overload]
    query = request.GET.get("zoek", "").strip()[:100]
    here = workstation_of(request)
    field_error = request.session.pop(FIELD_ERROR, None) if FIELD_ERROR in request.session else None
    return render(
        request,
        "desk/library/member.html",
        {
            "person": person,
            "lib": lib,
            "visit_out": visit_out,
            "flags": flags(lib, open_cents),
            "open_cents": open_cents,
            "query": query,
            "titles": list(catalogue_search(query, limit=10)) if query else [],
            "branches": list(Branch.objects.order_by("name")),
            "pickup": (home_branch_of(person) or here or Branch()).code or "",
            "block_reasons": Block.Reason.choices,
            "types": list(SubscriptionType.objects.filter(active=True, is_school=False).order_by("name")),
            "end_reasons": EndReason.choices,
            "here": here,
            "field_error": field_error,
            "pay_key": money["pay_key"],
            "mandate": money["mandate"],
            "pay_amount": f"{open_cents // 100},{open_cents % 100:02d}",
            "may_pay": permit_of(pay).admits(request.user),  # type: ignore[union-attr]
            "may_write_off": permit_of(write_off).admits(request.user),  # type: ignore[union-attr]
        },
    )


@require_POST
@allow(purpose="lending")
def checkout(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    barcode = request.POST.get("barcode", "").strip()[:20]
    try:
        loan = loan_checkout(copy_barcode=barcode, person=person, actor=request.user)
    except KolkError as exc:
        refuse(request, exc)
    else:
        visit = _visit(request, person)
        visit["out"] = [loan.pk, *visit["out"]][:KEEP]
        request.session[VISIT] = visit
        messages.success(
            request,
            _("Uitgeleend: %(title)s, terug op %(due)s.") % {"title": loan.copy.title.title, "due": said(loan.due_on)},
        )
        # Said once a visit, at the first item: after that the flag beside the field keeps saying it,
        # and each next scan sounds done, not attention.
        if not visit.get("late_said"):
            late = Loan.objects.filter(person=person, returned_at__isnull=True, due_on__lt=today()).count()
            if late:
                messages.warning(
                    request,
                    _("Let op: %(n)d uitlening(en) te laat. Vraag ze terug te brengen; het te-laat-geld loopt op.")
                    % {"n": late},
                )
            visit["late_said"] = True
        request.session[VISIT] = visit
    return redirect("desk:library_member", pk=pk)


@require_POST
@allow(purpose="lending")
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    loan = Loan.objects.filter(pk=pk, person__isnull=False).first()
    if loan is None or loan.person_id is None:
        raise NotFound()
    person_reach(actor=request.user, person_id=loan.person_id, purpose="lending", record=loan, viewed=False)
    try:
        renewed = loan_renew(loan=loan, actor=request.user)
    except KolkError as exc:
        refuse(request, exc)
    else:
        messages.success(request, _("Verlengd tot %(due)s.") % {"due": said(renewed.due_on)})
        if charged := renewed.fine_cents - loan.fine_cents:
            messages.warning(request, _("Te-laat-geld voor de dagen te laat: %(amount)s.") % {"amount": euros(charged)})
    return redirect("desk:library_member", pk=loan.person_id)


@require_POST
@allow(purpose="lending")
def renew_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Renew every loan that can be; say which could not, and why."""
    person = _person(request, pk)
    result = loans_renew_all(person=person, actor=request.user)
    renewed, refused = result.renewed, _refusals(result.refused)
    if renewed:
        messages.success(request, _("Verlengd: %(n)d uitlening(en).") % {"n": renewed})
    if result.charged_cents:
        messages.warning(
            request, _("Te-laat-geld voor de dagen te laat: %(amount)s.") % {"amount": euros(result.charged_cents)}
        )
    for line in refused:
        messages.warning(request, _("Niet verlengd: %(why)s") % {"why": line})
    if not renewed and not refused:
        messages.warning(request, _("Niets om te verlengen."))
    return redirect("desk:library_member", pk=pk)


def _refusals(refused: list[tuple[Loan, str]]) -> list[str]:
    """One line per reason: the same reason for four items just lent is one line, not four."""
    by_why: dict[str, list[str]] = {}
    for loan, why in refused:
        by_why.setdefault(str(why), []).append(loan.copy.title.title)
    lines = []
    for why, titles in by_why.items():
        if len(titles) == 1:
            lines.append(f"{titles[0]}: {why}")
        else:
            lines.append(
                _("%(n)d uitleningen (%(titles)s): %(why)s")
                % {"n": len(titles), "titles": ", ".join(Truncator(t).chars(30) for t in titles), "why": why}
            )
    return lines


@require_POST
@allow(purpose="lending")
def slip_mail(request: HttpRequest, pk: int) -> HttpResponse:
    """Mail the loan slip to the member through the outbox; a double click in this visit mails it once."""
    person = _person(request, pk)
    try:
        mailed = notice_loan_slip(person=person, visit=str(_visit(request, person)["id"]), actor=request.user)
    except KolkError as exc:
        refuse(request, exc)
    else:
        if mailed:
            messages.success(request, _("Uitleenbon gemaild naar het e-mailadres van het lid."))
        else:
            messages.error(request, _("Dit lid heeft geen e-mailadres: druk de bon af, of vul een e-mailadres in."))
    return redirect("desk:library_member", pk=pk)


def destination(copy: Copy, hold: Reservation | None, here: Branch | None) -> tuple[str, str]:
    """Where a copy taken in goes next: (kind, words)."""
    if hold is not None:
        who = hold.person.full_name if hold.person else ""
        if here is None or hold.pickup_branch_id == here.pk:
            return "warn", _("Leg klaar voor %(name)s in de afhaalkast (%(branch)s).") % {
                "name": who,
                "branch": hold.pickup_branch.name,
            }
        return "warn", _("Naar vestiging %(branch)s: reservering van %(name)s.") % {
            "branch": hold.pickup_branch.name,
            "name": who,
        }
    if copy.status == Copy.Status.IN_TRANSIT and copy.transit_to is not None and copy.transit_to_id != copy.branch_id:
        return "warn", _("Naar vestiging %(branch)s.") % {"branch": copy.transit_to.name}
    if here is not None and copy.branch_id != here.pk:
        return "warn", _("Terug naar vestiging %(branch)s.") % {"branch": copy.branch.name}
    return "ok", _("Terugzetten in de kast.")


@allow(purpose="lending")
def checkin(request: HttpRequest) -> HttpResponse:
    """The return desk: scan copy after copy; each says whose it was and where it goes.

    A copy that was not lent is taken in too when the desk knows its branch: one
    pulled from the shelf for a reservation, or one arriving in transit.
    """
    here = workstation_of(request)
    if request.method == "POST":
        barcode = request.POST.get("barcode", "").strip()[:20]
        try:
            result = loan_checkin(copy_barcode=barcode, actor=request.user, at_branch=here)
        except KolkError as exc:
            if exc.code == "not_on_loan" and here is not None:
                _receive(request, barcode, here)
            else:
                refuse(request, exc)
        else:
            hold = result.hold_for
            copy = result.loan.copy
            _taken_in(request, [result.loan.pk, result.fine_cents, hold.pk if hold else None, copy.pk])
            messages.success(request, _("Ingenomen: %(title)s.") % {"title": copy.title.title})
            if result.fine_cents:
                messages.warning(request, _("Te laat: te-laat-geld %(amount)s.") % {"amount": euros(result.fine_cents)})
            kind, words = destination(copy, hold, here)
            (messages.warning if kind == "warn" else messages.success)(request, words)
        return redirect("desk:library_checkin")
    return render(request, "desk/library/checkin.html", {"rows": checkins_of(request, here), "here": here})


def _receive(request: HttpRequest, barcode: str, here: Branch) -> None:
    """A copy not on loan scanned at Innemen: pulled for a reservation, or arriving in transit."""
    try:
        arrival = copy_receive(copy_barcode=barcode, at_branch=here, actor=request.user)
    except KolkError as exc:
        refuse(request, exc)
        return
    copy, hold = arrival.copy, arrival.hold_for
    _taken_in(request, [None, 0, hold.pk if hold else None, copy.pk])
    messages.success(request, _("Gescand: %(title)s.") % {"title": copy.title.title})
    kind, words = destination(copy, hold, here)
    (messages.warning if kind == "warn" else messages.success)(request, words)


def _taken_in(request: HttpRequest, row: list[int | None]) -> None:
    request.session[CHECKINS] = [row, *(request.session.get(CHECKINS) or [])][:KEEP]


def checkins_of(request: HttpRequest, here: Branch | None) -> list[dict[str, object]]:
    """This visit's copies taken in, newest first, read again (a name is never kept in the session)."""
    done = [(*row, None)[:4] for row in request.session.get(CHECKINS) or []]
    loans = Loan.objects.select_related("copy__title", "copy__branch", "copy__transit_to", "person").in_bulk(
        [d[0] for d in done if d[0]]
    )
    copies = Copy.objects.select_related("title", "branch", "transit_to").in_bulk(
        [d[3] for d in done if d[3] and not d[0]]
    )
    holds = Reservation.objects.select_related("person", "pickup_branch").in_bulk([d[2] for d in done if d[2]])
    rows = []
    for loan_pk, fine, hold_pk, copy_pk in done:
        loan = loans.get(loan_pk) if loan_pk else None
        copy = loan.copy if loan is not None else copies.get(copy_pk) if copy_pk else None
        if copy is None:
            continue
        hold = holds.get(hold_pk) if hold_pk else None
        kind, words = destination(copy, hold, here)
        rows.append({"loan": loan, "copy": copy, "fine_cents": fine, "hold": hold, "kind": kind, "where": words})
    return rows


@allow(purpose="lending")
def pulls(request: HttpRequest) -> HttpResponse:
    """The pull list of this workstation's branch: copies on the shelf set aside for reservations."""
    here = workstation_of(request)
    return render(request, "desk/library/pulls.html", {"here": here, "rows": list(pull_list(here)) if here else []})
