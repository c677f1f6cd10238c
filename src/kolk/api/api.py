"""The API object; each domain's router is added here."""

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from kolk.api.billing import router as billing_router
from kolk.api.boxoffice import router as boxoffice_router
from kolk.api.comms import router as comms_router
from kolk.api.library import router as library_router
from kolk.api.privacy import router as privacy_router

api = NinjaAPI(
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


@api.exception_handler(MultiPartParserError)
def malformed_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    """A body that claims to be multipart but is not (no boundary, cut short) is the client's error."""
    return api.create_response(request, {"detail": _("De inhoud van het verzoek is onleesbaar.")}, status=400)


@api.exception_handler(OverflowError)
def number_too_large(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    """A number past what the database holds (an id of 30 digits) is the client's error, not a crash.

    PostgreSQL's lookups refuse it themselves; SQLite's driver raises this.
    """
    return api.create_response(request, {"detail": _("Een getal in het verzoek is te groot.")}, status=400)
