"""The desk's own pages: start page, finding a person, a person's page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kolk.desk.decorators import STAFF, role_required
from kolk.people.models import Person
from kolk.people.selectors import person_detail, person_search
from kolk.privacy.gate import subject_viewed
from kolk.privacy.ledger import choices_of
from kolk.privacy.register import get_register


@role_required(*STAFF)
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/home.html")


@role_required(*STAFF)
def person_find(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    people = list(person_search(query)) if query else []
    template = "desk/_person_results.html" if request.headers.get("HX-Request") else "desk/person_find.html"
    return render(request, template, {"query": query, "people": people})


@role_required(*STAFF)
def person_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        person = person_detail(pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc
    subject_viewed(subject=person, purpose="lending", actor=request.user)
    register = get_register()
    state = choices_of(person)
    return render(
        request,
        "desk/person.html",
        {
            "person": person,
            "consents": [(register.purposes[p].label, state["consents"].get(p)) for p in register.consent_purposes()],
            "objections": [
                (register.purposes[p].label, channel, decision)
                for (p, channel), decision in sorted(state["objections"].items())
            ],
            "restricted": state["restricted"],
        },
    )
