"""The library's side of SIP2 (the ACS): one kiosk's session, message in, answer out.

A session starts unsigned: only login (93), SC status (99) and resend (97) are
answered until the kiosk signs in with its own account (kolk.library.services.kiosks).
Every act then runs as that account (the audit log names the kiosk) through the
desk's own services: checkout, check-in and renew through the lending services,
a block through the members' service, a payment through billing.

A member is reached by pass number through kolk.people.reach, for the `kiosk`
purpose, and proves themself with their PIN; data about them is answered only
after that, and only in fields whose category the register lets the kiosk
purpose use (PATRON_FIELDS). No address, birth date, email or phone is ever sent.

Answers follow Koha's SIP2 server where the standard leaves room (field codes,
the alert types of a check-in: 01 hold here, 02 hold at another branch, 04 send
to another branch). A check-in is taken at the kiosk's own branch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kolk.core.clock import now, today
from kolk.core.errors import KolkError, TooMany
from kolk.core.money import euros
from kolk.kiosk.codec import Message, Refusal, amount, cents_of, flag, format_message, sip_date
from kolk.library.kiosks import copy_state, holds_open, kiosk_still_valid, open_loan_of_copy, person_id_by_pass
from kolk.library.models import Branch, Copy, Kiosk, Loan, Reservation
from kolk.library.selectors import blocks_standing, loans_open, subscription_current
from kolk.library.services.kiosks import kiosk_authenticate, kiosk_fee_pay, pin_check, pin_is_set
from kolk.library.services.loans import copy_receive, loan_checkin, loan_checkout, loan_renew
from kolk.library.services.members import block_message, block_set
from kolk.library.services.payments import library_owed
from kolk.people.models import Person
from kolk.people.reach import person_reach
from kolk.privacy.register import get_register

log = logging.getLogger("kolk.kiosk")

PURPOSE = "kiosk"
LOGIN_TRIES = 3  # failed logins on one connection before it is closed
MAX_ITEMS = 20  # items listed in one patron information answer
# What a patron answer may carry, by SIP2 field, and the register's category of each.
PATRON_FIELDS = {
    "AA": "member_number",  # the pass number
    "AE": "name",
    "BL": "member_number",  # valid patron
    "CQ": "login_data",  # valid PIN
    "BV": "bank",  # amount owed
    "BH": "bank",
    "CB": "status_block",  # loan limit
    "AS": "loan_history",  # items ready to collect
    "AT": "loan_history",  # overdue items
    "AU": "loan_history",  # items on loan
    "AV": "bank",  # fees
    "CD": "loan_history",  # reservations still waiting
    "status": "status_block",  # the fourteen flags of the fixed part
}
SUPPORTED = "YYYYYYYYYYYNNNYY"  # BX: patron status .. renew all, in the standard's order; no item update, enable, hold
MEDIA = {"book": "001", "magazine": "002", "cd": "006", "dvd": "005", "film": "005", "audiobook": "004"}
CIRCULATION = {
    Copy.Status.AVAILABLE: "03",
    Copy.Status.ON_LOAN: "04",
    Copy.Status.ON_HOLD: "08",
    Copy.Status.LOST: "12",
    Copy.Status.WITHDRAWN: "01",
    Copy.Status.IN_TRANSIT: "10",  # in transit between library locations
}
PAYMENT_METHODS = {"00": "cash", "01": "card", "02": "card"}


def _now() -> dt.datetime:
    """Now in the centre's own time zone: SIP2 dates are local time (blanks where the zone would be)."""
    return timezone.localtime(now())


def institution() -> str:
    return str(getattr(settings, "KOLK_SIP2_INSTITUTION", "DNK"))


def allowed_fields() -> set[str]:
    """The SIP2 fields of a patron answer that the register lets the kiosk purpose carry."""
    categories = get_register().categories_for(PURPOSE)
    return {name for name, category in PATRON_FIELDS.items() if category in categories}


class Patron:
    """A member at the kiosk: who they are (if the pass is known) and whether their PIN was right."""

    def __init__(self, person: Person | None, *, pin_ok: bool, message: str = "") -> None:
        self.person = person
        self.pin_ok = pin_ok
        self.message = message

    @property
    def ready(self) -> bool:
        return self.person is not None and self.pin_ok


