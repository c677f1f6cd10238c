"""A kiosk says the amount owed the desk says: a fee already billed on an invoice made elsewhere counts once.

Spoken by PyPI's `sip2` client over a real socket.
"""

from __future__ import annotations

from kolk.billing.models import Invoice
from kolk.billing.services import InvoiceLineIn, invoice_create
from kolk.library.models import Fee
from kolk.library.services.payments import library_owed
from tests.kiosk.conftest import PIN, sip2_client


def test_a_fee_billed_elsewhere_is_owed_once_and_can_be_paid_as_shown(sip_server, live_library, tmp_path):
    member = live_library.member
    fee = Fee.objects.get(person=member, kind="subscription", status=Fee.Status.OPEN)
    # The seeded or imported subscription invoice bills that same fee.
    invoice_create(
        person=member,
        lines=[InvoiceLineIn(description="Contributie", unit_amount_cents=fee.amount_cents, vat_percent=9)],
        source=Invoice.Source.SUBSCRIPTION,
        actor=None,
    )
    shown = f"{fee.amount_cents // 100}.{fee.amount_cents % 100:02d}"
    assert library_owed(member) == fee.amount_cents  # the desk's figure
    kiosk = sip2_client(sip_server, tmp_path)
    login = kiosk.sip_login_response(kiosk.get_response(kiosk.sip_login_request("zuil-1", live_library.password)))
    assert login["fixed"]["Ok"] == "1"
    kiosk.patron, kiosk.patronpwd = member.pass_number, PIN
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("fine")))
    assert info["variable"]["BV"] == [shown]
    assert info["variable"]["AV"] == [shown]
    status = kiosk.sip_patron_status_response(kiosk.get_response(kiosk.sip_patron_status_request()))
    assert status["variable"]["BV"] == [shown]
    paid = kiosk.sip_fee_paid_response(kiosk.get_response(kiosk.sip_fee_paid_request(1, 1, shown, "", "tx-9")))
    assert paid["fixed"]["PaymentAccepted"] == "Y", paid
    assert library_owed(member) == 0
    kiosk.disconnect()
