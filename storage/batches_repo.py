"""Batches of emails in the data folder: small records (each email is in the email log), so one table is enough."""

from __future__ import annotations

from tinydb import Query, TinyDB

from core.batch import Batch


class BatchesRepository:
    """Implements core.batch.BatchStore."""

    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('email_batches')

    def save(self, batch: Batch) -> None:
        self._table.upsert(batch.to_dict(), Query().id == batch.id)

    def get(self, batch_id: str) -> Batch | None:
        row = self._table.get(Query().id == batch_id)
        return Batch.from_dict(row) if isinstance(row, dict) else None

    def all(self) -> list[Batch]:
        """Newest first."""
        return sorted((Batch.from_dict(row) for row in self._table.all()), key=lambda b: b.created_at, reverse=True)
