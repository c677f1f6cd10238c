"""Privacy at the kiosk: the register's kiosk purpose decides what a patron answer carries."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.test import override_settings

from kolk.kiosk.acs import PATRON_FIELDS, Session, allowed_fields
from kolk.kiosk.codec import format_message, parse
from kolk.privacy.audit import actor_ref
from kolk.privacy.models import AuditEntry
from kolk.privacy.register import _load, get_register
from kolk.privacy.statement import render_statement
from tests.kiosk.conftest import PIN

DATE = "20261205    101500"


def test_the_kiosk_purpose_never_reaches_birth_date_or_address():
    register = get_register()
    categories = register.categories_for("kiosk")
    assert {"name", "member_number", "loan_history", "status_block", "bank"} <= categories
    assert not {"birth_date", "address", "email", "phone", "gender"} & categories
    assert register.roles_serving("kiosk") == {"kiosk", "administrator"}
    assert register.roles["kiosk"].purposes == ("kiosk",)
    assert set(PATRON_FIELDS.values()) <= categories  # every field a patron answer may carry is allowed


def test_the_statement_has_the_self_service_row():
    text = render_statement("nl")
    assert "bij het zelf lenen en innemen" in text
    assert "Zelfbediening" in text


def _info(session: Session, library) -> bytes:
    """The raw patron information answer (63 with pass and PIN)."""
    fields = [("AO", "DNK"), ("AA", library.member.pass_number), ("AD", PIN)]
    answer = session.answer(parse(format_message("63", ["000", DATE, "  Y       "], fields)))
    assert answer is not None
    return answer


def test_a_narrower_register_narrows_the_answer(library, tmp_path):
    session = Session()
    session.answer(parse(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", library.password)])))
    assert session.kiosk is not None
    full = _info(session, library)
    assert b"AEFenna Visser|" in full
    raw = yaml.safe_load(Path(get_register().path).read_text(encoding="utf-8"))
    row = raw["sections"]["library"]["rows"]["L18"]
    row["categories"] = [c for c in row["categories"] if c != "name"]
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    _load.cache_clear()
    try:
        with override_settings(PRIVACY_REGISTER_FILE=str(path)):
            assert "AE" not in allowed_fields()
            narrow = _info(session, library)
    finally:
        _load.cache_clear()
    assert b"Fenna" not in narrow
    assert b"BLY|" in narrow


def test_each_look_is_a_staff_read_for_the_kiosk_purpose_by_the_kiosk(library):
    session = Session()
    session.answer(parse(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", library.password)])))
    _info(session, library)
    viewed = AuditEntry.objects.filter(action="subject.viewed").order_by("-pk").first()
    assert viewed is not None
    assert viewed.details["purpose"] == "kiosk"
    assert viewed.actor == actor_ref(library.kiosk.user)


def test_dates_are_the_centres_local_time(library, settings):
    import datetime as dt

    from django.utils import timezone

    session = Session()
    session.answer(parse(format_message("93", ["0", "0"], [("CN", "zuil-1"), ("CO", library.password)])))
    answer = session.answer(parse(format_message("99", ["0", "080", "2.00"])))
    assert answer is not None
    stamp = answer[14:32].decode()
    local = timezone.localtime(timezone.now())
    sent = dt.datetime.strptime(stamp, "%Y%m%d    %H%M%S")
    assert abs((local.replace(tzinfo=None) - sent).total_seconds()) < 120
