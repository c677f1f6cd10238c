"""A member's kiosk PIN is hashed with Argon2id at parameters of its own; old hashes verify and are upgraded."""

from __future__ import annotations

import importlib

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher, make_password

from kolk.library.models import KioskPin
from kolk.library.services.kiosks import pin_check, pin_set
from tests.kiosk.conftest import PIN


def _params(encoded: str) -> argon2.Parameters:
    algorithm, rest = encoded.split("$", 1)
    assert algorithm == "argon2"
    return argon2.extract_parameters("$" + rest)


def test_a_new_pin_is_argon2id_at_owasps_minimum(library):
    params = _params(KioskPin.objects.get(person=library.member).pin)
    assert (params.type, params.memory_cost, params.time_cost, params.parallelism) == (
        argon2.Type.ID,
        19 * 1024,
        2,
        1,
    )


@pytest.fixture
def project_hashers(settings):
    """The project's own password hashers (the tests' autouse fixture puts in a fast one)."""
    settings.PASSWORD_HASHERS = importlib.import_module("kolk.settings").PASSWORD_HASHERS


def test_a_password_keeps_djangos_parameters(library, project_hashers):
    params = _params(make_password("een lang wachtwoord voor de balie"))
    hasher = Argon2PasswordHasher()
    assert (params.memory_cost, params.time_cost, params.parallelism) == (
        hasher.memory_cost,
        hasher.time_cost,
        hasher.parallelism,
    )
    assert params.memory_cost > 19 * 1024


@pytest.mark.parametrize("old_hasher", [Argon2PasswordHasher, PBKDF2PasswordHasher])
def test_an_old_hash_still_opens_and_is_upgraded_on_the_next_right_pin(library, old_hasher, project_hashers):
    member = library.member
    hasher = old_hasher()
    old = hasher.encode(PIN, hasher.salt())
    KioskPin.objects.filter(person=member).update(pin=old)
    assert not pin_check(person=member, pin="9731", actor=None)
    assert KioskPin.objects.get(person=member).pin == old  # a wrong PIN changes nothing but the count
    assert pin_check(person=member, pin=PIN, actor=None)
    row = KioskPin.objects.get(person=member)
    assert row.pin != old
    assert row.failures == 0
    assert _params(row.pin).memory_cost == 19 * 1024
    assert pin_check(person=member, pin=PIN, actor=None)  # the new hash opens too
    assert not pin_check(person=member, pin="9731", actor=None)


def test_an_upgrade_never_overwrites_a_pin_changed_meanwhile(library, monkeypatch):
    """Between reading the old hash and writing the new one, the desk sets another PIN: that PIN stays."""
    from kolk.library.services import kiosks

    member = library.member
    hasher = Argon2PasswordHasher()
    KioskPin.objects.filter(person=member).update(pin=hasher.encode(PIN, hasher.salt()))
    real = kiosks._pin_matches

    def desk_sets_a_new_pin_meanwhile(pin: str, encoded: str) -> tuple[bool, bool]:
        answer = real(pin, encoded)
        pin_set(person=member, pin="5067", actor=None)
        return answer

    monkeypatch.setattr(kiosks, "_pin_matches", desk_sets_a_new_pin_meanwhile)
    assert pin_check(person=member, pin=PIN, actor=None)
    monkeypatch.setattr(kiosks, "_pin_matches", real)
    assert pin_check(person=member, pin="5067", actor=None)
    assert not pin_check(person=member, pin=PIN, actor=None)
