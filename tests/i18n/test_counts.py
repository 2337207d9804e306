"""Whole numbers on the pages are grouped as each language writes them, the same as Babel (CLDR) would print them."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from core.i18n import LANGUAGES, LOCALES, format_count, using_language


@pytest.mark.parametrize('language', sorted(LANGUAGES))
def test_a_count_reads_as_babel_writes_it_in_each_language(language: str) -> None:
    numbers = (0, 7, 999, 1_000, 1_234, 10_000, 99_999, 123_456, 1_234_567, 10_000_000, -1_234)
    with using_language(language):
        assert [format_count(n) for n in numbers] == [format_decimal(n, locale=LOCALES[language]) for n in numbers]


def test_icelandic_groups_with_points_and_english_with_commas() -> None:
    with using_language('is'):
        icelandic = format_count(10_000)
    assert (format_count(10_000), icelandic) == ('10,000', '10.000')
