"""Kiosk accounts (command and service) and members' PINs: hashed, throttled like a login, audited."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from kolk.core.errors import Invalid, TooMany
from kolk.core.roles import Role, has_role
from kolk.library.models import Kiosk, KioskPin
from kolk.library.services.kiosks import kiosk_authenticate, kiosk_disable, kiosk_rotate, pin_check, pin_set
from kolk.privacy.models import AuditEntry
from tests.kiosk.conftest import PIN


def test_the_command_creates_lists_rotates_and_disables(library):
    out = io.StringIO()
    call_command("kiosk", "create", "zuil-2", "--branch", "assen", stdout=out)
    password = out.getvalue().split("password (shown once): ")[1].strip()
    kiosk = Kiosk.objects.get(name="zuil-2")
    assert password not in kiosk.secret  # stored hashed
    assert has_role(kiosk.user, Role.KIOSK)
    assert not kiosk.user.check_password(password)  # the secret opens SIP2 only, never a web page
    assert kiosk_authenticate(name="zuil-2", password=password) == kiosk
    out = io.StringIO()
    call_command("kiosk", "rotate", "zuil-2", stdout=out)
    new = out.getvalue().split("(shown once): ")[1].strip()
    assert kiosk_authenticate(name="zuil-2", password=password) is None
    assert kiosk_authenticate(name="zuil-2", password=new) is not None
    call_command("kiosk", "disable", "zuil-2", stdout=io.StringIO())
    assert kiosk_authenticate(name="zuil-2", password=new) is None
    out = io.StringIO()
    call_command("kiosk", "list", stdout=out)
    assert "zuil-2\tassen\tdisabled" in out.getvalue()
    with pytest.raises(CommandError, match="no branch"):
        call_command("kiosk", "create", "zuil-3", "--branch", "nergens")
    with pytest.raises(CommandError, match="al een zuil"):
        call_command("kiosk", "create", "zuil-2", "--branch", "assen")
    with pytest.raises(CommandError, match="no kiosk"):
        call_command("kiosk", "rotate", "onbekend")


def test_a_kiosk_locks_after_five_wrong_passwords(library, settings):
    for _ in range(5):
        assert kiosk_authenticate(name="zuil-1", password="fout") is None
    with pytest.raises(TooMany):
        kiosk_authenticate(name="zuil-1", password=library.password)
    assert AuditEntry.objects.filter(action="kiosk.login_refused").count() == 5


def test_rotating_ends_nothing_but_the_old_password(library):
    new = kiosk_rotate(kiosk=library.kiosk, actor=None)
    assert kiosk_authenticate(name="zuil-1", password=library.password) is None
    assert kiosk_authenticate(name="zuil-1", password=new) is not None
    kiosk_disable(kiosk=library.kiosk, actor=None)
    assert kiosk_authenticate(name="zuil-1", password=new) is None


def test_a_pin_is_hashed_checked_and_locked_after_five_wrong_tries(library, settings):
    member = library.member
    row = KioskPin.objects.get(person=member)
    assert PIN not in row.pin
    assert pin_check(person=member, pin=PIN, actor=None)
    for _ in range(4):
        assert not pin_check(person=member, pin="9999", actor=None)
    assert pin_check(person=member, pin=PIN, actor=None)  # a right PIN before the limit resets the count
    for _ in range(5):
        assert not pin_check(person=member, pin="9999", actor=None)
    with pytest.raises(TooMany):
        pin_check(person=member, pin=PIN, actor=None)  # even the right PIN, while locked
    row.refresh_from_db()
    assert row.locked_until is not None
    assert row.locked_until - row.set_at >= dt.timedelta(minutes=14)
    KioskPin.objects.filter(pk=row.pk).update(locked_until=row.locked_until - dt.timedelta(minutes=16))
    assert pin_check(person=member, pin=PIN, actor=None)  # the cool-off is over
    assert AuditEntry.objects.filter(action="kiosk.pin_refused").count() == 9


@pytest.mark.parametrize("bad", ["123", "123456789", "12a4", "1111", "", "١٢٣٤"])
def test_a_pin_is_four_to_eight_digits_not_all_alike(library, bad):
    with pytest.raises(Invalid) as refused:
        pin_set(person=library.member, pin=bad, actor=None)
    assert "pin" in refused.value.fields


def test_a_member_without_a_pin_is_told_how_to_get_one(library):
    from kolk.kiosk.acs import Session
    from kolk.kiosk.codec import format_message, parse
    from tests.factories import PersonFactory

    newcomer = PersonFactory(with_pass=True)
    session = Session()
    session.answer(parse(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", library.password)])))
    fields = [("AO", "DNK"), ("AA", newcomer.pass_number), ("AD", "1234")]
    answer = session.answer(parse(format_message("63", ["000", "20261205    101500", " " * 10], fields)))
    assert answer is not None
    assert b"|CQN|" in answer
    assert "nog geen pincode" in answer.decode()
