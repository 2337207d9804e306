"""Totals, tax and the money arithmetic behind every document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.documents import Document, DocumentType, Line
from core.documents.money import format_money, parse_decimal, round_money


def invoice(*lines: Line, currency: str = 'EUR') -> Document:
    return Document(
        'd1', DocumentType.SALES_INVOICE, 'INV-0001', 'c1', date(2026, 1, 5), lines=lines, currency=currency
    )


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('1234.5', '1234.5'),
        ('1 234,50', '1234.50'),
        ('1,234.50', '1234.50'),
        ('1.234,50', '1234.50'),
        ('-3', '-3'),
        ('0,5', '0.5'),
        ('1,000,000', '1000000'),
    ],
)
def test_parse_decimal_accepts_the_ways_people_type_numbers(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize('text', ['', 'abc', '1.2.3x', 'NaN', 'Infinity'])
def test_parse_decimal_rejects_what_is_not_a_number(text: str) -> None:
    with pytest.raises(ValueError):
        parse_decimal(text)


def test_rounding_is_half_up_not_bankers() -> None:
    assert round_money(Decimal('0.125')) == Decimal('0.13')
    assert round_money(Decimal('2.5'), 'ISK') == Decimal(3)


def test_totals_group_tax_by_rate_on_rounded_line_amounts() -> None:
    document = invoice(
        Line('Workshop', Decimal(3), Decimal('33.335'), Decimal(24)),  # 100.005 -> 100.01
        Line('Book', Decimal(2), Decimal('10.00'), Decimal(11)),
        Line('Travel', Decimal(1), Decimal('50.00'), Decimal(24)),
        Line('Postage', Decimal(1), Decimal('4.00'), Decimal(0)),
    )
    totals = document.totals()
    assert totals.subtotal == Decimal('174.01')
    assert [(t.rate, t.base, t.tax) for t in totals.taxes] == [
        (Decimal(11), Decimal('20.00'), Decimal('2.20')),
        (Decimal(24), Decimal('150.01'), Decimal('36.00')),
    ]
    assert totals.tax == Decimal('38.20')
    assert totals.total == Decimal('212.21')


def test_tax_rates_written_differently_are_one_rate() -> None:
    document = invoice(
        Line('a', Decimal(1), Decimal(10), Decimal('24')), Line('b', Decimal(1), Decimal(10), Decimal('24.0'))
    )
    assert len(document.totals().taxes) == 1


def test_currency_without_minor_unit_rounds_to_whole_numbers() -> None:
    document = invoice(Line('Tími', Decimal('1.5'), Decimal('9999'), Decimal(24)), currency='ISK')
    assert document.totals().subtotal == Decimal(14999)  # 14998.5 rounds up
    assert format_money(document.total, 'ISK') == '18,599 ISK'


def test_empty_document_totals_zero() -> None:
    assert invoice().total == Decimal(0)


def test_format_money_uses_symbol_and_a_real_minus() -> None:
    assert format_money(Decimal('1234.5'), 'EUR') == '€1,234.50'
    assert format_money(Decimal('-108.23'), 'EUR') == '−€108.23'
    assert format_money(Decimal('12'), 'CHF') == '12.00 CHF'


@pytest.mark.parametrize(
    ('amount', 'currency', 'printed'),
    [
        ('0.125', 'EUR', '€0.13'),
        ('1234.5', 'EUR', '€1,234.50'),
        ('-1234.505', 'EUR', '−€1,234.51'),
        ('2.5', 'ISK', '3 ISK'),
        ('123456.5', 'ISK', '123,457 ISK'),
        ('2.5', 'JPY', '¥3'),
        ('1234.5675', 'KWD', '1,234.568 KWD'),
        ('0.0005', 'BHD', '0.001 BHD'),
        ('12', 'BHD', '12.000 BHD'),
    ],
)
def test_money_prints_with_the_currencys_own_decimals_rounded_half_up(amount: str, currency: str, printed: str) -> None:
    assert format_money(Decimal(amount), currency) == printed


def test_totals_of_a_three_decimal_currency_keep_three_decimals() -> None:
    totals = invoice(Line('Dates', Decimal(3), Decimal('1.2345'), Decimal(0)), currency='KWD').totals()
    assert totals.total == Decimal('3.704')
