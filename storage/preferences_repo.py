"""How this person wants Mailroom itself: for now, the language of its pages when chosen in the header."""

from __future__ import annotations

from tinydb import TinyDB
from tinydb.table import Document

from core.i18n import LANGUAGES

_DOCUMENT_ID = 1


class PreferencesRepository:
    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('preferences')
        self._language: str | None = self._read_language()

    def language(self) -> str | None:
        """The chosen page language, or None to follow the browser's (read on every request, so kept in memory)."""
        return self._language

    def choose_language(self, language: str | None) -> None:
        """A language Mailroom speaks, or None to follow the browser again."""
        if language is not None and language not in LANGUAGES:
            raise ValueError(f'Mailroom does not speak {language!r}.')
        self._table.upsert(Document({'language': language}, doc_id=_DOCUMENT_ID))
        self._language = language

    def _read_language(self) -> str | None:
        row = self._table.get(doc_id=_DOCUMENT_ID)
        language = row.get('language') if isinstance(row, dict) else None
        return language if language in LANGUAGES else None
