"""The desk's own pages: start page, finding a person, a person's page.

On a person's page the desk records what the person chose at the counter, by
phone or in a letter: an objection to any purpose one can object to, a consent
on paper or by phone (a guardian's for a child under 16), each with the method
and the staff member who took it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.comms.forms import NoticeChoicesForm
from kolk.comms.notices import notice_choices_of
from kolk.core.clock import today
from kolk.core.errors import BadRequest, KolkError
from kolk.core.roles import Role
from kolk.desk.choice_forms import ConsentForm, ObjectionForm
from kolk.people.models import FamilyRelation, Person
from kolk.people.reach import person_reach, serving
from kolk.people.selectors import person_detail, person_search
from kolk.privacy.ledger import choices_of, choices_recorded, consent_record, objection_record
from kolk.privacy.models import ChoiceKind, PrivacyChoice
from kolk.privacy.permits import allow
from kolk.privacy.register import get_register
from kolk.privacy.subjects import CONSENT_AGE

STAFF = (Role.DESK, Role.LIBRARY_STAFF, Role.BOX_OFFICE, Role.MARKETING, Role.PRIVACY_OFFICER)
# A person's page serves the desk's lending and the Privacy Officer's handling of a request.
PERSON_PURPOSES = ("lending", "rights")


@allow(roles=STAFF)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html")


@allow(purpose=PERSON_PURPOSES)
def person_find(request: HttpRequest) -> HttpResponse:
    """Find a person; the search is POSTed, so no name or pass number lands in a log."""
    query = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
    people = list(person_search(query)) if query else []
    template = "desk/_person_results.html" if request.headers.get("HX-Request") else "desk/person_find.html"
    return render(request, template, {"query": query, "people": people})


@allow(purpose=PERSON_PURPOSES)
def person_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_reach(actor=request.user, person_id=pk, purpose=PERSON_PURPOSES, load=person_detail)
    return _person_page(request, person)


def _person_page(
    request: HttpRequest,
    person: Person,
    *,
    bound: ObjectionForm | ConsentForm | None = None,
    status: int = 200,
    notices: NoticeChoicesForm | None = None,
) -> HttpResponse:
    """A person's page; with `bound`, the form that was sent, its refusal next to its input."""
    register = get_register()
    state = choices_of(person)
    context: dict[str, Any] = {
        "person": person,
        "consents": [(register.purposes[p].label, state["consents"].get(p)) for p in register.consent_purposes()],
        "objections": [
            (register.purposes[p].label, channel, decision)
            for (p, channel), decision in sorted(state["objections"].items())
        ],
        "restricted": state["restricted"],
        "restriction": state["restriction"],
    }
    # Recording a choice serves the person's rights (D05, D06): only a role that serves them sees the forms.
    if serving(request.user, "rights"):
        context.update(_choice_forms(person, state, bound))
    # How notices reach the person (M01): the desk sets it for a member who asks.
    if serving(request.user, "service_notices") and serving(request.user, "lending"):
        context["notice_form"] = notices or NoticeChoicesForm(initial=notice_choices_of(person))
        context["notice_saved"] = request.GET.get("berichten") == "opgeslagen"
    return render(request, "desk/person.html", context, status=status)


def _choice_forms(person: Person, state: dict[str, Any], bound: forms.Form | None) -> dict[str, Any]:
    register = get_register()
    guardians = _guardians(person)
    objection_rows = []
    for purpose in register.objection_purposes():
        standing = any(on for (p, _channel), on in state["objections"].items() if p == purpose)
        sent = bound if isinstance(bound, ObjectionForm) and bound.purpose == purpose else None
        objection_rows.append(
            {
                "purpose": purpose,
                "label": objection_label(purpose),
                "objects": standing,
                "channels": [c for (p, c), on in state["objections"].items() if p == purpose and on and c],
                "also": [str(register.purposes[q].label) for q in _kept_out_of(purpose)],
                "form": sent or ObjectionForm(purpose=purpose, objects=not standing),
            }
        )
    consent_rows = []
    for purpose in register.consent_purposes():
        given = bool(state["consents"].get(purpose))
        sent_consent = bound if isinstance(bound, ConsentForm) and bound.purpose == purpose else None
        consent_rows.append(
            {
                "purpose": purpose,
                "label": register.purposes[purpose].label,
                "given": given,
                "form": sent_consent or ConsentForm(purpose=purpose, given=given, person=person, guardians=guardians),
            }
        )
    age = person.privacy_age(today())
    return {
        "objection_rows": objection_rows,
        "consent_rows": consent_rows,
        "recorded": [_recorded_row(choice) for choice in choices_recorded(person)],
        "young": age is not None and age < CONSENT_AGE,
    }


