"""A member who may not borrow is told why at the kiosk's first screen, in the words the desk says.

Spoken by PyPI's `sip2` client over a real socket.
"""

from __future__ import annotations

from kolk.library.services.members import block_set
from tests.factories import PersonFactory
from tests.kiosk.conftest import PIN, sip2_client


def _kiosk(sip_server, live_library, tmp_path, person):
    from kolk.library.services.kiosks import pin_set

    if person != live_library.member:
        pin_set(person=person, pin=PIN, actor=None)
    client = sip2_client(sip_server, tmp_path)
    login = client.sip_login_response(client.get_response(client.sip_login_request("zuil-1", live_library.password)))
    assert login["fixed"]["Ok"] == "1"
    client.patron, client.patronpwd = person.pass_number, PIN
    return client


def test_a_blocked_member_reads_why(sip_server, live_library, tmp_path):
    block_set(person=live_library.member, reason="manual", note="", actor=None)
    kiosk = _kiosk(sip_server, live_library, tmp_path, live_library.member)
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("none")))
    assert info["fixed"]["PatronStatus"].startswith("YYYY")
    assert info["variable"]["AF"] == ["Geblokkeerd: geblokkeerd door een medewerker."]
    status = kiosk.sip_patron_status_response(kiosk.get_response(kiosk.sip_patron_status_request()))
    assert status["variable"]["AF"] == ["Geblokkeerd: geblokkeerd door een medewerker."]
    kiosk.disconnect()


def test_a_member_without_a_subscription_reads_that(sip_server, live_library, tmp_path):
    person = PersonFactory(with_pass=True)
    kiosk = _kiosk(sip_server, live_library, tmp_path, person)
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("none")))
    assert info["variable"]["CQ"] == ["Y"]
    assert info["variable"]["AF"] == ["Geen lopend abonnement: lenen kan niet."]
    kiosk.disconnect()


def test_a_member_who_may_borrow_reads_nothing_extra(sip_server, live_library, tmp_path):
    kiosk = _kiosk(sip_server, live_library, tmp_path, live_library.member)
    info = kiosk.sip_patron_information_response(kiosk.get_response(kiosk.sip_patron_information_request("none")))
    assert info["fixed"]["PatronStatus"].strip() == "Y"  # only 'recall denied': DNK has no recalls
    assert info["variable"]["AF"] == [""]
    kiosk.disconnect()
