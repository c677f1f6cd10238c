"""Lending at a kiosk says what the desk says at the first item of a visit: the loans that are late.

Spoken by PyPI's `sip2` client over a real socket.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F

from kolk.library.models import Loan
from kolk.library.services.loans import loan_checkout
from tests.kiosk.conftest import PIN, sip2_client


def _lend(kiosk, barcode):
    out = kiosk.sip_checkout_response(kiosk.get_response(kiosk.sip_checkout_request(barcode)))
    assert out["fixed"]["Ok"] == "1", out
    return out["variable"]["AF"][0]


def test_the_first_item_of_a_visit_says_the_late_loans_once(sip_server, live_library, tmp_path):
    first, second, third, fourth = live_library.copies
    loan_checkout(copy_barcode=first.barcode, person=live_library.member, actor=None)
    Loan.objects.update(due_on=F("due_on") - dt.timedelta(days=30))
    kiosk = sip2_client(sip_server, tmp_path)
    login = kiosk.sip_login_response(kiosk.get_response(kiosk.sip_login_request("zuil-1", live_library.password)))
    assert login["fixed"]["Ok"] == "1"
    kiosk.patron, kiosk.patronpwd = live_library.member.pass_number, PIN
    said = _lend(kiosk, second.barcode)
    assert "Geleend tot" in said
    assert "Let op: je hebt 1 uitlening(en) te laat." in said
    assert "te laat" not in _lend(kiosk, third.barcode)  # once a visit, as at the desk
    kiosk.get_response(kiosk.sip_end_patron_session_request())
    assert "Let op: je hebt 1 uitlening(en) te laat." in _lend(kiosk, fourth.barcode)  # a new visit
    kiosk.disconnect()
