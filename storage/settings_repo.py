"""The saved email settings: public fields as they are, each secret encrypted."""

from __future__ import annotations

from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from core.settings import SECRET_FIELDS, EmailSettings, secret_owner
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

    def saved_secret_fits(self, settings: EmailSettings, name: str) -> bool:
        """Whether a secret is saved for the server (and account) these settings name, so a blank field may keep it."""
        stored = self._stored()
        if not stored or not stored.get(_encrypted_key(name)):
            return False
        return secret_owner(EmailSettings.from_dict(stored), name) == secret_owner(settings, name)

    def save(self, settings: EmailSettings) -> None:
        """Save in one write; a blank secret keeps the saved one only while it still belongs to the same server."""
        stored = self._stored() or {}
        record = settings.to_public_dict()
        for name in SECRET_FIELDS:
            if value := getattr(settings, name):
                record[_encrypted_key(name)] = self._box.encrypt(value)
            else:
                fits = self.saved_secret_fits(settings, name)
                record[_encrypted_key(name)] = stored.get(_encrypted_key(name), '') if fits else ''
        self._table.upsert(Document(record, doc_id=_DOCUMENT_ID))
