"""Order tokens, ticket codes and Mollie payment ids have one shape each: a value of another
shape is unknown and never reaches the database (PostgreSQL refuses a NUL byte in a query)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kolk.boxoffice import selectors
from kolk.boxoffice.codes import is_order_token, is_ticket_code, order_token, ticket_code
from kolk.boxoffice.models import Order
from kolk.boxoffice.services import payments
from kolk.boxoffice.services.checkin import ticket_check_in
from kolk.boxoffice.services.selling import order_pay
from kolk.core.roles import Role
from tests.boxoffice import factories as f
from tests.boxoffice.mollie_replay import MollieReplay
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOT_A_TOKEN = ["\x00", "a" * 23 + "\x00", "\x00" + "a" * 23, "a" * 12 + "\x00" + "a" * 11, "a" * 23 + " ", "nope", ""]
NOT_A_MOLLIE_ID = ["tr_\x00", "tr_7UhSN1zuXS\x00", "\x00tr_7UhSN1zuXS", "tr_7UhSN 1zuXS", "tr_" + "a" * 62, "", "tr_"]


def test_what_kolk_makes_has_the_shape_it_looks_for():
    assert all(is_order_token(order_token()) for _ in range(200))
    assert all(is_ticket_code(ticket_code()) for _ in range(200))
    order = f.held(f.show(), quantity=2)
    assert is_order_token(order.token)
    assert all(is_ticket_code(code) for code in order.tickets.values_list("code", flat=True))


@pytest.mark.parametrize("token", NOT_A_TOKEN)
def test_an_order_token_of_another_shape_is_not_found_without_a_query(token, django_assert_num_queries):
    f.held(f.show(), quantity=1)
    with django_assert_num_queries(0):
        with pytest.raises(Order.DoesNotExist):
            selectors.order_by_token(token)
        with pytest.raises(Order.DoesNotExist):
            selectors.order_row(token)


def test_a_well_formed_token_is_looked_up():
    order = f.held(f.show(), quantity=1)
    assert selectors.order_by_token(order.token) == order
    assert selectors.order_row(order.token) == order
    with pytest.raises(Order.DoesNotExist):
        selectors.order_row(order_token())


@pytest.mark.parametrize("code", ["\x00", "a" * 15 + "\x00", "\x00" + "a" * 15, "a" * 8 + "\x00" + "a" * 7, "nope"])
def test_a_ticket_code_of_another_shape_is_unknown_at_the_door_without_reading_tickets(code):
    show = f.show()
    order_pay(order=f.checked_out(show, quantity=1), method="card", actor=None)
    staff = UserFactory(roles=[Role.BOX_OFFICE])
    with CaptureQueriesContext(connection) as queries:
        assert ticket_check_in(code=code, show=show, actor=staff).result == "unknown"
    assert not [q["sql"] for q in queries if "boxoffice_ticket" in q["sql"]]


@pytest.mark.parametrize("payment_id", NOT_A_MOLLIE_ID)
def test_a_webhook_call_with_no_mollie_id_is_unknown_without_a_query(
    payment_id, monkeypatch, django_assert_num_queries
):
    """Mollie is answered 200 for what is not ours (kolk tells a caller nothing); nobody is asked anything."""
    replay = MollieReplay()
    monkeypatch.setattr(payments, "http_session", replay.session)
    with django_assert_num_queries(0):
        assert payments.mollie_webhook(payment_id=payment_id) == "unknown"
    assert replay.requests == []
