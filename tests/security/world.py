"""One small world for the access tests: a user per role, two members with records of their own.

Built once per test module inside a transaction that is rolled back at the end;
each test runs in its own savepoint (pytest-django's `db`), so a request that
cancels or closes something leaves the next test the same world.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction

from kolk.core.roles import Role

ANON = "anonymous"
ROLES = [ANON, *(r.value for r in Role)]


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)  # role -> user (none for anonymous)
    ids: dict[str, Any] = field(default_factory=dict)  # what a path parameter names -> a real id
    other: dict[str, Any] = field(default_factory=dict)  # the same records of another member
    sessions: dict[str, str] = field(default_factory=dict)  # role -> a signed-in session's key


def _member_records(person: Any, *, copy: Any, title: Any, branch: Any, show: Any, email: str) -> dict[str, Any]:
    from kolk.boxoffice.services.selling import order_checkout, order_pay, seats_hold
    from kolk.core.clock import now
    from kolk.library.models import Subscription
    from kolk.library.services.loans import loan_checkout
    from kolk.library.services.reservations import reservation_place
    from kolk.privacy.office import breach_record
    from kolk.privacy.rights import request_receive
    from tests.billing.factories import make_invoice

    loan = loan_checkout(copy_barcode=copy.barcode, person=person, actor=None)
    reservation = reservation_place(title=title, person=person, pickup_branch=branch, actor=None)
    order = seats_hold(show=show, quantity=1, person=person, actor=None)
    order = order_checkout(order=order, buyer_name="Lid", buyer_email=email, person=person, actor=None)
    order = order_pay(order=order, method="cash", actor=None)
    return {
        "person": person.pk,
        "loan": loan.pk,
        "reservation": reservation.pk,
        "order": order.pk,
        "order_token": order.token,
        "ticket_code": order.tickets.first().code,
        "invoice": make_invoice(person).pk,
        "subscription": Subscription.objects.filter(person=person).order_by("-pk").first().pk,
        "request": request_receive(subject=person, kind="access", channel="portal", actor=None).pk,
        "breach": breach_record(summary="Lek", discovered_at=now(), people_affected=0, actor=None).pk,
    }


def _waitlist_offer(show: Any, held: Any) -> str:
    """The signed link of a waiting-list offer (the held order made for it)."""
    from kolk.boxoffice.models import WaitlistEntry
    from kolk.boxoffice.services.waitlist import offer_token
    from kolk.core.clock import now

    entry = WaitlistEntry.objects.create(
        show=show, name="Wim Wachter", email="wim@example.nl", status="offered", order=held, joined_at=now()
    )
    return offer_token(entry)


def _series(show: Any) -> int:
    """A theaterabonnement of the world's show, for its page in the shop."""
    from kolk.boxoffice.models import Series

    series = Series.objects.create(name="Matrixreeks", season="2026-2027", min_shows=1, discount_percent=10)
    series.shows.add(show)
    return series.pk


def build_world() -> World:
    from kolk.boxoffice.services.selling import order_checkout, seats_hold
    from kolk.boxoffice.services.voucher_sales import voucher_sale_create
    from kolk.comms.contact import case_open
    from kolk.comms.newsletter import campaign_create
    from kolk.comms.unsubscribe import unsubscribe_token_make
    from kolk.core.otp import totp_demo_device
    from kolk.library.services.kiosks import kiosk_create
    from kolk.library.services.loans import loan_checkout
    from kolk.library.services.members import block_set, subscription_start
    from tests.boxoffice.factories import show as make_show
    from tests.factories import PersonFactory, UserFactory
    from tests.library.factories import (
        BranchFactory,
        CopyFactory,
        LoanRuleFactory,
        SubscriptionTypeFactory,
        TitleFactory,
        ensure_role_groups,
    )
    from tests.web.factories import member

    ensure_role_groups()
    world = World()
    for role in Role:
        if role is not Role.MEMBER:
            world.users[role.value] = UserFactory(username=f"matrix-{role.value}", roles=[role])
    for role in (Role.PRIVACY_OFFICER, Role.ADMINISTRATOR):
        totp_demo_device(world.users[role.value])
    admin = world.users[Role.ADMINISTRATOR.value]
    admin.is_superuser = True  # as kolk's administrators are (the demo's `beheer`): every model in the admin
    admin.save(update_fields=["is_superuser"])
    LoanRuleFactory(media_type="book", loan_days=21, renewals=2, max_loans=10, fine_per_day_cents=25)
    kind = SubscriptionTypeFactory()
    branch = BranchFactory()
    show = make_show(seat_map="3x10")
    lid, ander = member(username="matrix-lid"), member(username="matrix-ander")
    world.users[Role.MEMBER.value] = lid
    records = {}
    borrower = PersonFactory()  # has every copy of the titles the members reserve
    subscription_start(person=borrower, type=kind, actor=None, id_seen=True)
    for user in (lid, ander):
        subscription_start(person=user.person, type=kind, actor=None, id_seen=True)
        title = TitleFactory()
        lent = CopyFactory(title=title, branch=branch)  # lent to this member, so the title can be reserved
        CopyFactory(title=title, branch=branch)
        wanted = TitleFactory()
        loan_copy = CopyFactory(title=wanted, branch=branch)
        loan_checkout(copy_barcode=loan_copy.barcode, person=borrower, actor=None)
        records[user.pk] = _member_records(
            user.person, copy=lent, title=wanted, branch=branch, show=show, email=f"{user.username}@example.nl"
        )
    free = CopyFactory(branch=branch)
    held = order_checkout(
        order=seats_hold(show=show, quantity=1, actor=None),
        buyer_name="Gea Gast",
        buyer_email="gast@example.nl",
        actor=None,
    )
    blocked = PersonFactory()
    world.ids = {
        **records[lid.pk],
        "title": free.title_id,
        "copy_barcode": free.barcode,
        "copy": free.pk,
        "branch": branch.code,
        "branch_pk": branch.pk,
        "subscription_type": kind.code,
        "show": show.pk,
        "held_token": held.token,
        "voucher_sale_token": voucher_sale_create(
            value_cents=2500, buyer_name="Gea Gast", buyer_email="gea@example.nl", actor=None
        ).token,
        "case": case_open(email="vraag@example.nl", name="Vera Vraag", question="Open op zondag?", actor=None).pk,
        "campaign": campaign_create(subject="Nieuws", body="Er is nieuws.", actor=None).pk,
        "block": block_set(person=blocked, reason="manual", actor=None).pk,
        "staff_person": blocked.pk,
        "unsubscribe_token": unsubscribe_token_make(purpose="offers", person=lid.person, channel="email"),
        "kiosk": kiosk_create(name="matrix-zuil", branch=branch, actor=None)[0].pk,
    }
    world.ids["waitlist_offer"] = _waitlist_offer(show, held)
    world.ids["series"] = _series(show)
    world.other = records[ander.pk]
    world.sessions = {role: _session(user) for role, user in world.users.items()}
    return world


def _session(user: Any) -> str:
    """A signed-in session, as a login (and, for the strong roles, the TOTP step) leaves it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    from kolk.core.otp import confirmed_device, needs_second_factor

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if needs_second_factor(user):
        session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.create()
    return session.session_key


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def login(client: Any, world: World, role: str) -> None:
    """Sign the test client in as the role (privacy officer and administrator with their second factor)."""
    from django.conf import settings

    if role != ANON:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
