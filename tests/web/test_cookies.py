"""The cookie notice (W01), analytics only after consent (W03), share buttons (W02), no location (W04)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from kolk.privacy.models import AuditEntry
from kolk.web.cookies import CHOICE_COOKIE, VISITOR_COOKIE
from kolk.web.models import CookieChoice

pytestmark = pytest.mark.django_db
WEB = Path(__file__).resolve().parents[2] / "src" / "kolk"
NECESSARY = {"csrftoken", "sessionid", VISITOR_COOKIE, CHOICE_COOKIE}


def _choose(client, choice, **extra):
    return client.post(reverse("web:cookies"), {"choice": choice, "next": "/", **extra})


def test_first_visit_shows_the_notice_with_reject_as_easy_as_accept(client):
    response = client.get("/")
    html = response.content.decode()
    assert 'id="cookie-notice"' in html
    notice = html.split('id="cookie-notice"')[1].split("</section>")[0]
    buttons = re.findall(r'<button type="submit" class="([^"]+)" name="choice" value="(\w+)">', notice)
    assert buttons == [("button", "reject"), ("button", "accept")]  # same look, reject first
    assert "checked" not in notice  # nothing pre-ticked
    assert set(response.cookies) <= {"csrftoken"}


def test_rejecting_stores_the_choice_and_hides_the_notice(client):
    response = _choose(client, "reject")
    assert response.status_code == 302
    assert response["Location"] == "/"
    choice = CookieChoice.objects.get()
    assert (choice.analytics, choice.social, choice.notice_version) == (False, False, 1)
    assert client.cookies[VISITOR_COOKIE].value == choice.visitor_id
    assert set(response.cookies) <= NECESSARY
    assert client.cookies[CHOICE_COOKIE]["httponly"]
    assert 'id="cookie-notice"' not in client.get("/").content.decode()
    assert AuditEntry.objects.filter(action="cookies.chosen", details__choice=choice.pk).exists()


def test_the_same_visitor_keeps_its_id_when_changing_the_choice(client):
    _choose(client, "reject")
    _choose(client, "accept")
    first, second = CookieChoice.objects.order_by("id")
    assert first.visitor_id == second.visitor_id
    assert (second.analytics, second.social) == (True, True)


def test_a_custom_choice_on_the_cookie_page(client):
    page = client.get(reverse("web:cookies")).content.decode()
    assert 'id="cookie-notice"' not in page
    assert not re.search(r'name="(analytics|social)"[^>]*checked', page)
    _choose(client, "save", analytics="on")
    choice = CookieChoice.objects.get()
    assert (choice.analytics, choice.social) == (True, False)
    page = client.get(reverse("web:cookies")).content.decode()
    assert re.search(r'name="analytics"[^>]*checked', page)
    assert not re.search(r'name="social"[^>]*checked', page)


def test_raising_the_notice_version_asks_again(client, settings):
    _choose(client, "accept")
    assert 'id="cookie-notice"' not in client.get("/").content.decode()
    settings.KOLK_COOKIE_NOTICE_VERSION = 2
    assert 'id="cookie-notice"' in client.get("/").content.decode()
    _choose(client, "reject")
    assert CookieChoice.objects.order_by("-id").first().notice_version == 2


def test_a_forged_choice_cookie_counts_as_no_choice(client):
    client.cookies[CHOICE_COOKIE] = "1:analytics,social"
    assert 'id="cookie-notice"' in client.get("/").content.decode()


def test_next_must_stay_on_the_site(client):
    response = _choose(client, "reject", next="https://evil.example/")
    assert response["Location"] == reverse("web:cookies")


def test_analytics_only_after_consent_and_only_with_a_measurement_id(client, settings):
    settings.KOLK_GA_MEASUREMENT_ID = "G-TEST123"
    assert "data-ga-id" not in client.get("/").content.decode()
    _choose(client, "reject")
    assert "data-ga-id" not in client.get("/").content.decode()
    _choose(client, "save", social="on")
    assert "data-ga-id" not in client.get("/").content.decode()
    _choose(client, "accept")
    assert 'data-ga-id="G-TEST123"' in client.get("/").content.decode()
    settings.KOLK_GA_MEASUREMENT_ID = ""
    assert "analytics.js" not in client.get("/").content.decode()


def test_the_analytics_tag_is_configured_privacy_friendly():
    script = (WEB / "web" / "static" / "web" / "analytics.js").read_text()
    for setting in ("anonymize_ip: true", "allow_google_signals: false", "allow_ad_personalization_signals: false"):
        assert setting in script
    assert 'ad_storage: "denied"' in script


def test_share_buttons_load_nothing_from_a_network_before_social_consent(client):
    html = client.get("/").content.decode()
    assert "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Ftestserver%2F" in html
    assert "<iframe" not in html
    assert not re.search(r'<(script|img|iframe|link)[^>]+(src|href)="https?://(?!testserver)', html)
    _choose(client, "save", social="on")
    assert (
        '<iframe class="share-frame" src="https://www.facebook.com/plugins/like.php' in client.get("/").content.decode()
    )


def test_the_english_cookie_page(client):
    response = client.get("/en/cookies")
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_no_location_data_anywhere_in_the_code():
    """W04: no geolocation call, no IP-to-place lookup, in templates, static files or Python."""
    forbidden = re.compile(
        r"navigator\.geolocation|getCurrentPosition|watchPosition|geoip|GeoIP|ipinfo\.io|ip-api\.com|ipapi", re.I
    )
    hits = []
    for path in WEB.rglob("*"):
        code = path.suffix in {".html", ".js", ".css", ".py", ".txt", ".md"} and "migrations" not in path.parts
        if code and forbidden.search(path.read_text(errors="ignore")):
            hits.append(str(path.relative_to(WEB)))
    assert hits == []
