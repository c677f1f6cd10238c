"""Desk pages of notices: a member's channel per kind of notice (on the person page), and the print list.

Roles: the desk and library staff (and administrators), who serve `service_notices` in the register;
the box office does not: ticket notices are queued by the worker, not by anyone at the till.
The print list holds the notices members want by post: library staff print them
(the browser's print, one letter a page) and then take them off the list.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kolk.comms.forms import NoticeChoicesForm
from kolk.comms.letters import letters_mark_printed, letters_to_print, letters_void
from kolk.core.errors import BadRequest
from kolk.core.roles import Role
from kolk.desk.views import _person_page
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail
from kolk.privacy.permits import allow

PRINT_LIST_MAX = 200


# The person page is the desk's and library staff's (lending).
PERSON_ROLES = (Role.DESK, Role.LIBRARY_STAFF, Role.ADMINISTRATOR)


@allow(purpose="service_notices", roles=PERSON_ROLES)
@require_POST
def person_notices(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_reach(actor=request.user, person_id=pk, purpose="service_notices", load=person_detail)
    form = NoticeChoicesForm(request.POST)
    if form.save(person=person, actor=request.user):
        return redirect(reverse("desk:person", args=[person.pk]) + "?berichten=opgeslagen#berichten")
    return _person_page(request, person, notices=form, status=422)


@allow(purpose="service_notices", roles=PERSON_ROLES)
def letters_page(request: HttpRequest) -> HttpResponse:
    letters_void(actor=request.user)  # a reminder whose consent was withdrawn is not printed
    letters = list(letters_to_print()[:PRINT_LIST_MAX])
    return render(request, "desk/library/letters.html", {"letters": letters, "max": PRINT_LIST_MAX})


@allow(purpose="service_notices", roles=PERSON_ROLES)
@require_POST
def letters_printed(request: HttpRequest) -> HttpResponse:
    raw = request.POST.getlist("letter")
    if not raw or not all(value.isdigit() and len(value) < 12 for value in raw):
        raise BadRequest(_("Geen brieven gekozen."))
    done = letters_mark_printed(letter_ids=[int(v) for v in raw], actor=request.user)
    messages.success(
        request,
        ngettext("%(n)s brief van de lijst gehaald.", "%(n)s brieven van de lijst gehaald.", done) % {"n": done},
    )
    return redirect("desk:library_letters")
