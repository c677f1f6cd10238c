"""The shop's pages show each message once, where the eye is: on the order page under its heading."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kolk.boxoffice.models import Order
from kolk.boxoffice.services.selling import order_checkout
from tests.boxoffice import factories as f

pytestmark = pytest.mark.django_db


def test_the_order_page_shows_a_message_once(client):
    show = f.show(seat_map="2x4", theatre=True)
    client.post(reverse("web:shop:show", args=[show.pk]), {"quantity": "1"})
    order = Order.objects.get()
    order_checkout(order=order, buyer_name="Gea Gast", buyer_email="gea@example.nl", actor=None)
    client.post(reverse("web:shop:order_code", args=[order.token]), {"code": "NIETBESTAAND"})
    page = client.get(reverse("web:shop:order", args=[order.token])).content.decode()
    assert page.count('class="messages"') == 1
    assert page.index('class="messages"') > page.index("<h1>")
    assert "Deze code kennen we niet" in page or page.count('<li class="error">') == 1


def test_a_show_page_shows_a_message_once(client):
    show = f.show(seat_map="1x4", theatre=True)
    client.post(reverse("web:shop:show", args=[show.pk]), {"quantity": "1"})
    order = Order.objects.get()
    back = client.post(reverse("web:shop:release", args=[order.token]))
    page = client.get(back["Location"]).content.decode()
    assert page.count("Je plaatsen zijn vrijgegeven") == 1
