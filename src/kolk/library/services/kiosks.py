"""Self-service: kiosk accounts (create, rotate, disable, sign in), members' kiosk PINs, paying at a kiosk.

A kiosk's secret and a member's PIN are hashed and throttled like a login
(settings.AXES_FAILURE_LIMIT failures, then locked for settings.AXES_COOLOFF_TIME).
A kiosk's secret uses Django's password hashers (Argon2 at Django's parameters,
about 0.5 s and 100 MB); it is checked once per connection. A PIN is checked at
every member's sign-in, so it has parameters of its own (PinHasher): Argon2id at
OWASP's minimum. At most HASH_SLOTS hashes run at once in a process, so forty
kiosks signing members in at the same moment queue rather than take all memory.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from kolk.billing.models import Invoice
from kolk.billing.selectors import invoices_for
from kolk.billing.services import payment_record
from kolk.core.actors import Actor
from kolk.core.clock import now
from kolk.core.errors import Invalid, KolkError, TooMany
from kolk.core.roles import Role
from kolk.library.models import Branch, Fee, Kiosk, KioskPin
from kolk.library.services.invoicing import fees_invoice
from kolk.people.models import Person
from kolk.people.services import user_create
from kolk.privacy.audit import audit_log

NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
PIN = re.compile(r"^[0-9]{4,8}$")
HASH_SLOTS = threading.BoundedSemaphore(2)
KIOSK_SOURCES = (Invoice.Source.SUBSCRIPTION, Invoice.Source.FINE, Invoice.Source.RESERVATION)


def _limit() -> int:
    return int(getattr(settings, "AXES_FAILURE_LIMIT", 5))


def _cooloff() -> dt.timedelta:
    cooloff = getattr(settings, "AXES_COOLOFF_TIME", dt.timedelta(minutes=15))
    return cooloff if isinstance(cooloff, dt.timedelta) else dt.timedelta(hours=float(cooloff))


def _matches(raw: str, encoded: str) -> bool:
    with HASH_SLOTS:
        return check_password(raw, encoded)


def _hash(raw: str) -> str:
    with HASH_SLOTS:
        return make_password(raw)


class PinHasher(Argon2PasswordHasher):
    """Argon2id for a member's kiosk PIN: m=19 MiB, t=2, p=1, OWASP's minimum for Argon2id.

    A PIN of 4 to 8 digits has at most 10^8 values, so no hashing cost keeps it
    from someone who holds the table: what protects a PIN is the lock after
    AXES_FAILURE_LIMIT wrong tries, and the hash only keeps it from being read
    outright. Django's password parameters (m=100 MiB, t=2, p=8) cost about 0.5 s
    of both cores and 100 MB per check, which made forty kiosks wait seconds for
    nothing; these cost about 35 ms and 19 MB (README, "Zelfbedieningszuilen").
    Staff and member passwords keep Django's parameters.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


PIN_HASHER = PinHasher()


def _pin_hash(pin: str) -> str:
    with HASH_SLOTS:
        return PIN_HASHER.encode(pin, PIN_HASHER.salt())


def _pin_matches(pin: str, encoded: str) -> tuple[bool, bool]:
    """Whether `pin` matches the stored hash, and whether that hash should be made again at PinHasher's
    parameters: one made at Django's password parameters (or with another of its hashers) still verifies."""
    with HASH_SLOTS:
        if encoded.startswith(f"{PIN_HASHER.algorithm}$"):
            return PIN_HASHER.verify(pin, encoded), PIN_HASHER.must_update(encoded)
        return check_password(pin, encoded), True


def _new_secret() -> str:
    return secrets.token_urlsafe(18)


# --- kiosk accounts ---


