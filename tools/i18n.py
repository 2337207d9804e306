"""Keep the Icelandic catalogues complete: `python tools/i18n.py check`, and
`python tools/i18n.py add-missing core/i18n/is/ui.po ui/` to append the messages of `ui/` that no catalogue has yet
(with an empty translation to fill in). The test suite runs the same check."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE_FOLDERS = ('core', 'storage', 'ui', 'cli')
SOURCE_FILES = ('main.py',)
KEYWORDS = {
    '_': None,
    'N_': None,
    'ngettext': (1, 2),
    'pgettext': ((1, 'c'), 2),
    'phrase': None,
    'plural_phrase': (1, 2),
}
PLACEHOLDER = re.compile(r'\{[^{}]*\}')
LANGUAGE = 'is'


@dataclass(frozen=True)
class Message:
    """One text of the code: its English form (a pair for plurals) and where it is written."""

    id: str | tuple[str, str]
    location: tuple[str, int]
    context: str | None = None

    @property
    def key(self) -> str | tuple[str, str]:
        """The id, with the context in front for a `pgettext` text (one English word, two meanings)."""
        return f'{self.context}\x04{self.id}' if self.context else self.id


def source_files(paths: Iterable[str] = SOURCE_FOLDERS + SOURCE_FILES) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = ROOT / name
        found += sorted(path.rglob('*.py')) if path.is_dir() else [path]
    return found


def extract(paths: Iterable[str] = SOURCE_FOLDERS + SOURCE_FILES) -> list[Message]:
    """Every `_()`, `N_()`, `ngettext()` and `phrase()` text with a literal argument, in file order."""
    messages: list[Message] = []
    for path in source_files(paths):
        relative = str(path.relative_to(ROOT))
        for line, text, _comments, context in extract_from_file('python', str(path), keywords=KEYWORDS):
            ident = text if isinstance(text, str) else (text[0], text[1])
            messages.append(Message(ident, (relative, line), context))
    return messages


def read(path: Path) -> Catalog:
    with path.open('rb') as file:
        return read_po(file, locale=LANGUAGE)


def translated_ids() -> dict[str | tuple[str, str], list[str]]:
    """Each message id of every catalogue file with its translation(s): one string, or one per plural form."""
    found: dict[str | tuple[str, str], list[str]] = {}
    for path in sorted((ROOT / 'core' / 'i18n' / LANGUAGE).glob('*.po')):
        for message in read(path):
            if message.id:
                ident = message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
                if message.context:
                    ident = f'{message.context}\x04{ident}'
                strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
                found[ident] = [] if message.fuzzy else strings
    return found


def problems() -> list[str]:
    """What stops the catalogue from being complete: a text with no translation, or placeholders that differ."""
    translations = translated_ids()
    found: list[str] = []
    seen: set[str | tuple[str, str]] = set()
    for message in extract():
        if message.key in seen:
            continue
        seen.add(message.key)
        where = f'{message.location[0]}:{message.location[1]}'
        strings = translations.get(message.key)
        if not strings or not all(s.strip() for s in strings):
            found.append(f'{where}: no Icelandic for {message.id!r}')
            continue
        english = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = sorted(set(PLACEHOLDER.findall(english[-1])))
        for string in strings:
            if sorted(set(PLACEHOLDER.findall(string))) != wanted:
                found.append(f'{where}: placeholders differ in {message.id!r}: {string!r}')
    return found


def new_catalog() -> Catalog:
    return Catalog(
        locale=LANGUAGE,
        project='Mailroom',
        version='1',
        copyright_holder='Mailroom',
        msgid_bugs_address='',
        last_translator='Mailroom',
        language_team='Icelandic',
        header_comment='# Icelandic texts of Mailroom: fill msgstr; keep every {placeholder} as it is.',
        fuzzy=False,
    )


def add_missing(target: Path, paths: list[str]) -> int:
    """Append to `target` every text under `paths` that no catalogue holds yet; returns how many."""
    known = translated_ids()
    catalog = read(target) if target.exists() else new_catalog()
    added = 0
    for message in extract(paths):
        if message.key in known or catalog.get(message.id, context=message.context) is not None:
            continue
        empty = '' if isinstance(message.id, str) else ('', '')
        catalog.add(message.id, string=empty, locations=[message.location], context=message.context)
        added += 1
    with target.open('wb') as file:
        write_po(file, catalog, width=120, include_lineno=False)
    unfilled = ('"Report-Msgid-Bugs-To: EMAIL@ADDRESS\\n"', '"PO-Revision-Date: YEAR-MO-DA HO:MI+ZONE\\n"')
    lines = target.read_text(encoding='utf-8').splitlines(keepends=True)
    target.write_text(''.join(line for line in lines if line.strip() not in unfilled), encoding='utf-8')
    return added


def texts_in_several_files() -> list[str]:
    """A text kept in two catalogue files can get two translations, and which one shows would depend on file order."""
    owners: dict[str | tuple[str, str], list[str]] = {}
    for path in sorted((ROOT / 'core' / 'i18n' / LANGUAGE).glob('*.po')):
        for message in read(path):
            if message.id:
                ident = message.id if isinstance(message.id, str) else (message.id[0], message.id[1])
                owners.setdefault(f'{message.context}\x04{ident}' if message.context else ident, []).append(path.name)
    return [f'{ident!r} is in {", ".join(files)}' for ident, files in owners.items() if len(files) > 1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('check', help='list texts with no Icelandic or with different placeholders')
    add = commands.add_parser('add-missing', help='append untranslated texts of some folders to one .po file')
    add.add_argument('target', type=Path)
    add.add_argument('paths', nargs='+')
    arguments = parser.parse_args(argv)
    if arguments.command == 'add-missing':
        print(f'{add_missing(arguments.target, arguments.paths)} texts added to {arguments.target}')
        return 0
    found = problems() + texts_in_several_files()
    print('\n'.join(found) or 'Every text has its Icelandic.')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
