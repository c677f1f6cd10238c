"""The programme's basket note is one sentence to translate, its link inside it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.boxoffice.test_basket_pages import basket_of_two, text

pytestmark = pytest.mark.django_db


def test_the_programme_says_in_one_sentence_where_the_basket_is(client):
    _play, _film, order = basket_of_two(client)
    page = text(client.get(reverse("web:shop:programme")))
    link = reverse("web:shop:order", args=[order.token])
    assert (
        f'Je hebt plaatsen in je winkelmand. Kies nog een voorstelling, of <a href="{link}">ga naar je winkelmand</a>.'
    ) in page
