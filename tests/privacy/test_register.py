"""The register holds every row of the statement and refuses a broken file by name."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from pathlib import Path

import pytest
import yaml
from django.test import override_settings

from kolk.privacy.checks import register_is_valid
from kolk.privacy.register import Duration, RegisterError, _load, get_register, read_register

CHECKOUT = Path(__file__).resolve().parents[2]
COPY = CHECKOUT / "tests" / "data" / "STATEMENT.md"  # committed, for checkouts without ../shared
SHARED = CHECKOUT.parent / "shared" / "spec" / "STATEMENT.md"  # the statement itself
ID = re.compile(r"\b([LSBTPAKNORWXD]\d{2})\b")


class StatementCopyWarning(UserWarning):
    """The statement's tests read the committed copy: ../shared/spec is not beside the checkout."""


def statement_text() -> str:
    """The privacy statement: ../shared/spec/STATEMENT.md, or the committed copy, said out loud."""
    if SHARED.is_file():
        return SHARED.read_text(encoding="utf-8")
    warnings.warn(
        f"{SHARED} is not beside this checkout: the statement's ids are read from the committed copy "
        f"{COPY.relative_to(CHECKOUT)}, which cannot be checked for staleness here",
        StatementCopyWarning,
        stacklevel=2,
    )
    return COPY.read_text(encoding="utf-8")


def statement_ids() -> set[str]:
    return set(ID.findall(statement_text()))


def test_the_committed_copy_is_the_statement():
    if not SHARED.is_file():
        pytest.skip(f"{SHARED} is not beside this checkout: tests/data/STATEMENT.md could not be compared with it")
    assert COPY.read_bytes() == SHARED.read_bytes(), (
        "tests/data/STATEMENT.md differs from ../shared/spec/STATEMENT.md: copy the statement over and commit it"
    )


def test_without_the_shared_statement_the_copy_is_read_with_a_warning(monkeypatch, tmp_path):
    monkeypatch.setattr(f"{__name__}.SHARED", tmp_path / "absent" / "STATEMENT.md")
    with pytest.warns(StatementCopyWarning, match="committed copy tests/data/STATEMENT.md"):
        assert statement_text() == COPY.read_text(encoding="utf-8")


def test_with_the_shared_statement_it_is_read_and_not_the_copy(monkeypatch, tmp_path):
    shared = tmp_path / "STATEMENT.md"
    shared.write_text("| L99 | a row only the shared statement has |", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.SHARED", shared)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatementCopyWarning)
        assert statement_ids() == {"L99"}


def test_every_statement_id_is_in_the_register():
    ids = statement_ids()
    assert len(ids) == 58  # 17 L, S01, 3 B, 5 T, P01, 3 A, 2 K, N01, O01, 7 R, 4 W, 5 X, 8 D
    assert ids - get_register().ids() == set()


def test_rows_carry_the_statement_bases():
    spec = statement_text()
    bases = {"C": "contract", "LI": "legitimate_interest", "CO": "consent"}
    rows = get_register().rows
    stated = dict(re.findall(r"^\| ([LSBTPAKN]\d{2}) \|.*\| (C|LI|CO) \|$", spec, re.MULTILINE))
    # Every processing row of the statement has its basis read here, none skipped by the pattern.
    assert set(stated) == {rid for rid in statement_ids() if rid[0] in "LSBTPAKN"}
    assert len(stated) == 33  # 17 L, S01, 3 B, 5 T, P01, 3 A, 2 K, N01
    for rid, basis in stated.items():
        assert rows[rid].basis == bases[basis], rid


def test_retention_rules_are_typed():
    register = get_register()
    assert register.retention["library"].event == "subscription_ended"
    assert register.retention["library"].duration.years == 5
    assert register.retention["school"].duration.months == 3
    assert register.retention["contact"].event == "contact_case_closed"
    assert register.retention["tickets"].duration.iso == "P2Y"


@pytest.mark.parametrize(
    ("iso", "start", "end"),
    [
        ("P5Y", dt.date(2020, 2, 29), dt.date(2025, 2, 28)),
        ("P3M", dt.date(2026, 11, 30), dt.date(2027, 2, 28)),
        ("P1Y", dt.date(2025, 1, 1), dt.date(2026, 1, 1)),
        ("P2W", dt.date(2026, 1, 1), dt.date(2026, 1, 15)),
    ],
)
def test_duration_after(iso, start, end):
    match = re.match(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?", iso)
    assert match
    years, months, weeks = (int(g or 0) for g in match.groups())
    duration = Duration(iso=iso, years=years, months=months, days=7 * weeks)
    assert duration.after(start) == end
    assert duration.before(end) <= start


def broken_copy(tmp_path: Path, mutate) -> Path:
    raw = yaml.safe_load(Path(get_register().path).read_text(encoding="utf-8"))
    mutate(raw)
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("mutate", "where", "what"),
    [
        (
            lambda r: r["sections"]["library"]["rows"]["L03"].update(categories=["shoe_size"]),
            "L03",
            "unknown category 'shoe_size'",
        ),
        (
            lambda r: r["sections"]["cinema"]["rows"]["B03"].update(purposes=["gossip"]),
            "B03",
            "unknown purpose 'gossip'",
        ),
        (lambda r: r["sections"]["theatre"]["rows"]["T04"].update(basis="whim"), "T04", "unknown legal basis 'whim'"),
        (
            lambda r: r["retention"]["school"].update(event="graduation"),
            "retention.school",
            "unknown event 'graduation'",
        ),
        (lambda r: r["retention"]["contact"].update(duration="one year"), "retention.contact", "ISO-8601"),
        (
            lambda r: r["sections"]["library"].update(recipients=["R01", "R99"]),
            "sections.library",
            "unknown recipient 'R99'",
        ),
    ],
)
def test_a_broken_register_is_refused_naming_file_and_row(tmp_path, mutate, where, what):
    path = broken_copy(tmp_path, mutate)
    with pytest.raises(RegisterError) as caught:
        read_register(path)
    message = str(caught.value)
    assert str(path) in message
    assert any(where in p and what in p for p in caught.value.problems), caught.value.problems


def test_the_system_check_names_the_problem(tmp_path):
    path = broken_copy(tmp_path, lambda r: r["sections"]["library"]["rows"]["L03"].update(categories=["shoe_size"]))
    _load.cache_clear()
    try:
        with override_settings(PRIVACY_REGISTER_FILE=str(path)):
            errors = register_is_valid()
    finally:
        _load.cache_clear()
    assert [e.id for e in errors] == ["kolk.privacy.E001"]
    assert "L03" in errors[0].msg
    assert str(path) in errors[0].msg


def test_another_organisation_ships_its_own_register(tmp_path):
    def rename(raw):
        raw["controller"]["name"] = "Bibliotheek Achterhoek"
        raw["controller"]["town"] = "Doetinchem"

    path = broken_copy(tmp_path, rename)
    _load.cache_clear()
    try:
        with override_settings(PRIVACY_REGISTER_FILE=str(path)):
            assert get_register().controller["name"] == "Bibliotheek Achterhoek"
    finally:
        _load.cache_clear()
    assert get_register().controller["name"] == "DNK"


def test_objection_and_consent_purposes_follow_the_bases():
    register = get_register()
    assert set(register.consent_purposes()) == {"notices_advice", "website_access", "reading_history"}
    assert {"marketing_analysis", "direct_marketing", "newsletter", "offers"} <= set(register.objection_purposes())
    assert "lending" not in register.objection_purposes()
