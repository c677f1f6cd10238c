"""Invisible characters (bidi controls, zero-width and other format characters, controls) in the site's forms.

Every free-text field of the public and portal forms refuses them with a message
next to the field: never a 500, and nothing is written.
"""

from __future__ import annotations

import html
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from kolk.boxoffice.models import Order
from kolk.comms.models import ContactCase, NewsletterSubscription
from kolk.core.models import Throttle
from kolk.core.validators import no_control_characters, no_control_characters_in_text
from kolk.people.models import EmailAddress, Person, PhoneNumber
from kolk.privacy.models import AuditEntry
from kolk.web.models import PasswordResetRequest, PortalEvent
from tests.boxoffice import factories as boxoffice
from tests.web.factories import member

MESSAGE = "Gebruik geen onzichtbare of stuurtekens."

# Bidi embeddings, overrides, isolates and marks; zero-width space, joiners and
# word joiner; soft hyphen, BOM, a tag character; line and paragraph separators;
# the Hangul and braille blanks; C1 controls. (C0 controls and DEL never reach a
# form: kolk.core.edge refuses the whole request with a 400.)
SAMPLES = [
    *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
    *"\u200b\u200c\u200d\u2060\u00ad\ufeff\U000e0041\u2028\u2029",
    *"\u3164\u115f\u1160\uffa0\u2800",
    *"\x85\x9b",
]
invisible = st.sampled_from(SAMPLES) | st.characters(
    categories=["Cf", "Cc", "Zl", "Zp"], exclude_characters="".join(map(chr, [*range(0x20), 0x7F]))
)


@st.composite
def with_invisible(draw: st.DrawFn, value: str) -> str:
    """`value` with one or more invisible characters inside it.

    Inside, not at an end: a form field strips white space from its ends, and
    some of these (U+2028, U+0085) count as white space there.
    """
    chars = draw(st.lists(invisible, min_size=1, max_size=3))
    for ch in chars:
        at = draw(st.integers(min_value=1, max_value=len(value) - 1))
        value = value[:at] + ch + value[at:]
    return value


def _error_of(page: str, field: str) -> str:
    """The message shown next to one input (the span tied to it by id)."""
    match = re.search(rf'<span class="errorlist" id="id_{field}_error">(.*?)</span>', page, re.S)
    return html.unescape(match.group(1)) if match else ""


@pytest.mark.parametrize("ch", [*SAMPLES, "\x00", "\x01", "\x1b", "\x7f"])
def test_the_validator_refuses_each_invisible_character(ch):
    with pytest.raises(ValidationError) as caught:
        no_control_characters(f"Jan{ch}sen")
    assert caught.value.messages == [MESSAGE]
    with pytest.raises(ValidationError):
        no_control_characters_in_text(f"Eerste regel\nJan{ch}sen")


@pytest.mark.parametrize("text", ["Jan Jansen", "Zoë Çelik-Ünal", "Nguyễn Văn An", "مهدی", "Łukasz\tNowak", "👍🏽"])
def test_the_validator_lets_real_names_through(text):
    no_control_characters(text)
    no_control_characters_in_text(f"{text}\r\nTweede regel\n")


def test_a_line_break_is_refused_on_one_line_but_fine_in_a_text():
    with pytest.raises(ValidationError):
        no_control_characters("Jan\nJansen")
    no_control_characters_in_text("Jan\nJansen")


DETAILS_TEXT = ["given_name", "surname_prefix", "surname", "street", "house_number_suffix", "town", "emails", "phones"]