def _recorded_row(choice: PrivacyChoice) -> dict[str, Any]:
    """One standing choice as the desk reads it: what, how, when, and who recorded or gave it."""
    register = get_register()
    consent = choice.kind == ChoiceKind.CONSENT
    return {
        "consent": consent,
        "label": register.purposes[choice.purpose].label if consent else objection_label(choice.purpose),
        "channel": choice.channel,
        "decision": choice.decision,
        "method": choice.get_method_display(),
        "at": choice.recorded_at,
        "by": choice.recorded_by.get_username() if choice.recorded_by else "",
        "given_by": choice.given_by.full_name if choice.given_by and choice.given_by_id != choice.subject_id else "",
    }


def objection_label(purpose: str) -> str:
    """What a purpose is known by: its statement section's title where the statement offers the
    objection there (Profilering, Nieuwsbrief, Aanbiedingen), else its own label."""
    register = get_register()
    for section in register.sections.values():
        if section.objection and any(purpose in row.purposes for row in section.rows):
            return str(section.title)
    return str(register.purposes[purpose].label)


def _kept_out_of(purpose: str) -> list[str]:
    """The other purposes (a partner's export) that an objection to `purpose` keeps the person out of."""
    register = get_register()
    return [q for q in register.purposes if q != purpose and purpose in register.honoured_objections(q)]


def _guardians(person: Person) -> list[Person]:
    return [r.relative for r in person.relations.all() if r.kind == FamilyRelation.Kind.GUARDIAN]


@require_POST
@allow(purpose="rights")
def person_objection(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an objection (or its withdrawal) a person made at the desk, by phone or letter (D06)."""
    person = person_reach(actor=request.user, person_id=pk, purpose="rights", load=person_detail, viewed=False)
    purpose = request.POST.get("purpose", "")
    if purpose not in get_register().objection_purposes():
        raise BadRequest(_("Onbekende keuze."))
    form = ObjectionForm(request.POST, purpose=purpose, objects=True)
    if form.is_valid():
        data = form.cleaned_data
        try:
            objection_record(
                subject=person,
                purpose=purpose,
                objects=data["objects"],
                method=data["method"],
                channel=data.get("channel") or "",
                actor=request.user,
            )
        except KolkError as exc:
            form.add_error(None, str(exc.message))
        else:
            label = objection_label(purpose)
            text = _("Bezwaar vastgelegd: %(what)s.") if data["objects"] else _("Bezwaar ingetrokken: %(what)s.")
            messages.success(request, text % {"what": label})
            return redirect(reverse("desk:person", args=[person.pk]) + "#privacykeuzes")
    return _person_page(request, person, bound=form, status=422)


@require_POST
@allow(purpose="rights")
def person_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a consent given or withdrawn on paper, by phone or at the desk; for a child, by a guardian."""
    person = person_reach(actor=request.user, person_id=pk, purpose="rights", load=person_detail, viewed=False)
    purpose = request.POST.get("purpose", "")
    if purpose not in get_register().consent_purposes():
        raise BadRequest(_("Onbekende keuze."))
    guardians = _guardians(person)
    form = ConsentForm(request.POST, purpose=purpose, given=False, person=person, guardians=guardians)
    if form.is_valid():
        data = form.cleaned_data
        by = {g.pk: g for g in [person, *guardians]}.get(data.get("given_by") or person.pk, person)
        try:
            consent_record(
                subject=person,
                purpose=purpose,
                given=data["given"],
                method=data["method"],
                lang=data.get("lang") or "nl",
                given_by=by if by.pk != person.pk else None,
                actor=request.user,
            )
        except KolkError as exc:
            field = (
                "given_by" if exc.code in ("guardian_required", "not_guardian") and "given_by" in form.fields else None
            )
            form.add_error(field, str(exc.message))
        else:
            label = get_register().purposes[purpose].label
            text = _("Toestemming vastgelegd: %(what)s.") if data["given"] else _("Toestemming ingetrokken: %(what)s.")
            messages.success(request, text % {"what": label})
            return redirect(reverse("desk:person", args=[person.pk]) + "#privacykeuzes")
    return _person_page(request, person, bound=form, status=422)
