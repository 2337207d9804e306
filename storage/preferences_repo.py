"""How this person wants Mailroom itself: the language of its pages when chosen in the header, and whether Find my
settings may ask Thunderbird's online database."""

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

    def online_ispdb(self) -> bool:
        """Off until chosen: asking Thunderbird's online database tells Mozilla the domain looked up."""
        row = self._table.get(doc_id=_DOCUMENT_ID)
        return isinstance(row, dict) and row.get('online_ispdb') is True

    def choose_online_ispdb(self, wanted: bool) -> None:
        self._table.upsert(Document({'online_ispdb': wanted}, doc_id=_DOCUMENT_ID))

    def _read_language(self) -> str | None:
        row = self._table.get(doc_id=_DOCUMENT_ID)
        language = row.get('language') if isinstance(row, dict) else None
        return language if language in LANGUAGES else None