@transaction.atomic
def kiosk_create(*, name: str, branch: Branch, actor: Actor) -> tuple[Kiosk, str]:
    """A new kiosk at `branch`, with an account of the kiosk role; returns it and its password (shown once)."""
    name = name.strip().lower()
    if not NAME.match(name):
        raise Invalid(
            _("Een naam is 2 tot 40 kleine letters, cijfers en streepjes."),
            fields={"name": [_("Een naam is 2 tot 40 kleine letters, cijfers en streepjes.")]},
        )
    if Kiosk.objects.filter(name=name).exists():
        raise Invalid(_("Er is al een zuil met deze naam."), fields={"name": [_("Er is al een zuil met deze naam.")]})
    # The account's own password is random and never shown: a kiosk signs in with its secret, over SIP2 only.
    user = user_create(username=f"kiosk-{name}", password=secrets.token_urlsafe(32), roles=[Role.KIOSK], actor=actor)
    secret = _new_secret()
    kiosk = Kiosk.objects.create(name=name, user=user, branch=branch, secret=_hash(secret), secret_set_at=now())
    audit_log(actor=actor, action="kiosk.created", details={"kiosk": kiosk.pk, "name": name, "branch": branch.code})
    return kiosk, secret


@transaction.atomic
def kiosk_rotate(*, kiosk: Kiosk, actor: Actor) -> str:
    """A new password for the kiosk (shown once); sessions signed in with the old one end."""
    secret = _new_secret()
    Kiosk.objects.filter(pk=kiosk.pk).update(secret=_hash(secret), secret_set_at=now(), failures=0, locked_until=None)
    kiosk.refresh_from_db()
    audit_log(actor=actor, action="kiosk.rotated", details={"kiosk": kiosk.pk, "name": kiosk.name})
    return secret


@transaction.atomic
def kiosk_disable(*, kiosk: Kiosk, actor: Actor) -> Kiosk:
    """Switch a kiosk off: it can no longer sign in, and its open session ends at its next message."""
    if kiosk.disabled_at is None:
        kiosk.disabled_at = now()
        kiosk.save(update_fields=["disabled_at"])
        audit_log(actor=actor, action="kiosk.disabled", details={"kiosk": kiosk.pk, "name": kiosk.name})
    return kiosk


@transaction.atomic
def kiosk_enable(*, kiosk: Kiosk, actor: Actor) -> Kiosk:
    if kiosk.disabled_at is not None:
        kiosk.disabled_at = None
        kiosk.save(update_fields=["disabled_at"])
        audit_log(actor=actor, action="kiosk.enabled", details={"kiosk": kiosk.pk, "name": kiosk.name})
    return kiosk


def _failed(model: type[Kiosk] | type[KioskPin], pk: int, at: dt.datetime) -> bool:
    """Count one failure on the row; at the limit, lock it for the cool-off. True when now locked."""
    with transaction.atomic():
        model.objects.filter(pk=pk).update(failures=F("failures") + 1)
        row = model.objects.select_for_update().get(pk=pk)
        if row.failures < _limit():
            return False
        row.failures, row.locked_until = 0, at + _cooloff()
        row.save(update_fields=["failures", "locked_until"])
        return True


def kiosk_authenticate(*, name: str, password: str) -> Kiosk | None:
    """The kiosk `name` if `password` is its secret and it is enabled; None otherwise. TooMany while locked."""
    kiosk = Kiosk.objects.select_related("user", "branch").filter(name=name.strip().lower()[:40]).first()
    at = now()
    if kiosk is None:
        _hash(password)  # the same work as for a kiosk that exists
        return None
    if kiosk.locked_until is not None and kiosk.locked_until > at:
        raise TooMany(_("Te vaak een verkeerd wachtwoord: deze zuil is even geblokkeerd."))
    if kiosk.disabled_at is not None or not _matches(password, kiosk.secret):
        locked = kiosk.disabled_at is None and _failed(Kiosk, kiosk.pk, at)
        audit_log(actor=None, action="kiosk.login_refused", details={"kiosk": kiosk.pk, "locked": locked})
        return None
    if kiosk.failures:
        Kiosk.objects.filter(pk=kiosk.pk).update(failures=0)
    audit_log(actor=kiosk.user, action="kiosk.signed_in", details={"kiosk": kiosk.pk})
    return kiosk


# --- a member's PIN ---


@transaction.atomic
def pin_set(*, person: Person, pin: str, actor: Actor) -> KioskPin:
    """Set or change a member's kiosk PIN: 4 to 8 digits, not one digit throughout."""
    pin = pin.strip()
    if not PIN.match(pin) or len(set(pin)) == 1:
        message = _("Een pincode is 4 tot 8 cijfers, niet allemaal hetzelfde.")
        raise Invalid(message, fields={"pin": [message]})
    row, _created = KioskPin.objects.update_or_create(
        person=person, defaults={"pin": _pin_hash(pin), "set_at": now(), "failures": 0, "locked_until": None}
    )
    audit_log(actor=actor, action="kiosk.pin_set", subject=person)
    return row


