"""Front-end libraries come from npm (package.json), are served by kolk, and none is copied into the tree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.test import RequestFactory

from tests.browser import axe_findings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["vendor/htmx/htmx.min.js", "vendor/jsqr/jsQR.js"])
def test_each_library_is_served_from_the_npm_install(path):
    found = finders.find(path)
    assert found, f"{path}: run `make install`"
    assert "node_modules" in Path(found).parts


def test_the_served_versions_are_the_locked_ones():
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    for name in ("htmx.org", "jsqr", "axe-core"):
        installed = json.loads((ROOT / "node_modules" / name / "package.json").read_text())["version"]
        assert installed == lock[f"node_modules/{name}"]["version"], name


def test_no_library_is_copied_into_kolks_own_static_files():
    names = {p.name.lower() for p in (ROOT / "src" / "kolk").glob("*/static/**/*.js")}
    assert not {n for n in names if n.startswith(("htmx", "jsqr", "axe"))}


@pytest.mark.django_db
def test_pages_load_htmx_from_kolk_itself():
    request = RequestFactory().get("/")
    html = render_to_string("web/home.html", request=request)
    assert '/static/vendor/htmx/htmx.min.js"' in html
    sources = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    assert sources
    assert all(src.startswith("/static/") for src in sources), sources


@pytest.mark.browser
def test_axe_reports_what_it_finds_under_the_sites_csp(page):
    """The accessibility helper works on a page with kolk's CSP (no inline script allowed)."""
    page.set_content(
        '<html lang="nl"><head><meta http-equiv="Content-Security-Policy" content="script-src \'self\'">'
        "<title>t</title></head><body><main><button></button></main></body></html>"
    )
    assert any(f.startswith("button-name") for f in axe_findings(page))


def test_every_static_file_a_template_names_is_there():
    """A page that names a static file kolk does not serve loses its script or style without a word."""
    named = set()
    for template in (ROOT / "src" / "kolk").glob("*/templates/**/*.html"):
        named |= set(re.findall(r"""\{%\s*static\s+['"]([^'"]+)['"]\s*%\}""", template.read_text()))
    assert "vendor/htmx/htmx.min.js" in named
    missing = sorted(path for path in named if not finders.find(path))
    assert not missing, f"templates name static files that are not there: {missing}"
