"""Money as Decimal: parsing what people type, rounding like an accountant, formatting for print."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

ZERO = Decimal(0)

# Currencies whose amounts have no minor unit; every other code is printed with two decimals.
_NO_MINOR_UNIT = frozenset({'ISK', 'JPY', 'KRW', 'CLP', 'VND', 'HUF'})
_SYMBOLS = {'EUR': '€', 'USD': '$', 'GBP': '£', 'JPY': '¥'}


def currency_places(currency: str) -> int:
    return 0 if currency.upper() in _NO_MINOR_UNIT else 2


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


def format_number(amount: Decimal, places: int) -> str:
    """Thousands separated by commas, fixed decimals: 1,234.50."""
    quantized = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f'{quantized:,.{places}f}'


def format_quantity(quantity: Decimal) -> str:
    """Quantities print as typed, without trailing zeros: 2, 1.5, 0.25."""
    normalized = quantity.normalize()
    text = f'{normalized:f}'
    return text if '.' not in text else text.rstrip('0').rstrip('.')


def format_money(amount: Decimal, currency: str) -> str:
    """'€1,234.50' for currencies with a well-known symbol, '1,234 ISK' otherwise; minus sign in front."""
    code = currency.upper()
    body = format_number(abs(amount), currency_places(code))
    sign = '−' if round_money(amount, code) < 0 else ''
    symbol = _SYMBOLS.get(code)
    return f'{sign}{symbol}{body}' if symbol else f'{sign}{body} {code}'


def format_percent(rate: Decimal) -> str:
    return f'{format_quantity(rate)}%'
