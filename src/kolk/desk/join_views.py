"""The desk confirms an online membership on the member's first visit: the ID was seen, lending may start.

Role: the desk serving lending (kolk.people.reach logs the staff read). Keyboard
only: the button sits in the member page's block list, after the scan field.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kolk.core.errors import KolkError
from kolk.library.services.joining import member_join_confirm
from kolk.people.reach import person_reach
from kolk.people.selectors import person_detail
from kolk.privacy.permits import allow


@require_POST
@allow(purpose="lending")
def join_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Identiteitsbewijs gezien: record who saw it and when, and lift the block of the online membership."""
    person = person_reach(actor=request.user, person_id=pk, purpose="lending", load=person_detail, viewed=False)
    try:
        member_join_confirm(person=person, actor=request.user)
    except KolkError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Inschrijving bevestigd: %(name)s kan nu lenen.") % {"name": person.given_name})
    return redirect("desk:library_member", pk=pk)
