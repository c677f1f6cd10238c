"""A text of the register that holds a comma is quoted: in braces an unquoted comma ends it."""

from __future__ import annotations

import pytest

from kolk.privacy.register import RegisterError, get_register, read_register
from tests.privacy.test_register import broken_copy


def test_the_shipped_categories_read_whole():
    categories = get_register().categories
    assert categories["member_number"].label.nl == "Lidnummer, pasnummer of klantnummer"
    assert categories["address"].label.en == "Address, postcode and town"
    assert categories["bank"].label.nl == "Bankgegevens, incasso- en factuurgegevens"
    assert categories["school_class"].label.en == "School, class and year"


def test_a_text_cut_at_a_comma_is_refused_naming_where(tmp_path):
    # What YAML makes of `address: {nl: Adres, postcode en woonplaats, en: Address}`.
    cut = {"nl": "Adres", "postcode en woonplaats": None, "en": "Address"}
    path = broken_copy(tmp_path, lambda raw: raw["categories"].update(address=cut))
    with pytest.raises(RegisterError) as caught:
        read_register(path)
    assert "categories.address: the text stops before 'postcode en woonplaats': quote a text that holds a comma" in (
        caught.value.problems
    )
