"""Money as Decimal: parsing what people type, rounding like an accountant, formatting for print.

Money, numbers and dates print in a Babel locale (`core.i18n.babel_locale`: the current language's unless one is
given), so a document prints them in its contact's language: '1.234.568 kr.' and '5. mars 2026' in Icelandic.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol, get_decimal_symbol

from core.i18n import _, babel_locale

ZERO = Decimal(0)
ENGLISH = 'en'
"""English keeps the style the documents have always printed: grouping with commas, a decimal point, '€1,234.50',
'1,234 ISK' for a currency without a sign of its own; the currency's own decimals from CLDR."""


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
        raise ValueError(_('Enter a number.'))
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
        raise ValueError(_('"{text}" is not a number.').format(text=text.strip())) from None
    if not value.is_finite():
        raise ValueError(_('"{text}" is not a number.').format(text=text.strip()))
    return value


def _is_english(locale: str) -> bool:
    return locale.split('_')[0] == ENGLISH


def format_quantity(quantity: Decimal, locale: str | None = None) -> str:
    """Quantities print as typed, without trailing zeros: 2, 1.5, 0.25 (1,5 with a decimal comma in `locale`).

    Without a locale, as an input field shows it for editing: always with a decimal point."""
    normalized = quantity.normalize()
    text = f'{normalized:f}'
    text = text if '.' not in text else text.rstrip('0').rstrip('.')
    return text if locale is None else text.replace('.', get_decimal_symbol(locale))


def format_money(amount: Decimal, currency: str, locale: str | None = None) -> str:
    """In English '€1,234.50' for a currency with its own sign, '1,234 ISK' otherwise; in Icelandic '1.234,50 €' and
    '1.234.568 kr.'; minus sign in front. `locale`: a Babel locale, by default the current language's.

    Rounded half-up here first: Babel would round half-even (0.125 EUR to 0.12, 2.5 ISK to 2), invoices round half-up.
    """
    locale = locale or babel_locale()
    code = currency.upper()
    rounded = round_money(amount, code)
    if _is_english(locale):
        symbol = get_currency_symbol(code, ENGLISH)
        pattern = '¤#,##0.00' if symbol != code else '#,##0.00 ¤¤'
        body = format_currency(abs(rounded), code, format=pattern, locale=ENGLISH, currency_digits=True)
    else:
        body = format_currency(abs(rounded), code, locale=locale, currency_digits=True)
    return f'{"−" if rounded < 0 else ""}{body}'


def format_percent(rate: Decimal, locale: str | None = None) -> str:
    return f'{format_quantity(rate, locale)}%'


def format_date(value: date, locale: str | None = None) -> str:
    """'5 Mar 2026' in English, '5. mars 2026' in Icelandic: unambiguous in every country, unlike 03/05/2026."""
    locale = locale or babel_locale()
    if _is_english(locale):
        return f'{value.day} {value.strftime("%b %Y")}'
    from babel.dates import format_date as babel_format_date  # on first use: importing it costs start-up ~50 ms

    return babel_format_date(value, format='long', locale=locale)
