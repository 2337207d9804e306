"""Numbers on the pages as each language writes them (whole numbers grouped, sizes to one decimal), the same as Babel
(CLDR) would print them."""

from __future__ import annotations

import random

import pytest
from babel.numbers import format_decimal

from core.i18n import LANGUAGES, LOCALES, format_count, format_tenths, using_language


@pytest.mark.parametrize('language', sorted(LANGUAGES))
def test_a_count_reads_as_babel_writes_it_in_each_language(language: str) -> None:
    numbers = (0, 7, 999, 1_000, 1_234, 10_000, 99_999, 123_456, 1_234_567, 10_000_000, -1_234)
    with using_language(language):
        assert [format_count(n) for n in numbers] == [format_decimal(n, locale=LOCALES[language]) for n in numbers]


def test_icelandic_groups_with_points_and_english_with_commas() -> None:
    with using_language('is'):
        icelandic = format_count(10_000)
    assert (format_count(10_000), icelandic) == ('10,000', '10.000')


MEGABYTES = 1_048_576
TENTHS = (
    *(0.0, 0.05, 0.15, 0.25, 0.35, 0.45, 0.95, 1.25, 2.675, 5.0, 9.95, 10.0, 999.95, 1234.56, 0.049999),
    *(size / MEGABYTES for size in (1, 512_000, 5_242_880, 10_485_760, 26_214_400, 33_554_432, 35_882_577)),
    *(random.Random(7).randrange(1, 200 * MEGABYTES) / MEGABYTES for _ in range(2000)),
)


@pytest.mark.parametrize('language', sorted(LANGUAGES))
def test_a_number_to_one_decimal_reads_as_babel_writes_it_in_each_language(language: str) -> None:
    with using_language(language):
        ours = [format_tenths(n) for n in TENTHS]
    assert ours == [format_decimal(n, '0.0', locale=LOCALES[language]) for n in TENTHS]


def test_a_size_limit_reads_five_point_oh_in_english_and_five_comma_oh_in_icelandic() -> None:
    with using_language('is'):
        icelandic = format_tenths(5_242_880 / MEGABYTES)
    assert (format_tenths(5_242_880 / MEGABYTES), icelandic) == ('5.0', '5,0')
