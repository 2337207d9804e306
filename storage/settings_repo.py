"""The saved email settings: public fields as they are, each secret encrypted together with its connection."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from core.settings import (
    SECRET_FIELDS,
    EmailSettings,
    SavedSecret,
    SecretUnavailable,
    secret_in_use,
    secret_owner,
    secret_target,
)
from storage.secrets import SecretBox, SecretKeyError

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

    def revision(self) -> str:
        """A mark of what is saved now: a page compares it to tell whether another window saved since it loaded."""
        stored = self._stored()
        return '' if stored is None else hashlib.sha256(json.dumps(stored, sort_keys=True).encode()).hexdigest()

    def load_public(self) -> EmailSettings | None:
        """The saved settings with the secrets left out: what a page may show, and it needs no key."""
        stored = self._stored()
        return None if stored is None else EmailSettings.from_dict(stored)

    def load(self) -> EmailSettings | None:
        """The saved settings ready to send with (outbox, terminal); None before the first Update.

        Raises SecretUnavailable when the secret they need cannot be read or was saved for another connection.
        """
        public = self.load_public()
        return None if public is None else self.with_saved_secrets(public)

    def saved_secret(self, settings: EmailSettings, name: str) -> SavedSecret:
        """Whether a blank secret field may keep the saved secret for these settings (the secret stays here)."""
        return self._lookup(settings, name)[0]

    def with_saved_secrets(self, settings: EmailSettings, *, require: bool = True) -> EmailSettings:
        """The only code that hands out a saved secret: each blank secret field is filled in with the saved one,
        and only when it was saved for exactly this connection (server, port, security, certificate check,
        plaintext permission and username; for HTTP the server address).

        Raises SecretUnavailable when the secret these settings sign in with is blank and the saved one may not be
        used, unless `require` is False (signing in again, which makes that secret anew).
        """
        changes: dict[str, Any] = {}
        for name in SECRET_FIELDS:
            if getattr(settings, name):
                continue
            state, secret = self._lookup(settings, name)
            if state is SavedSecret.FITS:
                changes[name] = secret
            elif require and state is not SavedSecret.NOT_SAVED and name == secret_in_use(settings):
                raise SecretUnavailable(name, state, secret_target(settings, name))
        return replace(settings, **changes)

    def save(self, settings: EmailSettings) -> None:
        """Save in one write; a blank secret keeps the saved one only while it belongs to the same connection."""
        record = settings.to_public_dict()
        for name in SECRET_FIELDS:
            secret = getattr(settings, name)
            if not secret:
                state, secret = self._lookup(settings, name)
                secret = secret if state is SavedSecret.FITS else ''
            record[_encrypted_key(name)] = self._seal(settings, name, secret) if secret else ''
        self._table.upsert(Document(record, doc_id=_DOCUMENT_ID))

    def save_rotated_sign_in(self, settings: EmailSettings, refresh_token: str) -> bool:
        """The provider replaced the refresh token (Microsoft does on every use): keep the new one at once, sealed for
        the same connection, but only while the saved sign-in is still the one `settings` carried."""
        stored = self._stored()
        name = 'oauth_refresh_token'
        state, saved = self._lookup(settings, name)
        if stored is None or state is not SavedSecret.FITS or saved != settings.oauth_refresh_token:
            return False
        stored[_encrypted_key(name)] = self._seal(settings, name, refresh_token)
        self._table.upsert(Document(stored, doc_id=_DOCUMENT_ID))
        return True

    def forget_sign_in(self) -> None:
        """Sign out: the saved refresh token and the account shown go; everything else stays as saved."""
        stored = self._stored()
        if stored is None:
            return
        stored[_encrypted_key('oauth_refresh_token')] = ''
        stored['oauth_account'] = ''
        self._table.upsert(Document(stored, doc_id=_DOCUMENT_ID))

    def _seal(self, settings: EmailSettings, name: str, secret: str) -> str:
        """The secret and its connection in one encrypted token, so neither can be changed without the other."""
        return self._box.encrypt(json.dumps({'secret': secret, 'owner': secret_owner(settings, name)}))

    def _lookup(self, settings: EmailSettings, name: str) -> tuple[SavedSecret, str]:
        stored = self._stored()
        token = stored.get(_encrypted_key(name)) if stored else None
        if not stored or not token:
            return SavedSecret.NOT_SAVED, ''
        try:
            plaintext = self._box.decrypt(str(token))
        except SecretKeyError:
            return SavedSecret.UNREADABLE, ''
        secret, owner = _unseal(plaintext, stored, name)
        if owner != secret_owner(settings, name):
            return SavedSecret.OTHER_CONNECTION, ''
        return SavedSecret.FITS, secret


def _unseal(plaintext: str, stored: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    """The secret and its owner; one saved before owners were sealed in belongs to the record it was saved with."""
    try:
        sealed = json.loads(plaintext)
    except ValueError:
        sealed = None
    if isinstance(sealed, dict) and set(sealed) == {'secret', 'owner'} and isinstance(sealed['owner'], dict):
        return str(sealed['secret']), sealed['owner']
    return plaintext, secret_owner(EmailSettings.from_dict(stored), name)
