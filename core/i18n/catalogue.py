"""The Icelandic catalogues: `.po` files kept in git (written and checked with Babel by tools/i18n.py), read into the
standard library's gettext when first needed (no `.mo` files).

Why not Babel's `read_po` and an in-memory `.mo` here: importing Babel's catalogue code, parsing with it and
compiling took about 200 ms of every start-up (bench/startup.py); reading the files straight into gettext takes a
few. A test holds this reader to Babel's: the same translation for every message of every file.
"""

from __future__ import annotations

import gettext
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOGUE_FOLDER = Path(__file__).parent
"""One folder per language (`is/`), holding one `.po` file per area of the app, merged into one catalogue."""

_ESCAPE = re.compile(r'\\([\\tnr"])')
_ESCAPED = {'\\': '\\', 't': '\t', 'n': '\n', 'r': '\r', '"': '"'}


def po_files(language: str) -> list[Path]:
    return sorted((CATALOGUE_FOLDER / language).glob('*.po'))


@cache
def catalogue(language: str) -> PoTranslations:
    """Read once per process: Mailroom loads both catalogues at start-up, so the first page pays nothing."""
    return translations_from_po(path.read_text(encoding='utf-8') for path in po_files(language))


def translations_from_po(texts: Iterable[str]) -> PoTranslations:
    """Several `.po` texts merged into one catalogue; the first header found gives the plural rule."""
    return PoTranslations(io.BytesIO('\n\n'.join(texts).encode()))


@dataclass(frozen=True)
class PoEntry:
    """One message of a `.po` file: the id (with its context in front, as gettext keys it) and its translation(s)."""

    key: str
    plural: bool
    strings: tuple[str, ...]
    fuzzy: bool


class PoTranslations(gettext.GNUTranslations):
    """gettext's catalogue filled from `.po` text; `_parse` is gettext's documented hook for another file format.
    Like Babel's `.mo` compiler it leaves out fuzzy and untranslated messages, so they read in English."""

    def _parse(self, fp: gettext._TranslationsReader) -> None:
        self._info: dict[str, str] = {}
        self._charset = 'utf-8'
        self._catalog: dict[str | tuple[str, int], str] = {}
        self.plural = lambda n: int(n != 1)
        for entry in read_entries(fp.read().decode()):
            if entry.key == '':
                if not self._info:
                    self._read_header(entry.strings[0])
            elif not entry.fuzzy and all(entry.strings):
                if entry.plural:
                    for index, string in enumerate(entry.strings):
                        self._catalog[(entry.key, index)] = string
                else:
                    self._catalog[entry.key] = entry.strings[0]

    def _read_header(self, header: str) -> None:
        for line in header.splitlines():
            name, colon, value = line.partition(':')
            if colon:
                self._info[name.strip().lower()] = value.strip()
        rule = self._info.get('plural-forms', '').partition('plural=')[2].rstrip(';').strip()
        if rule:
            self.plural = gettext.c2py(rule)


def read_entries(text: str) -> Iterator[PoEntry]:
    """The entries of a `.po` text in order. An entry ends at a blank line, a comment or the next msgctxt/msgid once
    its msgstr has begun; `#, fuzzy` marks the entry after it; obsolete `#~` entries are comments here."""
    fields: dict[str, list[str]] = {}
    current: list[str] | None = None
    translated = fuzzy = False
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith('"'):
            if current is not None:
                current.append(_unquote(line))
            continue
        if translated and (not line or line.startswith(('#', 'msgctxt', 'msgid'))):
            yield _entry(fields, fuzzy)
            fields, current, translated, fuzzy = {}, None, False, False
        if line.startswith('msg'):
            keyword, _space, value = line.partition(' ')
            current = fields[keyword] = [_unquote(value.strip())]
            translated = translated or keyword.startswith('msgstr')
        elif line.startswith('#,'):
            fuzzy = fuzzy or 'fuzzy' in (flag.strip() for flag in line[2:].split(','))
    if translated:
        yield _entry(fields, fuzzy)


def _entry(fields: dict[str, list[str]], fuzzy: bool) -> PoEntry:
    ident = ''.join(fields.get('msgid', ()))
    if 'msgctxt' in fields:
        ident = f'{"".join(fields["msgctxt"])}\x04{ident}'
    if 'msgid_plural' in fields:
        forms = sorted((name for name in fields if name.startswith('msgstr[')), key=lambda name: int(name[7:-1]))
        return PoEntry(ident, True, tuple(''.join(fields[name]) for name in forms), fuzzy)
    return PoEntry(ident, False, (''.join(fields.get('msgstr', ())),), fuzzy)


def _unquote(quoted: str) -> str:
    """A `"…"` piece of a `.po` line without its quotes, its C escapes read as Babel reads them."""
    inner = quoted[1:-1]
    return _ESCAPE.sub(lambda match: _ESCAPED[match.group(1)], inner) if '\\' in inner else inner
