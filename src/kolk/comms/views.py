"""Pages behind links in mails.

The unsubscribe page: GET asks to confirm, POST (also RFC 8058 one-click) unsubscribes at once.
The newsletter's confirmation page (double opt-in): GET shows a button, POST confirms.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kolk.comms.confirmation import confirm_token_read
from kolk.comms.confirmation import newsletter_confirm as newsletter_confirm_service
from kolk.comms.unsubscribe import unsubscribe_apply, unsubscribe_token_read
from kolk.core.errors import KolkError
from kolk.privacy.permits import allow
from kolk.privacy.register import get_register


# The token is the capability (signed, unguessable); mail providers POST the
# one-click request without a session or CSRF token (RFC 8058).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        ask = unsubscribe_token_read(token)
    except KolkError as exc:
        return render(request, "comms/unsubscribe.html", {"error": exc.message}, status=400)
    purpose = get_register().purposes[ask.purpose]
    context = {"purpose": purpose.label, "channel": ask.channel, "token": token}
    if request.method == "POST":
        try:
            result = unsubscribe_apply(token=token, actor=None)
        except KolkError as exc:
            return render(request, "comms/unsubscribe.html", {**context, "error": exc.message}, status=400)
        return render(request, "comms/unsubscribe.html", {**context, "done": True, "changed": result.changed})
    return render(request, "comms/unsubscribe.html", context)


@allow(public=True)
@require_http_methods(["GET", "POST"])
def newsletter_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and writes nothing (mail scanners fetch links); POST confirms the sign-up."""
    try:
        subscription = confirm_token_read(token)
    except KolkError as exc:
        return render(request, "comms/newsletter_confirm.html", {"error": exc.message}, status=exc.status)
    if request.method == "POST":
        try:
            # The link, not a session, says who confirms (as with unsubscribing): recorded as the person.
            result = newsletter_confirm_service(token=token, actor=None)
        except KolkError as exc:
            return render(request, "comms/newsletter_confirm.html", {"error": exc.message}, status=exc.status)
        return render(request, "comms/newsletter_confirm.html", {"done": True, "changed": result.changed})
    return render(request, "comms/newsletter_confirm.html", {"confirmed": subscription.confirmed})
