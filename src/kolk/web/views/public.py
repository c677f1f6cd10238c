"""Public pages: home and the privacy statement generated from the register."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from kolk.boxoffice.selectors import programme
from kolk.privacy.statement import statement_context

HOME_SHOWS = 3  # the next shows on the first page; the programme has them all


def home(request: HttpRequest) -> HttpResponse:
    """Role: public. What the centre is, a search in the catalogue, and the next shows on sale."""
    return render(request, "web/home.html", {"shows": list(programme(days=30)[:HOME_SHOWS])})


def privacy_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html", statement_context(get_language()))
