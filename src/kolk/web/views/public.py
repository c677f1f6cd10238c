"""Public pages: home and the privacy statement generated from the register."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from kolk.privacy.statement import statement_context


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


def privacy_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "web/privacy.html", statement_context(get_language()))