def pin_is_set(person: Person) -> bool:
    return KioskPin.objects.filter(person=person).exists()


def pin_check(*, person: Person, pin: str, actor: Actor) -> bool:
    """True when `pin` is the member's kiosk PIN; TooMany while the PIN is locked after too many tries."""
    row = KioskPin.objects.filter(person=person).first()
    if row is None:
        return False
    at = now()
    if row.locked_until is not None and row.locked_until > at:
        raise TooMany(_("Te vaak een verkeerde pincode. Probeer het later opnieuw of vraag het aan de balie."))
    matches, stale = _pin_matches(pin, row.pin)
    if matches:
        changes: dict[str, Any] = {"failures": 0} if row.failures else {}
        if stale:  # hashed at the old parameters: hash it again now that the PIN is at hand
            changes["pin"] = _pin_hash(pin)
        if changes:
            # Only if the PIN was not changed meanwhile: a new PIN set at the desk wins.
            KioskPin.objects.filter(pk=row.pk, pin=row.pin).update(**changes)
        return True
    locked = _failed(KioskPin, row.pk, at)
    audit_log(actor=actor, action="kiosk.pin_refused", subject=person, details={"locked": locked})
    return False


# --- paying at a kiosk ---


def _unpaid(invoice: Any) -> int:
    """What is still open on an invoice read with `paid_cents` (kolk.billing.selectors.invoices_for)."""
    return max(int(invoice.total_cents) - int(invoice.paid_cents), 0)


def owed_cents(person: Person) -> int:
    """What a member owes the library now: open fees not yet invoiced, and what is unpaid on open library invoices."""
    fees = sum(Fee.objects.filter(person=person, status=Fee.Status.OPEN).values_list("amount_cents", flat=True))
    invoices = invoices_for(person).filter(status=Invoice.Status.OPEN, source__in=KIOSK_SOURCES)
    return fees + sum(_unpaid(i) for i in invoices)


@transaction.atomic
def kiosk_fee_pay(*, person: Person, amount_cents: int, method: str, reference: str, actor: Actor) -> int:
    """A payment taken at a kiosk: the member's library amounts are invoiced and paid, oldest first.

    Idempotent per `reference` (a kiosk that resends the message records nothing new).
    Refuses more than is owed. Returns what is still owed afterwards.
    """
    if amount_cents <= 0:
        raise Invalid(_("Het bedrag moet groter zijn dan nul."), fields={"amount": [_("Ongeldig bedrag.")]})
    reference = reference[:40]
    if Invoice.objects.filter(person=person, payments__reference__startswith=f"{reference}/").exists():
        return owed_cents(person)
    fees_invoice(person=person, actor=actor)
    invoices = [
        i
        for i in invoices_for(person)
        .filter(status=Invoice.Status.OPEN, source__in=KIOSK_SOURCES)
        .order_by("issued_on", "number")
        if _unpaid(i) > 0
    ]
    owed = sum(_unpaid(i) for i in invoices)
    if amount_cents > owed:
        raise KolkError(
            _("Er staat %(owed)s open; meer betalen kan niet.") % {"owed": f"€ {owed // 100},{owed % 100:02d}"},
            code="overpaid",
        )
    left, settled = amount_cents, []
    for invoice in invoices:
        open_part = _unpaid(invoice)
        part = min(left, open_part)
        if part <= 0:
            break
        payment_record(invoice=invoice, amount_cents=part, method=method, reference=f"{reference}/{invoice.number}",
                       actor=actor)  # fmt: skip
        left -= part
        if part == open_part:
            settled.append(invoice.pk)
    Fee.objects.filter(invoice_id__in=settled, status=Fee.Status.INVOICED).update(status=Fee.Status.PAID)
    audit_log(
        actor=actor, action="kiosk.fee_paid", subject=person, details={"amount_cents": amount_cents, "method": method}
    )
    return owed - amount_cents
