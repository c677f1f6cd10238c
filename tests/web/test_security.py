"""Security headers (X03): CSP without inline scripts, Permissions-Policy, HSTS and secure cookies off DEBUG."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from kolk.web.cookies import CHOICE_COOKIE, VISITOR_COOKIE

pytestmark = pytest.mark.django_db
SOURCES = Path(__file__).resolve().parents[2] / "src" / "kolk"
TEMPLATES = SOURCES / "web" / "templates"


def _csp(response) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))


def test_every_page_carries_the_headers(client):
    response = client.get("/")
    csp = _csp(response)
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    assert csp["frame-src"] == "'none'"
    assert csp["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_third_party_hosts_enter_the_policy_only_with_consent(client, settings):
    settings.KOLK_GA_MEASUREMENT_ID = "G-TEST123"
    assert "google" not in client.get("/")["Content-Security-Policy"]
    client.post(reverse("web:cookies"), {"choice": "save", "analytics": "on"})
    csp = _csp(client.get("/"))
    assert "googletagmanager.com" in csp["script-src"]
    assert csp["frame-src"] == "'none'"
    client.post(reverse("web:cookies"), {"choice": "save", "social": "on"})
    csp = _csp(client.get("/"))
    assert "google" not in csp["script-src"]
    assert csp["frame-src"] == "https://www.facebook.com"


def page_templates() -> list[Path]:
    """Every page template of every app: mails (comms/mail) are read by mail clients, not under the CSP."""
    found = [p for p in SOURCES.glob("*/templates/**/*.html") if "mail" not in p.relative_to(SOURCES).parts]
    assert any(TEMPLATES in p.parents for p in found)
    assert len({p.relative_to(SOURCES).parts[0] for p in found}) >= 5  # web, desk, core, privacy, library, ...
    return found


def test_no_inline_script_style_or_event_handler_in_the_templates():
    for path in page_templates():
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path
        assert not re.search(r"\son[a-z]+=", text), path
        assert not re.search(r"\sstyle=", text), path


def test_hsts_when_served_over_tls(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    assert "Strict-Transport-Security" not in client.get("/")
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_the_choice_cookies_are_secure_when_the_session_cookie_is(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(reverse("web:cookies"), {"choice": "reject"}, secure=True)
    for name in (VISITOR_COOKIE, CHOICE_COOKIE):
        assert response.cookies[name]["secure"]
        assert response.cookies[name]["httponly"]
        assert response.cookies[name]["samesite"] == "Lax"


def test_production_settings_turn_on_hsts_and_secure_cookies():
    """Settings as production reads them (DEBUG off, real secrets)."""
    env = {
        **os.environ,
        "KOLK_DEBUG": "false",
        "KOLK_SECRET_KEY": "x" * 50,
        "KOLK_AUDIT_KEY": "y" * 50,
        "KOLK_FIELD_KEY": "z" * 50,
    }
    code = (
        "import json, kolk.settings as s; print(json.dumps({k: getattr(s, k) for k in "
        "['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', "
        "'SECURE_SSL_REDIRECT', 'SECURE_CONTENT_TYPE_NOSNIFF']}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    values = json.loads(out.stdout)
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
    }
