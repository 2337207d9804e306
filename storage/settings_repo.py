"""The saved email settings: public fields as they are, the password encrypted."""

from __future__ import annotations

from tinydb import TinyDB
from tinydb.table import Document

from core.settings import EmailSettings
from storage.secrets import SecretBox

_DOCUMENT_ID = 1


class SettingsRepository:
    def __init__(self, db: TinyDB, box: SecretBox) -> None:
        self._table = db.table('email_settings')
        self._box = box

    def load(self) -> EmailSettings | None:
        """The saved settings with the password decrypted, for core/ to use; None before the first Update."""
        stored = self._table.get(doc_id=_DOCUMENT_ID)
        if stored is None:
            return None
        data = dict(stored)
        token = data.pop('password_encrypted', '')
        return EmailSettings.from_dict({**data, 'password': self._box.decrypt(token) if token else ''})

    def has_password(self) -> bool:
        stored = self._table.get(doc_id=_DOCUMENT_ID)
        return bool(stored and stored.get('password_encrypted'))

    def save(self, settings: EmailSettings) -> None:
        """Save in one write; a blank password keeps the one already saved."""
        stored = self._table.get(doc_id=_DOCUMENT_ID)
        kept = stored.get('password_encrypted', '') if isinstance(stored, dict) else ''
        token = self._box.encrypt(settings.password) if settings.password else kept
        record = {**settings.to_public_dict(), 'password_encrypted': token}
        self._table.upsert(Document(record, doc_id=_DOCUMENT_ID))