class TestDetailsForm(TestCase):
    """The portal's 'Mijn gegevens': bidi and zero-width characters used to crash its clean() (a 500)."""

    def _login(self) -> None:
        """Per example: each runs in a transaction of its own, rolled back after it."""
        user = member(emails=["lid@example.nl"], phones=["0612345678"])
        self.client.force_login(user)
        self.person = user.person

    def _data(self) -> dict[str, str]:
        """Fixed values (the factory's names are random): the same draws give the same example."""
        return {
            "given_name": "Janna",
            "surname_prefix": "van",
            "surname": "Dijk",
            "street": "Weiersstraat",
            "house_number": "12",
            "house_number_suffix": "bis",
            "postcode": "9401 ET",
            "town": "Assen",
            "emails": "lid@example.nl",
            "phones": "06 12345678",
        }

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(field=st.sampled_from(DETAILS_TEXT), data=st.data())
    @example(field="surname", data=None)
    def test_refused_next_to_the_field_and_nothing_written(self, field: str, data: st.DataObject | None) -> None:
        self._login()
        values = self._data()
        values[field] = data.draw(with_invisible(values[field])) if data else "Jan\u202esen"
        before = (
            Person.objects.filter(pk=self.person.pk).values().get(),
            list(EmailAddress.objects.values_list("address", flat=True)),
            list(PhoneNumber.objects.values_list("number", flat=True)),
            AuditEntry.objects.count(),
            PortalEvent.objects.count(),
        )
        response = self.client.post(reverse("web:portal_details"), values)
        assert response.status_code == 400
        page = response.content.decode()
        assert MESSAGE in _error_of(page, field)
        assert 'aria-invalid="true"' in page
        after = (
            Person.objects.filter(pk=self.person.pk).values().get(),
            list(EmailAddress.objects.values_list("address", flat=True)),
            list(PhoneNumber.objects.values_list("number", flat=True)),
            AuditEntry.objects.count(),
            PortalEvent.objects.count(),
        )
        assert after == before

    def test_the_form_still_saves_clean_values(self) -> None:
        self._login()
        values = {**self._data(), "street": "Brink", "emails": "lid@example.nl\r\nwerk@example.nl"}
        assert self.client.post(reverse("web:portal_details"), values).status_code == 302
        self.person.refresh_from_db()
        assert self.person.street == "Brink"
        assert set(self.person.emails.values_list("address", flat=True)) == {"lid@example.nl", "werk@example.nl"}


CONTACT = {"name": "Anna de Vries", "email": "anna@example.nl", "number": "", "question": "Wanneer zijn jullie open?"}


class TestPublicForms(TestCase):
    """The contact form and the newsletter sign-up, for anyone."""

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(field=st.sampled_from(["name", "email", "number", "question"]), data=st.data())
    @example(field="question", data=None)
    def test_contact_form(self, field: str, data: st.DataObject | None) -> None:
        cache.clear()  # the per-address post limit
        values = dict(CONTACT)
        values[field] = data.draw(with_invisible(values[field] or "123")) if data else "Mijn naam is \u202eanna"
        response = self.client.post(reverse("web:contact"), values)
        assert response.status_code < 500
        assert response.status_code != 302
        assert MESSAGE in _error_of(response.content.decode(), field)
        assert not ContactCase.objects.exists()

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(address=with_invisible("lezer@example.nl"))
    def test_newsletter(self, address: str) -> None:
        cache.clear()
        response = self.client.post(reverse("web:newsletter"), {"email": address})
        assert response.status_code < 500
        assert MESSAGE in _error_of(response.content.decode(), "email")
        assert not NewsletterSubscription.objects.exists()

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(address=with_invisible("lid@example.nl"))
    def test_password_reset(self, address: str) -> None:
        member(emails=["lid@example.nl"])
        response = self.client.post(reverse("web:password_reset"), {"email": address})
        assert response.status_code == 200
        assert MESSAGE in _error_of(response.content.decode(), "email")
        assert not PasswordResetRequest.objects.exists()
        assert not Throttle.objects.exists()  # not even counted


class TestShopCheckout(TestCase):
    """The shop's checkout, for anyone holding seats: the buyer's name, address and phone."""

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(field=st.sampled_from(["buyer_name", "buyer_email", "buyer_phone"]), data=st.data())
    def test_checkout(self, field: str, data: st.DataObject) -> None:
        order = boxoffice.held(boxoffice.show(capacity=10), quantity=1)
        values = {"buyer_name": "Gea Gast", "buyer_email": "gea@example.nl", "buyer_phone": "0612345678"}
        values[field] = data.draw(with_invisible(values[field]))
        values[f"price_{order.tickets.get().pk}"] = "regular"
        response = self.client.post(reverse("web:shop:order", args=[order.token]), values)
        assert response.status_code < 500
        page = response.content.decode()
        error = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
        assert error is not None
        assert MESSAGE in html.unescape(error.group(1))
        order.refresh_from_db()
        assert (order.status, order.buyer_name, order.buyer_email) == (Order.Status.HELD, "", "")
