"""The desk's own pages: start page, finding a person, a person's page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kolk.core.roles import Role
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail, person_search
from kolk.privacy.ledger import choices_of
from kolk.privacy.permits import allow
from kolk.privacy.register import get_register

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
