"""The Icelandic catalogues: `.po` files kept in git, compiled in memory when first needed (no `.mo` files)."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

CATALOGUE_FOLDER = Path(__file__).parent
"""One folder per language (`is/`), holding one `.po` file per area of the app, merged into one catalogue."""


def po_files(language: str) -> list[Path]:
    return sorted((CATALOGUE_FOLDER / language).glob('*.po'))


def read_catalogue(language: str) -> Catalog:
    """Every area's messages of `language` in one Babel catalogue (the first file's header and plural rule)."""
    merged: Catalog | None = None
    for path in po_files(language):
        with path.open('rb') as file:
            part = read_po(file, locale=language)
        if merged is None:
            merged = part
            continue
        for message in part:
            if message.id:
                merged[message.id] = message
    return merged if merged is not None else Catalog(locale=language)


@cache
def catalogue(language: str) -> NullTranslations:
    """Compiled once per process: Mailroom loads both catalogues at start-up, so the first page pays nothing."""
    compiled = BytesIO()
    write_mo(compiled, read_catalogue(language), use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled)
