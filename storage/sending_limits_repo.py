"""The user's own sending limits, when they differ from what Mailroom knows about their provider."""

from __future__ import annotations

from tinydb import TinyDB
from tinydb.table import Document

from core.i18n import N_
from core.providers import SendingLimits

_DOCUMENT_ID = 1
SOURCE = N_('your own numbers')
"""Marked here, worded where shown."""


class SendingLimitsRepository:
    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('sending_limits')

    def load(self) -> SendingLimits | None:
        row = self._table.get(doc_id=_DOCUMENT_ID)
        if not isinstance(row, dict):
            return None
        return SendingLimits(
            per_minute=row.get('per_minute') or None, per_day=row.get('per_day') or None, source=SOURCE
        )

    def save(self, limits: SendingLimits) -> None:
        record = {'per_minute': limits.per_minute, 'per_day': limits.per_day}
        self._table.upsert(Document(record, doc_id=_DOCUMENT_ID))

    def reset(self) -> None:
        """Back to the provider's limits (or the default for an unknown server)."""
        if self._table.contains(doc_id=_DOCUMENT_ID):
            self._table.remove(doc_ids=[_DOCUMENT_ID])
