"""Money as Decimal: parsing what people type, rounding like an accountant, formatting for print."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

ZERO = Decimal(0)
LOCALE = 'en'
"""Grouping with commas and a decimal point, as the documents print today; the currency's own decimals from CLDR."""


def currency_places(currency: str) -> int:
    """The currency's minor unit: 2 for EUR, 0 for ISK and JPY, 3 for KWD and BHD (2 for a code CLDR does not know)."""
    return int(get_currency_precision(currency.upper()))


def round_money(amount: Decimal, currency: str = 'EUR') -> Decimal:
    """Half-up, as invoices are rounded by hand, never banker's rounding."""
    return amount.quantize(Decimal(1).scaleb(-currency_places(currency)), rounding=ROUND_HALF_UP)


def parse_decimal(text: str | int | float | Decimal) -> Decimal:
    """Accept '1 234,50', '1,234.50', '1234.5' or '-3'; raise ValueError with words a person understands."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int | float):
        return Decimal(str(text))
    raw = text.strip().replace(' ', '').replace('\u00a0', '').replace("'", '')
    if not raw:
        raise ValueError('Enter a number.')
    if ',' in raw and '.' in raw:
        # The separator that comes last is the decimal one: '1.234,50' and '1,234.50' both mean 1234.5.
        decimal_mark = ',' if raw.rfind(',') > raw.rfind('.') else '.'
        thousands = '.' if decimal_mark == ',' else ','
        raw = raw.replace(thousands, '').replace(decimal_mark, '.')
    elif ',' in raw:
        raw = raw.replace(',', '.') if raw.count(',') == 1 else raw.replace(',', '')
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f'"{text.strip()}" is not a number.') from None
    if not value.is_finite():
        raise ValueError(f'"{text.strip()}" is not a number.')
    return value


def format_quantity(quantity: Decimal) -> str:
    """Quantities print as typed, without trailing zeros: 2, 1.5, 0.25."""
    normalized = quantity.normalize()
    text = f'{normalized:f}'
    return text if '.' not in text else text.rstrip('0').rstrip('.')


def format_money(amount: Decimal, currency: str) -> str:
    """'€1,234.50' for a currency with its own sign, '1,234 ISK' otherwise; minus sign in front.

    Rounded half-up here first: Babel would round half-even (0.125 EUR to 0.12), invoices round half-up.
    """
    code = currency.upper()
    rounded = round_money(amount, code)
    symbol = get_currency_symbol(code, LOCALE)
    pattern = '¤#,##0.00' if symbol != code else '#,##0.00 ¤¤'
    body = format_currency(abs(rounded), code, format=pattern, locale=LOCALE, currency_digits=True)
    return f'{"−" if rounded < 0 else ""}{body}'


def format_percent(rate: Decimal) -> str:
    return f'{format_quantity(rate)}%'
