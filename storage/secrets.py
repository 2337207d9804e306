"""Encryption of secrets at rest, with the key kept apart from the database."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from core.i18n import _
from storage.atomic import write_atomically

KEY_ENVIRONMENT_VARIABLE = 'MAILROOM_SECRET_KEY'
KEY_FILE_NAME = 'secret.key'


class SecretKeyError(RuntimeError):
    """The stored secrets cannot be decrypted with the key at hand."""


class DataFileError(RuntimeError):
    """A file in the data folder is damaged or unreadable; the message names it and the way out."""


class SecretBox:
    """Fernet (AES-128-CBC + HMAC-SHA256): authenticated, so a wrong key is detected, never silently garbled."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def for_folder(cls, folder: Path) -> SecretBox:
        """The key from MAILROOM_SECRET_KEY if set, else from a 0600 key file made on first use."""
        if configured := os.environ.get(KEY_ENVIRONMENT_VARIABLE):
            return cls(_as_fernet_key(configured))
        key_file = folder / KEY_FILE_NAME
        if not key_file.exists():  # a lost key makes a new one; secrets saved with the old one then read as unreadable
            write_atomically(key_file, Fernet.generate_key())
        try:
            key_file.chmod(0o600)
            return cls(key_file.read_bytes().strip())
        except OSError as error:
            raise DataFileError(
                _(
                    'The secret key file {file} cannot be read ({reason}). Make it readable for the user who runs '
                    'Mailroom, or move it away: Mailroom then makes a new key and asks for the password again.'
                ).format(file=key_file, reason=error.strerror)
            ) from error
        except ValueError as error:
            raise DataFileError(
                _(
                    'The secret key file {file} is damaged: it does not hold a key. Put back a copy from a backup, '
                    'or move the file away: Mailroom then makes a new key and asks for the password again.'
                ).format(file=key_file)
            ) from error

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode('ascii')

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode('ascii')).decode()
        except (InvalidToken, UnicodeError) as error:
            raise SecretKeyError(
                'The saved password cannot be decrypted: the secret key changed. Enter the password again and save.'
            ) from error


def _as_fernet_key(configured: str) -> bytes:
    """Accept a Fernet key as is; derive one from any other passphrase."""
    try:
        if len(base64.urlsafe_b64decode(configured.encode())) == 32:
            return configured.encode()
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(configured.encode()).digest())