class Session:
    """One kiosk connection. `handle` takes a parsed line and returns the bytes to answer, or None to close."""

    def __init__(self) -> None:
        self.kiosk: Kiosk | None = None
        self.last = b""
        self.failed_logins = 0
        self._proved: tuple[int, bytes] | None = None  # the member who gave their PIN in this session
        self._late_said: int | None = None  # the member told of their late loans, once a visit as at the desk
        self._key = secrets.token_bytes(32)
        self.handlers: dict[str, Callable[[Message], bytes | None]] = {
            "93": self.login,
            "99": self.sc_status,
            "23": self.patron_status,
            "63": self.patron_information,
            "17": self.item_information,
            "11": self.checkout,
            "09": self.checkin,
            "29": self.renew,
            "65": self.renew_all,
            "37": self.fee_paid,
            "01": self.block_patron,
            "35": self.end_session,
        }

    # --- framing ---

    def answer(self, message: Message | Refusal) -> bytes | None:
        """The answer to one line; remembered for a resend request (97)."""
        out: bytes | None
        if isinstance(message, Refusal):
            out = self.refuse(message)
        elif message.code == "97":
            return self.last or format_message("96", checksummed=message.checksummed)
        else:
            out = self.dispatch(message)
        if out is not None and not out.startswith(b"96"):
            self.last = out
        return out

    def _out(
        self, message: Message | Refusal, code: str, fixed: Sequence[str], fields: Sequence[tuple[str, str]]
    ) -> bytes:
        return format_message(code, fixed, fields, sequence=message.sequence, checksummed=message.checksummed)

    def refuse(self, refusal: Refusal) -> bytes:
        """A line kolk cannot act on: a resend request for a bad checksum or an unknown line, else the
        command's own negative answer with the reason on the screen line."""
        log.info("sip2 refused: %s (%s)", refusal.kind, refusal.detail[:120])
        if refusal.kind in ("checksum", "unknown", "encoding", "control", "too_long") or refusal.code is None:
            return format_message("96", checksummed=refusal.checksummed)
        if refusal.code == "93":
            return self._out(refusal, "94", ["0"], [("AF", _("Aanmelden mislukt: het bericht is onvolledig."))])
        if self.kiosk is None and refusal.code != "99":
            return self.negative(refusal, _("Meld de zuil eerst aan."))
        return self.negative(refusal, _("Dit bericht is onvolledig of onjuist; probeer het opnieuw."))

    def dispatch(self, message: Message) -> bytes | None:
        if message.code == "93":
            return self.login(message)
        if self.kiosk is not None and not kiosk_still_valid(self.kiosk):
            log.info("sip2 kiosk %s is disabled or has a new password: session ended", self.kiosk.name)
            self.kiosk = None
            self._proved = None
        if self.kiosk is None:
            if message.code == "99":
                return self._out(message, "98", ["N", "N", "N", "N", "N", "N", "100", "003", sip_date(_now()), "2.00"],
                                 [("AO", institution()), ("AF", _("Meld de zuil eerst aan."))])  # fmt: skip
            return self.negative(message, _("Meld de zuil eerst aan."))
        with translation.override("en" if message.fixed.get("language") == "001" else "nl"):
            try:
                return self.handlers[message.code](message)
            except KolkError as exc:
                return self.negative(message, str(exc.message))
            except Exception:
                log.exception("sip2 %s failed", message.command.name)
                return self.negative(message, _("Dat lukte niet. Vraag het aan de balie."))

    # --- who is at the kiosk ---

    def _digest(self, pin: str) -> bytes:
        return hmac.new(self._key, pin.encode("utf-8"), hashlib.sha256).digest()

    def patron(self, message: Message | Refusal, *, viewed: bool = False) -> Patron:
        """The member of the message's pass number (AA) and whether their PIN (AD) is proven."""
        assert self.kiosk is not None
        pass_number = message.get("AA") or ""
        person_id = person_id_by_pass(pass_number)
        if person_id is None:
            return Patron(None, pin_ok=False, message=_("Deze pas is onbekend."))
        person = person_reach(actor=self.kiosk.user, person_id=person_id, purpose=PURPOSE, viewed=viewed)
        pin = message.get("AD")
        if pin is None:
            proven = self._proved is not None and self._proved[0] == person.pk
            return Patron(person, pin_ok=proven, message="" if proven else _("Voer je pincode in."))
        if (
            self._proved is not None
            and self._proved[0] == person.pk
            and hmac.compare_digest(self._proved[1], self._digest(pin))
        ):
            return Patron(person, pin_ok=True)
        try:
            ok = pin_check(person=person, pin=pin[:16], actor=self.kiosk.user)
        except TooMany as exc:
            return Patron(person, pin_ok=False, message=str(exc.message))
        if not ok:
            self._proved = None
            if not pin_is_set(person):
                return Patron(
                    person,
                    pin_ok=False,
                    message=_("Je hebt nog geen pincode. Stel er een in op Mijn DNK of aan de balie."),
                )
            return Patron(person, pin_ok=False, message=_("Deze pincode klopt niet."))
        self._proved = (person.pk, self._digest(pin))
        return Patron(person, pin_ok=True)

    # --- answers ---

    def negative(self, message: Message | Refusal, text: str) -> bytes:
        """The command's answer meaning 'not done', with `text` on the kiosk's screen."""
        code, date, ao = message.code, sip_date(_now()), ("AO", institution())
        aa, ab = ("AA", message.get("AA") or ""), ("AB", message.get("AB") or "")
        screen = ("AF", text)
        shapes: dict[str | None, tuple[str, list[str], list[tuple[str, str]]]] = {
            "93": ("94", ["0"], [screen]),
            "99": ("98", ["N", "N", "N", "N", "N", "N", "100", "003", date, "2.00"], [ao, screen]),
            "23": ("24", ["Y" * 4 + " " * 10, "000", date], [ao, aa, ("AE", ""), ("BL", "N"), screen]),
            "01": ("24", ["Y" * 4 + " " * 10, "000", date], [ao, aa, ("AE", ""), ("BL", "N"), screen]),
            "63": ("64", ["Y" * 4 + " " * 10, "000", date, "0000" * 6], [ao, aa, ("AE", ""), ("BL", "N"), screen]),
            "17": ("18", ["01", "00", "01", date], [ab, ("AJ", ""), screen]),
            "11": ("12", ["0", "N", "U", "N", date], [ao, aa, ab, ("AJ", ""), ("AH", ""), screen]),
            "09": ("10", ["0", "N", "U", "N", date], [ao, ab, ("AQ", ""), screen]),
            "29": ("30", ["0", "N", "U", "N", date], [ao, aa, ab, ("AJ", ""), ("AH", ""), screen]),
            "65": ("66", ["0", "0000", "0000", date], [ao, screen]),
            "37": ("38", ["N", date], [ao, aa, ("BK", message.get("BK") or ""), screen]),
            "35": ("36", ["N", date], [ao, aa, screen]),
        }
        shape = shapes.get(code)
        if shape is None:
            return format_message("96", checksummed=message.checksummed)
        answer, fixed, fields = shape
        return self._out(message, answer, fixed, fields)

    def login(self, message: Message) -> bytes | None:
        if message.fixed.get("uid_algorithm") != "0" or message.fixed.get("pwd_algorithm") != "0":
            return self._out(message, "94", ["0"], [("AF", _("Alleen onversleuteld aanmelden (0) wordt ondersteund."))])
        try:
            kiosk = kiosk_authenticate(name=message.get("CN") or "", password=message.get("CO") or "")
        except TooMany:
            kiosk = None
        if kiosk is None:
            self.kiosk, self._proved = None, None  # a failed login signs out whoever was signed in
            self.failed_logins += 1
            log.warning("sip2 login refused (try %d on this connection)", self.failed_logins)
            if self.failed_logins >= LOGIN_TRIES:
                return None
            return self._out(message, "94", ["0"], [])
        self.kiosk, self._proved = kiosk, None
        log.info("sip2 kiosk %s signed in", kiosk.name)
        return self._out(message, "94", ["1"], [])

    def sc_status(self, message: Message) -> bytes:
        assert self.kiosk is not None
        fixed = ["Y", "Y", "Y", "Y", "N", "N", "100", "003", sip_date(_now()), "2.00"]
        fields = [("AO", institution()), ("AM", "DNK"), ("BX", SUPPORTED), ("AN", self.kiosk.name),
                  ("AQ", self.kiosk.branch.code)]  # fmt: skip
        return self._out(message, "98", fixed, fields)

    def _status(self, person: Person) -> tuple[str, dict[str, Any]]:
        """The fourteen patron status flags (Y: denied or too many) and what they were read from."""
        reasons = blocks_standing(person)
        subscription = subscription_current(person)
        loans = list(loans_open(person))
        on = today()
        limit = subscription.type.max_loans if subscription is not None else 0
        may_borrow = subscription is not None and not reasons
        flags = [" "] * 14
        flags[0] = flags[1] = flags[3] = " " if may_borrow else "Y"
        flags[2] = "Y"  # no recalls at DNK
        flags[5] = "Y" if subscription is not None and len(loans) >= limit else " "
        flags[6] = "Y" if "overdue" in reasons else " "
        flags[10] = flags[11] = "Y" if "unpaid" in reasons else " "
        # Why not, in the words the desk says (the flags alone leave a member at the kiosk guessing).
        why = (
            block_message(reasons) if reasons else "" if subscription else _("Geen lopend abonnement: lenen kan niet.")
        )
        return "".join(flags), {"loans": loans, "limit": limit, "on": on, "reasons": reasons, "why": why}

    def _who(self, message: Message, patron: Patron, allowed: set[str]) -> list[tuple[str, str]]:
        person = patron.person
        assert person is not None
        fields = [("AO", institution()), ("AA", person.pass_number or "")]
        if "AE" in allowed:
            fields.append(("AE", person.full_name))
        return fields

    def patron_status(self, message: Message) -> bytes:
        patron = self.patron(message, viewed=True)
        if not patron.ready:
            return self._patron_refused(message, "24", patron)
        return self._patron_status_answer(message, patron)

    def _patron_status_answer(self, message: Message, patron: Patron, text: str = "") -> bytes:
        assert patron.person is not None
        allowed = allowed_fields()
        status, info = self._status(patron.person)
        fields = [*self._who(message, patron, allowed), ("BL", "Y"), ("CQ", "Y")]
        if "BV" in allowed:
            fields += [("BH", "EUR"), ("BV", amount(library_owed(patron.person)))]
        fields.append(("AF", text or patron.message or (info["why"] if "status" in allowed else "")))
        return self._out(message, "24", [status if "status" in allowed else " " * 14, "000", sip_date(_now())], fields)

    def _patron_refused(self, message: Message, code: str, patron: Patron) -> bytes:
        """A patron answer without any data about them: the pass is unknown or the PIN not proven."""
        date = sip_date(_now())
        fixed = ["Y" * 4 + " " * 10, "000", date] + (["0000" * 6] if code == "64" else [])
        fields = [("AO", institution()), ("AA", message.get("AA") or ""), ("AE", ""),
                  ("BL", flag(patron.person is not None))]  # fmt: skip
        if patron.person is not None:
            fields.append(("CQ", "N"))
        fields.append(("AF", patron.message))
        return self._out(message, code, fixed, fields)

    def patron_information(self, message: Message) -> bytes:
        patron = self.patron(message, viewed=True)
        if not patron.ready:
            return self._patron_refused(message, "64", patron)
        person = patron.person
        assert person is not None
        allowed = allowed_fields()
        status, info = self._status(person)
        loans: list[Loan] = info["loans"]
        overdue = [loan for loan in loans if loan.due_on < info["on"]]
        holds = holds_open(person)
        ready = [h for h in holds if h.status == Reservation.Status.READY]
        waiting = [h for h in holds if h.status == Reservation.Status.WAITING]
        owed = library_owed(person)  # what the desk shows: a fee already billed elsewhere counted once
        counts = [len(ready), len(overdue), len(loans), 1 if owed else 0, 0, len(waiting)]
        counts = [c if "AU" in allowed else 0 for c in counts]
        fixed = [status if "status" in allowed else " " * 14, "000", sip_date(_now()),
                 "".join(f"{min(c, 9999):04d}" for c in counts)]  # fmt: skip
        fields = self._who(message, patron, allowed)
        if "CB" in allowed and info["limit"]:
            fields.append(("CB", f"{info['limit']:04d}"))
        fields += [("BL", "Y"), ("CQ", "Y")]
        if "BV" in allowed:
            fields += [("BH", "EUR"), ("BV", amount(owed))]
        summary = (message.fixed.get("summary") or "").ljust(10)
        lists = {
            "AS": [h.copy.barcode for h in ready if h.copy is not None],
            "AT": [loan.copy.barcode for loan in overdue],
            "AU": [loan.copy.barcode for loan in loans],
            "AV": [amount(owed)] if owed else [],
            "BU": [],
            "CD": [h.title.title for h in waiting],
        }
        wanted = summary.find("Y")
        if 0 <= wanted < 6:
            code = ["AS", "AT", "AU", "AV", "BU", "CD"][wanted]
            if code in allowed or code == "BU":
                start, end = _range(message)
                fields += [(code, value) for value in lists[code][start - 1 : end]]
        fields.append(("AF", patron.message or (info["why"] if "status" in allowed else "")))
        return self._out(message, "64", fixed, fields)

    def item_information(self, message: Message) -> bytes:
        barcode = (message.get("AB") or "").strip()[:20]
        item = copy_state(barcode)
        if item is None:
            return self.negative(message, _("Onbekende barcode: %(code)s.") % {"code": barcode})
        copy = item.copy
        fields = [("AB", copy.barcode), ("AJ", copy.title.title), ("CK", MEDIA.get(copy.title.media_type, "000")),
                  ("AQ", copy.branch.code), ("AP", copy.branch.code)]  # fmt: skip
        if item.queue:
            fields.append(("CF", str(item.queue)))
        if item.due_on is not None:
            fields.append(("AH", sip_date(item.due_on)))
        if item.hold_until is not None:
            fields.append(("CM", sip_date(item.hold_until)))
        if copy.status == Copy.Status.IN_TRANSIT and copy.transit_to is not None:
            fields.append(("CT", copy.transit_to.code))  # where it is going, as the desk's check-in says
        fixed = [CIRCULATION.get(Copy.Status(copy.status), "01"), "00", "01", sip_date(_now())]
        return self._out(message, "18", fixed, fields)

    def checkout(self, message: Message) -> bytes:
        assert self.kiosk is not None
        patron = self.patron(message)
        if not patron.ready:
            return self._not_lent(message, "12", patron.message, patron)
        barcode = (message.get("AB") or "").strip()[:20]
        try:
            loan = loan_checkout(copy_barcode=barcode, person=patron.person, actor=self.kiosk.user)  # type: ignore[arg-type]
        except KolkError as exc:
            return self._not_lent(message, "12", str(exc.message), patron)
        texts = [_("Geleend tot %(date)s.") % {"date": date_format(loan.due_on, "j F Y")}]
        person = patron.person
        assert person is not None
        if self._late_said != person.pk:  # said at the first item, as the desk says it once a visit
            self._late_said = person.pk
            late = loans_open(person).filter(due_on__lt=today()).count()
            if late:
                texts.append(
                    _("Let op: je hebt %(n)d uitlening(en) te laat. Breng ze terug; het te-laat-geld loopt op.")
                    % {"n": late}
                )
        fields = [("AO", institution()), ("AA", message.get("AA") or ""), ("AB", loan.copy.barcode),
                  ("AJ", loan.copy.title.title), ("AH", sip_date(loan.due_on)),
                  ("CK", MEDIA.get(loan.copy.title.media_type, "000")), ("AF", " ".join(texts))]  # fmt: skip
        return self._out(message, "12", ["1", "Y", "U", "Y", sip_date(_now())], fields)

    def _not_lent(self, message: Message, code: str, text: str, patron: Patron) -> bytes:
        fields = [("AO", institution()), ("AA", message.get("AA") or ""), ("AB", message.get("AB") or ""),
                  ("AJ", ""), ("AH", ""), ("AF", text), ("BL", flag(patron.person is not None))]  # fmt: skip
        if patron.person is not None and message.get("AD") is not None:
            fields.append(("CQ", flag(patron.pin_ok)))
        return self._out(message, code, ["0", "N", "U", "N", sip_date(_now())], fields)

    def checkin(self, message: Message) -> bytes:
        """Take a copy back at the kiosk's branch, as the desk does at its workstation, and say where it goes.

        The alert (3M's extension of SIP2 2.00, as Koha and Evergreen send it): CV 01 to the
        afhaalkast here, 02 to another branch for a reservation, 04 to another branch (its own),
        with CT the branch it goes to; AQ is the copy's own branch. A copy that was not lent
        (pulled from the shelf for a reservation, or arriving in transit) is taken in as at the desk.
        Who reserved it is not said (no CY, DA): the member at the kiosk did not reserve it.
        """
        assert self.kiosk is not None
        here = self.kiosk.branch
        barcode = (message.get("AB") or "").strip()[:20]
        fine = 0
        try:
            result = loan_checkin(copy_barcode=barcode, actor=self.kiosk.user, at_branch=here)
        except KolkError as exc:
            if exc.code != "not_on_loan":
                return self.negative(message, str(exc.message))
            try:
                arrival = copy_receive(copy_barcode=barcode, at_branch=here, actor=self.kiosk.user)
            except KolkError as again:
                return self.negative(message, str(again.message))
            copy, hold = arrival.copy, arrival.hold_for
            texts = [_("Gescand: %(title)s.") % {"title": copy.title.title}]
        else:
            copy, hold, fine = result.loan.copy, result.hold_for, result.fine_cents
            texts = [_("Ingenomen: %(title)s.") % {"title": copy.title.title}]
        fields = [("AO", institution()), ("AB", copy.barcode), ("AQ", copy.branch.code), ("AJ", copy.title.title),
                  ("CK", MEDIA.get(copy.title.media_type, "000"))]  # fmt: skip
        alert = _route(copy, hold)
        if alert is not None:
            kind, to = alert
            fields += [("CT", to.code), ("CV", kind)]
            texts.append(
                {
                    "01": _("Gereserveerd: leg het klaar in de afhaalkast hier."),
                    "02": _("Gereserveerd: stuur het naar %(branch)s."),
                    "04": _("Terug naar vestiging %(branch)s."),
                }[kind]
                % {"branch": to.name}
            )
        if fine:
            texts.append(_("Te laat ingeleverd: %(amount)s te-laat-geld.") % {"amount": euros(fine)})
        fields.append(("AF", " ".join(texts)))
        return self._out(message, "10", ["1", "Y", "U", flag(alert is not None), sip_date(_now())], fields)

    def renew(self, message: Message) -> bytes:
        assert self.kiosk is not None
        patron = self.patron(message)
        if not patron.ready:
            return self._not_lent(message, "30", patron.message, patron)
        barcode = message.get("AB")
        if barcode is None:
            return self._not_lent(message, "30", _("Scan het exemplaar om te verlengen."), patron)
        loan = open_loan_of_copy(barcode, patron.person)  # type: ignore[arg-type]
        if loan is None:
            return self._not_lent(message, "30", _("Dit exemplaar heb je niet geleend."), patron)
        try:
            renewed = loan_renew(loan=loan, actor=self.kiosk.user)
        except KolkError as exc:
            return self._not_lent(message, "30", str(exc.message), patron)
        texts = [_("Verlengd tot %(date)s.") % {"date": date_format(renewed.due_on, "j F Y")}]
        if charged := renewed.fine_cents - loan.fine_cents:  # the days it was late, charged now as the desk says
            texts.append(_("Te-laat-geld voor de dagen te laat: %(amount)s.") % {"amount": euros(charged)})
        fields = [("AO", institution()), ("AA", message.get("AA") or ""), ("AB", renewed.copy.barcode),
                  ("AJ", renewed.copy.title.title), ("AH", sip_date(renewed.due_on)), ("AF", " ".join(texts))]  # fmt: skip
        return self._out(message, "30", ["1", "Y", "U", "N", sip_date(_now())], fields)

    def renew_all(self, message: Message) -> bytes:
        assert self.kiosk is not None
        patron = self.patron(message)
        if not patron.ready:
            return self.negative(message, patron.message)
        renewed, unrenewed, charged = [], [], 0
        why: dict[str, list[str]] = {}  # reason: titles, as the desk says each reason once
        for loan in list(loans_open(patron.person).order_by("due_on", "pk")):  # type: ignore[arg-type]
            try:
                done = loan_renew(loan=loan, actor=self.kiosk.user)
            except KolkError as exc:
                unrenewed.append(loan.copy.barcode)
                why.setdefault(str(exc.message), []).append(loan.copy.title.title)
            else:
                renewed.append(loan.copy.barcode)
                charged += done.fine_cents - loan.fine_cents
        fixed = ["1", f"{len(renewed):04d}", f"{len(unrenewed):04d}", sip_date(_now())]
        fields = [("AO", institution())] + [("BM", b) for b in renewed] + [("BN", b) for b in unrenewed]
        texts = [_("Verlengd: %(n)d, niet verlengd: %(m)d.") % {"n": len(renewed), "m": len(unrenewed)}]
        if not renewed and not unrenewed:
            texts = [_("Niets om te verlengen.")]
        if charged:
            texts.append(_("Te-laat-geld voor de dagen te laat: %(amount)s.") % {"amount": euros(charged)})
        texts += [
            _("Niet verlengd: %(why)s") % {"why": f"{', '.join(titles)}: {reason}"} for reason, titles in why.items()
        ]
        fields.append(("AF", " ".join(texts)))
        return self._out(message, "66", fixed, fields)

    def fee_paid(self, message: Message) -> bytes:
        assert self.kiosk is not None
        patron = self.patron(message)
        if not patron.ready:
            return self.negative(message, patron.message)
        cents = cents_of(message.get("BV") or "")
        method = PAYMENT_METHODS.get(message.fixed.get("payment_type", ""))
        if message.fixed.get("currency") != "EUR" or cents is None or cents <= 0:
            return self.negative(message, _("Alleen een bedrag in euro's kan worden betaald."))
        if method is None:
            return self.negative(message, _("Deze betaalwijze wordt niet ondersteund."))
        transaction_id = (message.get("BK") or secrets.token_hex(6))[:24]
        left = kiosk_fee_pay(person=patron.person, amount_cents=cents, method=method,  # type: ignore[arg-type]
                             reference=f"sip2/{self.kiosk.name}/{transaction_id}", actor=self.kiosk.user)  # fmt: skip
        euros = f"€ {left // 100},{left % 100:02d}"
        fields = [("AO", institution()), ("AA", message.get("AA") or ""), ("BK", transaction_id),
                  ("AF", _("Betaald. Nog open: %(amount)s.") % {"amount": euros})]  # fmt: skip
        return self._out(message, "38", ["Y", sip_date(_now())], fields)

    def block_patron(self, message: Message) -> bytes:
        """The kiosk blocks a card (kept in the machine, or tampering): a manual block, no PIN needed."""
        assert self.kiosk is not None
        patron = self.patron(message)
        if patron.person is None:
            return self.negative(message, patron.message)
        note = _("Zuil %(kiosk)s: %(why)s") % {"kiosk": self.kiosk.name, "why": message.get("AL") or ""}
        block_set(person=patron.person, reason="manual", note=note[:200], actor=self.kiosk.user)
        if self._proved is not None and self._proved[0] == patron.person.pk:
            self._proved = None
        text = _("Deze pas is geblokkeerd. Ga naar de balie.")
        # Nothing about the member goes back: they did not give their PIN for this.
        fields = [("AO", institution()), ("AA", message.get("AA") or ""), ("AE", ""), ("BL", "Y"), ("AF", text)]
        return self._out(message, "24", ["YYYY" + " " * 10, "000", sip_date(_now())], fields)

    def end_session(self, message: Message) -> bytes:
        self._proved, self._late_said = None, None
        fields = [("AO", institution()), ("AA", message.get("AA") or ""), ("AF", _("Tot ziens!"))]
        return self._out(message, "36", ["Y", sip_date(_now())], fields)


def _route(copy: Copy, hold: Reservation | None) -> tuple[str, Branch] | None:
    """Where a copy just taken in goes, as a SIP2 alert type and branch; None: back on the shelf here."""
    if copy.status == Copy.Status.ON_HOLD and hold is not None:
        return "01", hold.pickup_branch
    if copy.status == Copy.Status.IN_TRANSIT and copy.transit_to is not None:
        return ("02" if hold is not None else "04"), copy.transit_to
    return None


def _range(message: Message) -> tuple[int, int]:
    """The items asked for (BP to BQ, 1-based), at most MAX_ITEMS of them."""
    try:
        start = max(1, int(message.get("BP") or "1"))
    except ValueError:
        start = 1
    try:
        end = int(message.get("BQ") or str(start + 4))
    except ValueError:
        end = start + 4
    return start, max(start - 1, min(end, start + MAX_ITEMS - 1))
