"""The saved email settings: public fields as they are, each secret encrypted."""

from __future__ import annotations

from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from core.settings import SECRET_FIELDS, EmailSettings
from storage.secrets import SecretBox

_DOCUMENT_ID = 1


def _encrypted_key(name: str) -> str:
    return f'{name}_encrypted'


class SettingsRepository:
    def __init__(self, db: TinyDB, box: SecretBox) -> None:
        self._table = db.table('email_settings')
        self._box = box

    def _stored(self) -> dict[str, Any] | None:
        stored = self._table.get(doc_id=_DOCUMENT_ID)
        return dict(stored) if isinstance(stored, dict) else None

    def is_saved(self) -> bool:
        """Whether Update was ever pressed; cheap, and needs no key."""
        return self._table.contains(doc_id=_DOCUMENT_ID)

    def load(self) -> EmailSettings | None:
        """The saved settings with the secrets decrypted, for core/ to use; None before the first Update."""
        stored = self._stored()
        if stored is None:
            return None
        secrets = {
            name: self._box.decrypt(token) for name in SECRET_FIELDS if (token := stored.get(_encrypted_key(name)))
        }
        return EmailSettings.from_dict({**stored, **secrets})

    def load_public(self) -> EmailSettings | None:
        """The saved settings with the secrets left out: what a page may show, and it needs no key."""
        stored = self._stored()
        return None if stored is None else EmailSettings.from_dict(stored)

    def has_secret(self, name: str = 'password') -> bool:
        stored = self._stored()
        return bool(stored and stored.get(_encrypted_key(name)))

    def has_password(self) -> bool:
        return self.has_secret('password')

    def save(self, settings: EmailSettings) -> None:
        """Save in one write; a blank secret keeps the one already saved."""
        stored = self._stored() or {}
        record = settings.to_public_dict()
        for name in SECRET_FIELDS:
            value = getattr(settings, name)
            record[_encrypted_key(name)] = self._box.encrypt(value) if value else stored.get(_encrypted_key(name), '')
        self._table.upsert(Document(record, doc_id=_DOCUMENT_ID))
