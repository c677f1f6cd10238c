"""The API object: each domain's router is added here, and every error leaves in one shape.

Every refusal, from a service (KolkError), Django (ValidationError, Http404,
PermissionDenied) or django-ninja itself (a body that does not parse, a missing
login, a throttle), is answered with one schema, `{code, message, fields}`, in the
request's language. The OpenAPI document lists on every operation the 4xx statuses
it can answer with that schema, and who may call it (`x-kolk-access`, read from the
operation's `allow` declaration).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from kolk.api.billing import router as billing_router
from kolk.api.boxoffice import router as boxoffice_router
from kolk.api.comms import router as comms_router
from kolk.api.library import router as library_router
from kolk.api.privacy import router as privacy_router
from kolk.api.season import router as season_router
from kolk.core.edge import error_payload
from kolk.core.errors import (
    BadRequest,
    Invalid,
    KolkError,
    NotAllowed,
    NotFound,
    NotSignedIn,
    TooMany,
    invalid_from,
)
from kolk.privacy.permits import permit_of


class ErrorOut(Schema):
    """Every refusal of the API: a stable code, a message in the request's language, the fields it concerns."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


ERROR_DESCRIPTIONS = {
    400: "The request cannot be read (bad bytes, a broken body, a number too large)",
    401: "Not signed in, or an API key that is unknown, expired or revoked",
    403: "Not allowed for the caller's role",
    404: "Not found, or not the caller's to see",
    409: "Refused by a rule of the business (the copy is on loan, the seat is taken)",
    422: "A value is not valid; `fields` says which",
    429: "Too many requests; try again later",
}


class KolkSchema(OpenAPISchema):
    """Django-ninja's document, with kolk's error answers and access on every operation."""

    def operation_details(self, operation: Operation) -> dict[str, Any]:
        result: dict[str, Any] = super().operation_details(operation)
        self.add_schema_definitions({"ErrorOut": ErrorOut.model_json_schema()})
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for status in statuses(operation):
            result["responses"].setdefault(
                status, {"description": ERROR_DESCRIPTIONS[status], "content": {"application/json": {"schema": ref}}}
            )
        permit = permit_of(operation.view_func)
        if permit is not None:
            result["x-kolk-access"] = {
                "purpose": permit.purpose,
                "roles": sorted(role.value for role in permit.staff_roles()),
                "members": permit.members,
                "public": permit.public,
            }
        return result


def statuses(operation: Operation) -> list[int]:
    """The 4xx statuses an operation can answer: from its access, its parameters and its method."""
    permit = permit_of(operation.view_func)
    found = {400, 404}  # bad bytes anywhere; an unknown path, or a record the caller may not see
    if operation.auth_callbacks or (permit is not None and not permit.public):
        found |= {401, 403}
    if any(method != "GET" for method in operation.methods):
        found |= {403, 409, 422}  # a write: refused by a rule, a bad value, a cross-site request
    if operation.models:
        found.add(422)
    if operation.throttle_objects or operation.throttle_param:
        found.add(429)
    return sorted(found)


class KolkAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return KolkSchema(self, path_prefix)


api = KolkAPI(
    title="kolk API",
    version="1",
    description="The API of kolk, the customer platform of DNK. The privacy register is public.",
    urls_namespace="api",
)
api.add_router("/privacy/", privacy_router)
api.add_router("/billing/", billing_router)
api.add_router("/comms/", comms_router)
api.add_router("/library/", library_router)
api.add_router("/boxoffice/", boxoffice_router)
api.add_router("/boxoffice/", season_router)


def refusal(request: HttpRequest, exc: KolkError) -> HttpResponse:
    return api.create_response(request, error_payload(exc), status=exc.status)


@api.exception_handler(KolkError)
def kolk_error(request: HttpRequest, exc: KolkError) -> HttpResponse:
    return refusal(request, exc)


@api.exception_handler(ValidationError)
def django_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return refusal(request, invalid_from(exc))


@api.exception_handler(NinjaValidationError)
def schema_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """A parameter or body that does not fit the operation's schema: each field with what is wrong."""
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        source, *location = [str(part) for part in error.get("loc", ())] or ["body"]
        if source in ("body", "form") and len(location) > 1:
            location = location[1:]  # the handler's parameter name says nothing to the caller
        fields.setdefault(".".join(location) or "__all__", []).append(str(error.get("msg", "")))
    message = _("Controleer de invoer: %(fields)s.") % {"fields": ", ".join(fields)}
    return refusal(request, Invalid(message, fields=fields))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return refusal(request, NotFound())


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return refusal(request, NotAllowed(_("Dit hoort niet bij jouw rol.")))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Django-ninja's own refusals: no login (401), a throttle (429), a CSRF check (403)."""
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        return refusal(request, NotSignedIn(_("Log eerst in.")))
    if isinstance(exc, Throttled):
        return refusal(request, TooMany(_("Te veel verzoeken achter elkaar; probeer het later nog eens.")))
    if exc.status_code == 403:
        return refusal(request, NotAllowed(_("De beveiligingscode van het formulier ontbreekt.")))
    error = KolkError(str(exc), code=f"http_{exc.status_code}")
    error.status = exc.status_code
    return refusal(request, error)


@api.exception_handler(MultiPartParserError)
def malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A body that claims to be multipart but is not (no boundary, cut short) is the client's error."""
    return refusal(request, BadRequest(_("De inhoud van het verzoek is onleesbaar.")))


@api.exception_handler(OverflowError)
def number_too_large(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """A number past what the database holds (an id of 30 digits) is the client's error, not a crash.

    PostgreSQL's lookups refuse it themselves; SQLite's driver raises this.
    """
    return refusal(request, BadRequest(_("Een getal in het verzoek is te groot.")))
