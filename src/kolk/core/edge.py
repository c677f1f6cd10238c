"""The edge of every way in: bytes kolk refuses before any view reads them, and the one
place where a page's refusal (kolk.core.errors) becomes a response.

- `BadBytesMiddleware` answers 400 to a NUL byte or another control character in
  the path, the query, a form field or a JSON body, and to a body that claims to be
  multipart but cannot be read. No view, form or query ever sees such a value, so
  PostgreSQL (which refuses NUL in text) can't turn it into a 500.
- `RefusalMiddleware` renders a KolkError that a page did not catch itself: not
  signed in sends to the login page, not allowed is a 403, not found a 404, any
  other refusal the message with its status. A page that can show the message next
  to the input catches the error itself; this is what's left.

The API renders the same errors with the same codes (kolk.api.api), in the language
the caller asks for (`ApiLanguageMiddleware`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from kolk.core.errors import BadRequest, KolkError, NotSignedIn

# Tab, line feed and carriage return are text; every other C0 control and DEL is not.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A path holds no control character at all.
PATH_CONTROL = re.compile("[\x00-\x1f\x7f]")
# A JSON string may carry a control character only as an escape: \u0000 to \u001f, \u007f.
JSON_ESCAPED_CONTROL = re.compile(rb"\\u00(?:[01][0-9a-fA-F]|7[fF])")
API_PREFIX = "/api/"


def error_payload(exc: KolkError) -> dict[str, Any]:
    """The one error shape of kolk: a stable code, a message, and the fields it concerns."""
    return {"code": exc.code, "message": str(exc.message), "fields": exc.fields}


def on_site(url: str, site: str) -> bool:
    """True when `url` is an address on `site` itself: the same scheme, host and port.

    A prefix test would let `https://kolk.dnk.nl.evil.example/` through; this does not.
    """
    try:
        there, home = urlsplit(url), urlsplit(site)
        return (
            bool(there.hostname)
            and (there.scheme, there.hostname, there.port) == (home.scheme, home.hostname, home.port)
            and not there.username
            and not there.password
        )
    except ValueError:  # a port that is not a number, a broken IPv6 address
        return False


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _json_has_control(body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if not JSON_ESCAPED_CONTROL.search(body):
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False  # not JSON at all: the API answers that itself
    return any(CONTROL.search(text) for text in _strings(data))


def bad_bytes(request: HttpRequest) -> str | None:
    """Where the request carries bytes kolk refuses ('path', 'query', 'body'), or None."""
    if PATH_CONTROL.search(request.path_info):
        return "path"
    if any(CONTROL.search(key) or any(CONTROL.search(v) for v in values) for key, values in request.GET.lists()):
        return "query"
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        try:
            form = request.POST
        except MultiPartParserError:
            return "body"
        if any(CONTROL.search(key) or any(CONTROL.search(v) for v in values) for key, values in form.lists()):
            return "body"
        return None
    if int(request.META.get("CONTENT_LENGTH") or 0) and _json_has_control(request.body):
        return "body"
    return None


def refusal_page(request: HttpRequest, exc: KolkError) -> HttpResponse:
    """The refusal as a page in the workplace it came from: the staff's or the public site's."""
    user = getattr(request, "user", None)  # bad bytes are refused before anyone is known
    staff = "/balie/" in request.path_info and bool(user and user.is_authenticated)
    template = "core/refused_staff.html" if staff else "core/refused.html"
    return render(request, template, {"error": exc}, status=exc.status)


def bad_request_response(request: HttpRequest, exc: KolkError) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse(error_payload(exc), status=exc.status)
    return refusal_page(request, exc)


class BadBytesMiddleware:
    """Refuses bad bytes with a 400 before sessions, CSRF or any view read the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = bad_bytes(request)
        if where is not None:
            # Before the locale middleware: answer in the language the request asks for all the same.
            with translation.override(translation.get_language_from_request(request, check_path=True)):
                return self.refuse(request, where)
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, where: str) -> HttpResponse:
        message = {
            "path": _("Het adres bevat tekens die niet kunnen, zoals een nul-byte of een regeleinde."),
            "query": _("De zoekvraag bevat tekens die niet kunnen, zoals een nul-byte."),
            "body": _("De inhoud van het verzoek is onleesbaar of bevat tekens die niet kunnen, zoals een nul-byte."),
        }[where]
        return bad_request_response(request, BadRequest(message, code=f"bad_{where}"))


class ApiLanguageMiddleware:
    """The API speaks the language the caller asks for (Accept-Language), Dutch by default.

    Django's LocaleMiddleware gives every path without a language prefix the default
    language, since the site's Dutch pages have none; the API has no prefixes at all.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
        return self.get_response(request)


class RefusalMiddleware:
    """A KolkError that a page left uncaught, rendered the one way every page renders it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, KolkError) or request.path_info.startswith(API_PREFIX):
            return None
        if isinstance(exc, NotSignedIn):
            return redirect_to_login(request.get_full_path(), exc.login)
        return refusal_page(request, exc)
