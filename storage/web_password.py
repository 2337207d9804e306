"""The web app's sign-in password, kept only as a salted scrypt hash: the data folder never holds it readable."""

from __future__ import annotations

import hashlib
import hmac
import os

from tinydb import TinyDB
from tinydb.table import Document

_DOCUMENT_ID = 1
MINIMUM_LENGTH = 8
# scrypt cost: 16 MiB and some tens of milliseconds per guess (RFC 7914's interactive-login figures).
_COST = {'n': 2**14, 'r': 8, 'p': 1}


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 * 1024 * 1024, dklen=32)


class WebPasswordRepository:
    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('web_password')

    def is_set(self) -> bool:
        return self._table.contains(doc_id=_DOCUMENT_ID)

    def set(self, password: str) -> None:
        """Replace the password; the caller has checked MINIMUM_LENGTH and told the user."""
        salt = os.urandom(16)
        record = {'algorithm': 'scrypt', 'salt': salt.hex(), **_COST, 'hash': _scrypt(password, salt, **_COST).hex()}
        self._table.upsert(Document(record, doc_id=_DOCUMENT_ID))

    def verify(self, password: str) -> bool:
        """Constant-time comparison; False when no password is set."""
        stored = self._table.get(doc_id=_DOCUMENT_ID)
        if not isinstance(stored, dict) or stored.get('algorithm') != 'scrypt':
            return False
        cost = {name: int(stored[name]) for name in _COST}
        computed = _scrypt(password, bytes.fromhex(stored['salt']), **cost)
        return hmac.compare_digest(computed, bytes.fromhex(stored['hash']))
