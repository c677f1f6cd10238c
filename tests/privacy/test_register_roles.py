"""Least privilege from the register: each staff role names its purposes; what it reads follows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kolk.privacy.register import STAFF_ROLE_KEYS, RegisterError, get_register, read_register
from kolk.privacy.statement import article30_rows


def _register_with(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(Path(get_register().path).read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_every_staff_role_of_kolk_names_its_purposes():
    register = get_register()
    assert set(register.roles) == STAFF_ROLE_KEYS
    assert "member" not in register.roles  # a member reaches only their own data, whatever the purpose


def test_a_role_without_an_entry_is_refused_at_start_up(tmp_path):
    path = _register_with(tmp_path, lambda raw: raw["roles"].pop("box_office"))
    with pytest.raises(RegisterError, match="staff role 'box_office' has no entry"):
        read_register(path)


def test_a_role_serving_an_unknown_purpose_or_an_unknown_role_is_refused(tmp_path):
    def change(raw):
        raw["roles"]["desk"]["purposes"].append("reading_minds")
        raw["roles"]["cleaner"] = {"label": {"nl": "Schoonmaak", "en": "Cleaning"}, "purposes": ["lending"]}

    with pytest.raises(RegisterError) as refused:
        read_register(_register_with(tmp_path, change))
    assert "unknown purpose 'reading_minds'" in str(refused.value)
    assert "roles.cleaner: unknown role" in str(refused.value)


def test_what_a_role_reads_follows_from_its_purposes():
    register = get_register()
    box_office = register.role_categories("box_office")
    # B04/T06: pass valid?; T08: the message on a gift voucher bought online
    assert box_office == {"name", "address", "phone", "email", "member_number", "status_block", "correspondence"}
    assert "bank" not in box_office  # ticket sales do not need anyone's bank details or invoices
    assert "birth_date" not in register.role_categories("box_office")
    marketing = register.role_categories("marketing")
    assert "bank" not in marketing
    assert "correspondence" not in marketing
    assert register.roles_serving("invoicing") == {"desk", "library_staff", "administrator"}
    assert register.roles_serving("rights") == {"desk", "privacy_officer", "administrator"}


def test_the_article30_register_shows_which_roles_reach_each_line():
    rows = {row["id"]: row for row in article30_rows("nl")}
    assert rows["L05"]["staff_access"] == "Balie, Bibliotheekmedewerker, Beheerder"  # bank details: invoicing
    assert rows["B01"]["staff_access"] == "Kassa, Beheerder"  # a buyer's name: ticket sales
    assert rows["L12"]["staff_access"] == "Marketing, Beheerder"  # loan history for marketing analysis
    english = {row["id"]: row for row in article30_rows("en")}
    assert english["B01"]["staff_access"] == "Box office, Administrator"


def test_a_yes_or_no_purpose_gives_its_roles_the_answer_not_its_categories(tmp_path):
    register = get_register()
    assert register.purposes["age_check"].yes_no
    assert "age_check" in register.roles["box_office"].purposes
    assert register.categories_for("age_check") == {"birth_date"}  # what kolk reads to answer
    assert "birth_date" not in register.role_categories("box_office")  # what the box office gets: yes or no
    assert register.rows["B05"].basis == "legal_obligation"

    def change(raw):
        raw["purposes"]["age_check"]["yes_no"] = "ja"
        raw["purposes"]["storage"]["yes_no"] = True

    with pytest.raises(RegisterError) as refused:
        read_register(_register_with(tmp_path, change))
    assert "yes_no 'ja' is not true or false" in str(refused.value)
    assert "purposes.storage: a system purpose serves no row, has no age and is not yes-or-no" in str(refused.value)
