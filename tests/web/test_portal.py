"""The member portal: roles, my details, my consents and objections, download, reaching others' records."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from kolk.core.clock import now, today
from kolk.core.roles import Role
from kolk.people.models import Person
from kolk.people.services import family_relation_add
from kolk.privacy.access import values_of
from kolk.privacy.audit import pseudonym
from kolk.privacy.ledger import consent_record, has_consent, is_objecting, objection_record
from kolk.privacy.models import AuditEntry, PrivacyChoice
from kolk.privacy.register import get_register
from kolk.web import portal
from kolk.web.models import PortalEvent
from kolk.web.portal import owned_or_404, register_section, sections
from kolk.web.services import portal_details_change, portal_event_record
from tests.factories import PersonFactory, UserFactory
from tests.web.factories import member

pytestmark = pytest.mark.django_db
PAGES = ["web:portal", "web:portal_details", "web:portal_choices", "web:portal_activity"]


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """These tests log in with force_login; Argon2 itself is tested in test_login."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lid(client):
    user = member()
    client.force_login(user)
    return user


@pytest.mark.parametrize("name", [*PAGES, "web:portal_access"])
def test_anonymous_visitors_are_sent_to_the_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('web:login')}?next={reverse(name)}"


@pytest.mark.parametrize("name", [*PAGES, "web:portal_access"])
def test_staff_without_a_person_are_refused(client, name):
    client.force_login(UserFactory(roles=[Role.DESK]))
    response = client.get(reverse(name))
    assert response.status_code == 403
    assert "Geen toegang" in response.content.decode()


