"""Every text a person reads goes through here: English as written in the code, Icelandic from the catalogues.

The language of a piece of work is a context variable, so a page, its event handlers and the tasks they start all
speak the language the page was built in; the web layer sets it per request, the terminal from the environment,
and a document is rendered in its contact's language with `using_language`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from decimal import ROUND_HALF_EVEN, Decimal

from core.i18n.catalogue import catalogue

LANGUAGES: dict[str, str] = {'en': 'English', 'is': 'Íslenska'}
"""The languages Mailroom speaks, each named in itself, as a language menu shows them."""
DEFAULT_LANGUAGE = 'en'
LOCALES: dict[str, str] = {'en': 'en_GB', 'is': 'is_IS'}
"""The Babel locale for dates, numbers and money in each language."""

_language: ContextVar[str | None] = ContextVar('mailroom_language', default=None)
_fallback: Callable[[], str | None] = lambda: None  # noqa: E731


def _(message: str) -> str:
    """The message in the current language; English (the message itself) where no translation exists."""
    language = current_language()
    return message if language == DEFAULT_LANGUAGE else catalogue(language).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, by the current language's own plural rule."""
    language = current_language()
    if language == DEFAULT_LANGUAGE:
        return singular if count == 1 else plural
    return catalogue(language).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    """For one English word with two meanings: 'Email' the button (Tölvupóstur) and the field (Netfang)."""
    language = current_language()
    return message if language == DEFAULT_LANGUAGE else str(catalogue(language).pgettext(context, message))


def N_(message: str) -> str:
    """Marks a message for translation where it is defined (a table, a constant); `_()` translates it where shown."""
    return message


def current_language() -> str:
    """The language of the work in hand: set for it, else the fallback's answer, else English."""
    return _language.get() or _fallback() or DEFAULT_LANGUAGE


def set_language(language: str) -> Token[str | None]:
    """For a request or a terminal command: everything after this, and every task started from it, speaks it."""
    return _language.set(supported(language))


def reset_language(token: Token[str | None]) -> None:
    _language.reset(token)


@contextmanager
def using_language(language: str) -> Iterator[None]:
    """For one piece of work in another language, such as a document in its contact's language."""
    token = set_language(language)
    try:
        yield
    finally:
        _language.reset(token)


def set_fallback(fallback: Callable[[], str | None]) -> None:
    """Where the language comes from when no one set it for this task (the web layer asks the page's client)."""
    global _fallback
    _fallback = fallback


def supported(language: str | None) -> str:
    """'is', 'is-IS' and 'is_IS' all mean Icelandic; anything Mailroom does not speak means English."""
    code = _code(language or '')
    return code if code in LANGUAGES else DEFAULT_LANGUAGE


def negotiate(accept_language: str | None) -> str:
    """The browser's first choice that Mailroom speaks, by the quality values of an Accept-Language header."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or '').split(',')):
        tag, _sep, params = part.strip().partition(';')
        quality = 1.0
        for param in params.split(';'):
            name, _eq, value = param.strip().partition('=')
            if name == 'q':
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = _code(tag)
        if code in LANGUAGES and quality > 0:
            choices.append((-quality, position, code))
    return min(choices)[2] if choices else DEFAULT_LANGUAGE


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    """A terminal's language, as gettext reads it: LANGUAGE, then LC_ALL, LC_MESSAGES and LANG."""
    env = os.environ if environ is None else environ
    for value in env.get('LANGUAGE', '').split(':'):
        if _code(value) in LANGUAGES:
            return _code(value)
    for name in ('LC_ALL', 'LC_MESSAGES', 'LANG'):
        if env.get(name):
            code = _code(env[name])
            return code if code in LANGUAGES else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def _code(locale_name: str) -> str:
    """'is_IS.UTF-8' → 'is'."""
    return locale_name.split('.')[0].split('@')[0].replace('_', '-').split('-')[0].strip().lower()


def load_catalogues() -> None:
    """At start-up, so no page waits for a catalogue to compile."""
    for language in LANGUAGES:
        if language != DEFAULT_LANGUAGE:
            catalogue(language)


DIGIT_GROUPS: dict[str, str] = {'en': ',', 'is': '.'}
"""How each language groups the digits of a whole number, as CLDR (and so Babel) writes them; a test holds the two
equal. Written out so that a page showing a count need not load Babel's locale data: that took a quarter of the
first page's time at start-up."""


DECIMAL_MARKS: dict[str, str] = {'en': '.', 'is': ','}
"""Each language's decimal mark, as CLDR writes it; a test holds it to Babel, as `DIGIT_GROUPS`."""


def format_count(count: int) -> str:
    """A whole number as the current language writes it: 10,000 in English, 10.000 in Icelandic."""
    return f'{count:,}'.replace(',', DIGIT_GROUPS[current_language()])


def format_tenths(number: float) -> str:
    """A number to one decimal, without grouping, as the current language writes it: 5.0 in English, 5,0 in
    Icelandic; rounded as Babel rounds (half to even, of the number as Python prints it). The settings test shows a
    server's size limit this way: loading Babel's locale data for it held up the first test by a few hundredths of a
    second."""
    rounded = Decimal(repr(number)).quantize(Decimal('0.1'), ROUND_HALF_EVEN)
    return str(rounded).replace('.', DECIMAL_MARKS[current_language()])


def babel_locale(language: str | None = None) -> str:
    """The Babel locale for formatting in `language` (default: the current one)."""
    return LOCALES[supported(language or current_language())]
