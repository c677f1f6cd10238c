"""Template tags of the site: analytics and share buttons, each only after consent (W02, W03);
a form field linked to its error and help text."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import template
from django.conf import settings

from kolk.core.templatetags.kolk_forms import described
from kolk.web.cookies import cookie_consent

register = template.Library()


register.filter("described", described)  # the site's templates load it with the rest


SHARE_LINKS = (
    ("Facebook", "https://www.facebook.com/sharer/sharer.php?u={url}"),
    ("X (Twitter)", "https://twitter.com/intent/tweet?url={url}&text={title}"),
    ("LinkedIn", "https://www.linkedin.com/sharing/share-offsite/?url={url}"),
)


@register.inclusion_tag("web/tags/analytics.html", takes_context=True)
def analytics(context: dict[str, Any]) -> dict[str, Any]:
    """The Google Analytics loader, only with analytics consent and a measurement id (W03)."""
    request = context.get("request")
    measurement_id = settings.KOLK_GA_MEASUREMENT_ID
    enabled = bool(measurement_id and request is not None and cookie_consent(request).analytics)
    return {"enabled": enabled, "measurement_id": measurement_id}


@register.inclusion_tag("web/tags/share.html", takes_context=True)
def share_buttons(context: dict[str, Any], url: str, title: str = "") -> dict[str, Any]:
    """Share links that load nothing from a network; its own button only after social consent (W02)."""
    request = context["request"]
    absolute = request.build_absolute_uri(url)
    links = [(name, pattern.format(url=quote(absolute, safe=""), title=quote(title))) for name, pattern in SHARE_LINKS]
    return {
        "links": links,
        "social": cookie_consent(request).social,
        "facebook_like": "https://www.facebook.com/plugins/like.php?layout=button&href=" + quote(absolute, safe=""),
    }
