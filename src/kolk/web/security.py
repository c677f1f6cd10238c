"""Security headers on every response: CSP, Permissions-Policy (X03, W04).

The Content-Security-Policy allows scripts, styles and connections from the
site itself only; no inline script runs. Third-party hosts enter the policy of
a response only when the visitor consented to their category: Google Analytics
with analytics consent (and a measurement id), Facebook's frame with social
consent. HSTS, nosniff and the referrer policy come from Django's
SecurityMiddleware (settings).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from kolk.web.cookies import cookie_consent

GA_HOSTS = "https://*.googletagmanager.com https://*.google-analytics.com https://*.analytics.google.com"
SOCIAL_FRAMES = "https://www.facebook.com"
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "geolocation",
        "camera",
        "microphone",
        "payment",
        "usb",
        "magnetometer",
        "gyroscope",
        "accelerometer",
        "browsing-topics",
        "interest-cohort",
    )
)


def content_security_policy(*, analytics: bool, social: bool) -> str:
    script = connect = img = "'self'"
    if analytics:
        script, connect, img = f"'self' {GA_HOSTS}", f"'self' {GA_HOSTS}", f"'self' {GA_HOSTS}"
    directives = {
        "default-src": "'self'",
        "script-src": script,
        "style-src": "'self'",
        "img-src": f"{img} data:",
        "connect-src": connect,
        "font-src": "'self'",
        "frame-src": SOCIAL_FRAMES if social else "'none'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        consent = cookie_consent(request)
        analytics = consent.analytics and bool(settings.KOLK_GA_MEASUREMENT_ID)
        response.headers.setdefault(
            "Content-Security-Policy", content_security_policy(analytics=analytics, social=consent.social)
        )
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
