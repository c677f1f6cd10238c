"""The kiosk's hot path: a bounded number of queries per message, whatever the member's history."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kolk.kiosk.acs import Session
from kolk.kiosk.codec import format_message, parse
from kolk.library.services.loans import loan_checkin, loan_checkout
from tests.kiosk.conftest import PIN
from tests.library.factories import CopyFactory

DATE = "20261205    101500"


def _counts(session: Session, library, barcode: str) -> dict[str, int]:
    patron = [("AO", "DNK"), ("AA", library.member.pass_number), ("AD", PIN)]
    messages = {
        "63": format_message("63", ["000", DATE, "  Y       "], patron),
        "11": format_message("11", ["N", "N", DATE, " " * 18], [*patron, ("AB", barcode)]),
        "09": format_message("09", ["N", DATE, DATE], [("AO", "DNK"), ("AB", barcode)]),
    }
    counts = {}
    for code, raw in messages.items():
        with CaptureQueriesContext(connection) as queries:
            answer = session.answer(parse(raw))
        assert answer is not None
        assert answer[2:3] in (b"Y", b" ", b"1"), answer
        counts[code] = len(queries.captured_queries)
    return counts


def test_patron_information_checkout_and_checkin_cost_the_same_after_a_long_history(library):
    session = Session()
    session.answer(parse(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", library.password)])))
    _counts(session, library, library.copies[0].barcode)  # the PIN is proven once per visit
    first = _counts(session, library, library.copies[1].barcode)
    for _ in range(30):
        copy = CopyFactory(branch=library.branch)
        loan_checkout(copy_barcode=copy.barcode, person=library.member, actor=None)
        loan_checkin(copy_barcode=copy.barcode, actor=None)
    later = _counts(session, library, library.copies[2].barcode)
    assert later == first
    assert first["63"] <= 12
    assert first["11"] <= 18
    assert first["09"] <= 14