def test_a_person_without_the_member_role_is_refused(client):
    user = member()
    user.groups.clear()
    client.force_login(user)
    assert client.get(reverse("web:portal")).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_every_portal_page_opens_for_a_member(client, lid, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("web:portal_details") in html  # the menu of sections
    assert lid.person.given_name in html or name != "web:portal"


@pytest.mark.parametrize("name", PAGES)
def test_every_portal_page_in_english(client, lid, name):
    response = client.get("/en" + reverse(name))
    assert response.status_code == 200
    assert 'lang="en"' in response.content.decode()


def test_without_the_portal_consent_only_the_consent_page_opens(client):
    user = member(consent=False)
    client.force_login(user)
    assert client.get(reverse("web:portal_details"))["Location"] == reverse("web:portal_access")
    page = client.get(reverse("web:portal_access")).content.decode()
    assert get_register().consent_texts["website_access"].text.nl in page
    response = client.post(
        reverse("web:portal_choice_change"), {"kind": "consent", "purpose": "website_access", "value": "1"}
    )
    assert response["Location"] == reverse("web:portal")
    assert has_consent(user.person, "website_access")
    assert client.get(reverse("web:portal_details")).status_code == 200


def _details(person, **changes):
    data = {
        "given_name": person.given_name,
        "surname_prefix": person.surname_prefix,
        "surname": person.surname,
        "street": person.street,
        "house_number": person.house_number or "",
        "house_number_suffix": person.house_number_suffix,
        "postcode": person.postcode,
        "town": person.town,
        "emails": "\n".join(person.emails.values_list("address", flat=True)),
        "phones": "",
    }
    data.update(changes)
    return data


def test_changing_my_details(client, lid):
    person = lid.person
    data = _details(
        person, street="Brink", postcode="9401hs", emails="nieuw@example.nl\nlid@example.nl", phones="06 12345678"
    )
    response = client.post(reverse("web:portal_details"), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.street, person.postcode) == ("Brink", "9401 HS")
    assert list(person.emails.order_by("-is_primary", "id").values_list("address", flat=True)) == [
        "nieuw@example.nl",
        "lid@example.nl",
    ]
    assert list(person.phones.values_list("number", flat=True)) == ["+31612345678"]
    event = PortalEvent.objects.get(person=person, action="details_changed")
    entry = AuditEntry.objects.get(action="portal.details_changed")
    assert entry.details["fields"] == ["street", "postcode", "emails", "phones"]
    assert entry.subject_ref == pseudonym(person)
    assert entry.details["event"] == event.pk
    assert "Je gegevens zijn opgeslagen." in client.get(reverse("web:portal_details")).content.decode()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "12345", "geen geldige postcode"),
        ("emails", "lid@example.nl\ngeen-adres", "&#x27;geen-adres&#x27; is geen geldig e-mailadres."),
        ("phones", "12", "geen geldig telefoonnummer"),
        ("surname", "", "Dit veld is verplicht."),
        ("house_number", "-3", "minstens 1"),
    ],
)
def test_bad_details_get_a_clear_message_and_nothing_is_written(client, lid, field, value, message):
    person = lid.person
    before = Person.objects.filter(pk=person.pk).values().get()
    entries = AuditEntry.objects.count()
    response = client.post(reverse("web:portal_details"), _details(person, street="Anders", **{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Person.objects.filter(pk=person.pk).values().get() == before
    assert AuditEntry.objects.count() == entries
    assert not PortalEvent.objects.filter(action="details_changed").exists()


def test_the_service_writes_nothing_when_a_later_part_fails(lid):
    person = lid.person
    with pytest.raises(ValidationError):
        portal_details_change(
            person=person, values={"street": "Anders"}, emails=["x@"], phones=[], ip_address=None, actor=lid
        )
    person.refresh_from_db()
    assert person.street == "Weiersstraat"
    assert list(person.emails.values_list("address", flat=True)) == ["lid@example.nl"]


def _change(client, **data):
    return client.post(reverse("web:portal_choice_change"), data)


def test_the_consents_page_shows_the_exact_consent_text(client, lid):
    html = client.get(reverse("web:portal_choices")).content.decode()
    assert get_register().consent_texts["notices_advice"].text.nl in html
    assert 'id="consent-notices_advice" data-state="off"' in html
    html = client.get("/en" + reverse("web:portal_choices")).content.decode()
    assert get_register().consent_texts["notices_advice"].text.en in html


def test_giving_and_withdrawing_a_consent_in_one_click(client, lid):
    person = lid.person
    assert _change(client, kind="consent", purpose="notices_advice", value="1")["Location"] == reverse(
        "web:portal_choices"
    )
    assert has_consent(person, "notices_advice")
    choice = PrivacyChoice.objects.filter(subject=person, purpose="notices_advice").latest("id")
    assert (choice.method, choice.text_version) == (
        "web",
        get_register().consent_texts["notices_advice"].version_tag("nl"),
    )
    _change(client, kind="consent", purpose="notices_advice", value="0")
    assert not has_consent(person, "notices_advice")
    actions = list(PortalEvent.objects.filter(person=person).values_list("action", flat=True).order_by("id"))
    assert actions == ["consent_given", "consent_withdrawn"]
    assert AuditEntry.objects.filter(action="portal.consent_withdrawn").exists()
    assert AuditEntry.objects.filter(action="consent.withdrawn").exists()


def test_htmx_gets_the_updated_panel(client, lid):
    response = client.post(
        reverse("web:portal_choice_change"),
        {"kind": "consent", "purpose": "notices_advice", "value": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<div id="choices"')
    assert 'id="consent-notices_advice" data-state="on"' in html
    assert "Je keuze is vastgelegd." in html


def test_objecting_to_offers_per_channel(client, lid):
    person = lid.person
    html = client.get(reverse("web:portal_choices")).content.decode()
    for channel in ("post", "email", "phone"):
        assert f'id="objection-offers-{channel}" data-state="off"' in html
    _change(client, kind="objection", purpose="offers", channel="phone", value="1")
    assert is_objecting(person, "offers", "phone")
    assert not is_objecting(person, "offers", "email")
    html = client.get(reverse("web:portal_choices")).content.decode()
    assert 'id="objection-offers-phone" data-state="on"' in html
    _change(client, kind="objection", purpose="offers", channel="phone", value="0")
    assert not is_objecting(person, "offers", "phone")


def test_withdrawing_one_channel_of_an_objection_for_all_channels(client, lid):
    person = lid.person
    objection_record(subject=person, purpose="offers", objects=True, method="desk", actor=None)
    html = client.get(reverse("web:portal_choices")).content.decode()
    assert 'id="objection-offers-email" data-state="on"' in html
    _change(client, kind="objection", purpose="offers", channel="email", value="0")
    assert not is_objecting(person, "offers", "email")
    assert is_objecting(person, "offers", "post")
    assert is_objecting(person, "offers", "phone")


def test_objecting_to_the_newsletter_and_profiling(client, lid):
    _change(client, kind="objection", purpose="newsletter", value="1")
    _change(client, kind="objection", purpose="direct_marketing", value="1")
    assert is_objecting(lid.person, "newsletter")
    assert is_objecting(lid.person, "direct_marketing")


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "consent", "purpose": "offers", "value": "1"},
        {"kind": "objection", "purpose": "loan_administration", "value": "1"},
        {"kind": "objection", "purpose": "offers", "channel": "fax", "value": "1"},
        {"kind": "objection", "purpose": "newsletter", "channel": "post", "value": "1"},
        {"kind": "other", "purpose": "offers", "value": "1"},
    ],
)
def test_choices_the_portal_does_not_offer_are_refused(client, lid, data):
    assert _change(client, **data).status_code == 400
    assert not PrivacyChoice.objects.filter(subject=lid.person).exclude(purpose="website_access").exists()


def test_a_child_cannot_consent_alone(client):
    user = member(consent=False, date_of_birth=today() - dt.timedelta(days=365 * 12))
    guardian = PersonFactory()
    family_relation_add(person=user.person, relative=guardian, kind="guardian", actor=None)
    consent_record(
        subject=user.person, purpose="website_access", given=True, method="desk", given_by=guardian, actor=None
    )
    client.force_login(user)
    response = client.post(
        reverse("web:portal_choice_change"), {"kind": "consent", "purpose": "notices_advice", "value": "1"}, follow=True
    )
    assert "ouder of voogd" in response.content.decode()
    assert not has_consent(user.person, "notices_advice")


def test_withdrawing_the_portal_consent_closes_the_portal(client, lid):
    _change(client, kind="consent", purpose="website_access", value="0")
    assert client.get(reverse("web:portal_choices"))["Location"] == reverse("web:portal_access")


def test_download_my_data(client, lid):
    person = lid.person
    _change(client, kind="consent", purpose="notices_advice", value="1")
    response = client.get(reverse("web:portal_download", kwargs={"person_id": person.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)  # the access package (art. 15/20): per category, with its data
    held = {c["category"]: [value for *_, value in values_of(c)] for c in data["categories"]}
    assert person.surname in held["name"]
    assert "lid@example.nl" in held["email"]
    assert "notices_advice" in data["choices"]["consents"]
    assert PortalEvent.objects.filter(person=person, action="download").exists()


def test_another_members_record_by_changing_the_id_is_404_and_logged(client, lid):
    other = member(username="ander")
    response = client.get(reverse("web:portal_download", kwargs={"person_id": other.person.pk}))
    assert response.status_code == 404
    assert other.person.surname.encode() not in response.content
    event = PortalEvent.objects.get(action="denied")
    assert event.person == lid.person
    entry = AuditEntry.objects.get(action="portal.denied")
    target = pseudonym(label="people.person", pk=str(other.person.pk))
    assert entry.details == {"event": event.pk, "model": "people.person", "target": target}
    assert entry.subject_ref == pseudonym(lid.person)


def test_owned_or_404_for_records_that_belong_to_a_person(rf, lid):
    other = member(username="ander")
    mine = portal_event_record(person=lid.person, action="login", ip_address=None, actor=lid)
    theirs = portal_event_record(person=other.person, action="login", ip_address=None, actor=other)
    request = rf.get("/")
    request.user = lid
    assert owned_or_404(request, lid.person, PortalEvent.objects.all(), mine.pk) == mine
    with pytest.raises(Http404):
        owned_or_404(request, lid.person, PortalEvent.objects.all(), theirs.pk)
    assert AuditEntry.objects.filter(action="portal.denied", details__model="web.portalevent").count() == 1


def test_other_apps_add_portal_sections(client, lid):
    register_section("zz-test", "Testsectie", "web:privacy", order=999)
    try:
        assert sections()[-1].key == "zz-test"
        assert "Testsectie" in client.get(reverse("web:portal")).content.decode()
    finally:
        del portal._sections["zz-test"]


@pytest.mark.parametrize("name", PAGES)
def test_portal_pages_use_a_bounded_number_of_queries(client, lid, name, django_assert_max_num_queries):
    """Each page is served whole within the bound: a refusal or an error page is cheap and proves nothing."""
    # The first page reads today's loans, reservations, open amount and tickets: a few more, still a bound.
    with django_assert_max_num_queries(16 if name == "web:portal" else 12):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert reverse("web:portal_details") in response.content.decode()  # the member's menu of sections


def test_objections_are_named_as_in_the_statement(client, lid):
    html = client.get(reverse("web:portal_choices")).content.decode()
    for title in ("Nieuwsbrief", "Profilering", "Aanbiedingen en nieuwe producten of diensten per telefoon"):
        assert title in html


def test_a_field_error_is_tied_to_its_input(client, lid):
    html = client.post(reverse("web:portal_details"), _details(lid.person, postcode="12")).content.decode()
    assert 'aria-describedby="id_postcode_error"' in html
    assert 'id="id_postcode_error"' in html
    assert 'aria-invalid="true"' in html


def test_portal_events_go_with_the_portal_rule_and_cookie_choices_after_a_year(lid, monkeypatch):
    import datetime as dt

    from django.db.models import DateField, F, Value

    from kolk.privacy import registry, retention
    from kolk.web.models import CookieChoice, PortalEvent

    other = member(username="ander")
    portal_event_record(person=lid.person, action="login", ip_address="192.0.2.1", actor=lid)
    portal_event_record(person=other.person, action="login", ip_address=None, actor=other)
    # A stand-in for the library's subscription_ended: only `lid`'s ended, six years ago.
    monkeypatch.setattr(registry.registrations, "events", {})
    registry.register_event(
        "subscription_ended",
        lambda: (
            PortalEvent.objects.filter(person=lid.person)
            .values(subject_id=F("person_id"))
            .annotate(event_date=Value(today() - dt.timedelta(days=365 * 6), output_field=DateField()))
            .distinct()
        ),
    )
    CookieChoice.objects.create(
        visitor_id="a" * 32, notice_version=1, analytics=False, social=False, chosen_at=now() - dt.timedelta(days=400)
    )
    CookieChoice.objects.create(visitor_id="b" * 32, notice_version=1, analytics=True, social=False, chosen_at=now())
    retention.retention_run(actor=None)
    assert list(PortalEvent.objects.values_list("person_id", flat=True)) == [other.person.pk]
    assert list(CookieChoice.objects.values_list("visitor_id", flat=True)) == ["b" * 32]


def test_portal_pages_are_not_cached_and_renew_the_idle_timeout(client, lid, settings):
    settings.KOLK_PORTAL_IDLE_SECONDS = 600
    response = client.get(reverse("web:portal_details"))
    assert "no-store" in response["Cache-Control"]
    assert client.session.get_expiry_age() == 600


def test_the_ip_address_behind_a_proxy(client, lid, settings):
    settings.KOLK_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    client.post(
        reverse("web:portal_choice_change"),
        {"kind": "objection", "purpose": "newsletter", "value": "1"},
        headers={"X-Real-IP": "198.51.100.7"},
    )
    assert PortalEvent.objects.get(action="objection_made").ip_address == "198.51.100.7"
    client.post(
        reverse("web:portal_choice_change"),
        {"kind": "objection", "purpose": "newsletter", "value": "0"},
        headers={"X-Real-IP": "not-an-address"},
    )
    assert PortalEvent.objects.get(action="objection_withdrawn").ip_address is None
    settings.KOLK_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    client.post(
        reverse("web:portal_choice_change"),
        {"kind": "objection", "purpose": "direct_marketing", "value": "1"},
        headers={"X-Forwarded-For": "10.6.6.6, 198.51.100.8"},  # the client wrote the first
    )
    assert PortalEvent.objects.order_by("-id").first().ip_address == "198.51.100.8"


def test_my_activity_shows_what_was_recorded(client, lid):
    client.post(reverse("web:portal_choice_change"), {"kind": "objection", "purpose": "newsletter", "value": "1"})
    html = client.get(reverse("web:portal_activity")).content.decode()
    assert "bezwaar gemaakt" in html
    assert "127.0.0.1" in html
    other = member(username="ander")
    portal_event_record(person=other.person, action="download", ip_address="203.0.113.9", actor=other)
    assert "203.0.113.9" not in client.get(reverse("web:portal_activity")).content.decode()
