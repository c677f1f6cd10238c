"""Money reads as the centre writes it: € 49,50 and € 1.250,00."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from kolk.core.money import euros


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "€ 0,00"),
        (5, "€ 0,05"),
        (4950, "€ 49,50"),
        (100000, "€ 1.000,00"),
        (125000, "€ 1.250,00"),
        (123456789, "€ 1.234.567,89"),
        (-500, "-€ 5,00"),
    ],
)
def test_amounts_in_dutch_notation(cents, text):
    assert euros(cents) == text


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_every_amount_reads_back_to_its_cents(cents):
    text = euros(cents)
    digits = text.removeprefix("-").removeprefix("€ ").replace(".", "").replace(",", "")
    assert int(digits) * (-1 if cents < 0 else 1) == cents
    assert text.count(",") == 1


def test_the_template_filter_keeps_sign_and_amount_together():
    rendered = Template("{% load money %}{{ a|euros }}|{{ b|euros }}").render(Context({"a": 4950, "b": None}))
    assert rendered == "€\u00a049,50|"
