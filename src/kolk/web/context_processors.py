"""What every page needs to know: the centre (from the register) and the cookie answer."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url

from kolk.privacy.register import get_register
from kolk.web.cookies import cookie_consent
from kolk.web.portal import sections


def site(request: HttpRequest) -> dict[str, Any]:
    register = get_register()
    return {
        "centre": register.controller,
        "statement_version": register.version,
        "cookie_consent": cookie_consent(request),
        "ga_measurement_id": settings.KOLK_GA_MEASUREMENT_ID,
        "portal_sections": sections(),
        # The language switch posts the page's Dutch path: Django's set_language resolves
        # `next` in the default language, so an /en/ path would not translate back.
        "switch_next": translate_url(request.get_full_path(), settings.LANGUAGE_CODE),
    }
