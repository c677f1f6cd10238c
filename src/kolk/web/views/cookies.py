"""The cookie notice's answer and the page to change it later (W01). Role: anyone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from kolk.privacy.register import get_register
from kolk.web.cookies import cookie_consent, remember, visitor_id
from kolk.web.services import cookie_choice_record


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("web:cookies")


@require_http_methods(["GET", "POST"])
def cookies(request: HttpRequest) -> HttpResponse:
    """GET: explain and show the current choice; POST: accept, reject or save a choice."""
    if request.method == "POST":
        answer = request.POST.get("choice", "")
        if answer == "accept":
            analytics = social = True
        elif answer == "reject":
            analytics = social = False
        else:
            analytics = request.POST.get("analytics") == "on"
            social = request.POST.get("social") == "on"
        visitor = visitor_id(request)
        cookie_choice_record(visitor_id=visitor, analytics=analytics, social=social, actor=request.user)
        response = HttpResponseRedirect(_next_url(request))
        remember(response, visitor=visitor, analytics=analytics, social=social)
        return response
    website = get_register().website
    return render(
        request,
        "web/cookies.html",
        {"consent": cookie_consent(request), "texts": [website[key] for key in ("W01", "W02", "W03", "W04")]},
    )
