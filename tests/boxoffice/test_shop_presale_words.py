"""A show in its members' presale says so on its page before the buyer chooses seats: until when only
members buy (and, signed out, where a member logs in), or when the sale starts; nothing after it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Show
from kolk.boxoffice.services.presale import in_words
from kolk.core.clock import now
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode().replace("\u00a0", " ")


def test_the_show_page_says_the_presale_before_seats_are_chosen(client):
    show = f.show(seat_map="2x5", theatre=True, in_days=30)
    url = reverse("web:shop:show", args=[show.pk])
    assert 'id="presale"' not in text(client.get(url))
    public = now() + dt.timedelta(days=3)
    Show.objects.filter(pk=show.pk).update(public_from=public)
    page = text(client.get(url))
    # Before: nothing said it, until a buyer's seats were refused.
    assert f"Voorverkoop voor leden tot {in_words(public)}." in page
    assert f"{reverse('web:login')}?next={url}" in page
    Show.objects.filter(pk=show.pk).update(members_from=now() + dt.timedelta(days=1))
    assert "De verkoop begint op " in text(client.get(url))


def test_a_signed_in_member_is_not_asked_to_log_in(client):
    show = f.show(seat_map="2x5", theatre=True, in_days=30)
    Show.objects.filter(pk=show.pk).update(public_from=now() + dt.timedelta(days=3))
    user = UserFactory(roles=[Role.MEMBER], is_staff=False)
    user.person = PersonFactory(with_pass=True)
    user.save()
    client.force_login(user)
    page = text(client.get(reverse("web:shop:show", args=[show.pk])))
    assert "Voorverkoop voor leden tot " in page
    assert "Log in bij Mijn DNK" not in page
