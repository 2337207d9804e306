"""The email log and the outbox's queued attachments: each email is on disk before it is sent, so none is lost.

The log only grows, and every email is written three or four times (queued, sending, sent or failed), so records are
spread over small shard files (one write never rewrites the whole log) and kept in memory after the first read (this
process owns the folder, so nobody else changes them).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.email_log import EmailRecord
from core.message import Attachment
from storage.atomic import sync_everything, write_new_file
from storage.sharded import ShardedStore

SHARDS = 64
_FILES_KEY = 'attachment_files'


class EmailLogRepository:
    """Implements core.email_log.EmailLogStore: records in shards, attachment bytes as files beside them."""

    def __init__(self, folder: Path) -> None:
        self._store = ShardedStore(folder / 'records', SHARDS)
        self._files = folder / 'attachments'
        self._lock = threading.RLock()
        self._rows: dict[str, dict[str, Any]] | None = None

    def add(self, record: EmailRecord, attachments: Sequence[Attachment]) -> None:
        self.add_many([(record, attachments)])

    def add_many(self, entries: Sequence[tuple[EmailRecord, Sequence[Attachment]]]) -> None:
        """Attachments first, made durable with one sync for all of them, then the records, one atomic write per
        shard: a crash in between leaves only orphan files, never a queued email without its PDF."""
        rows = []
        for record, attachments in entries:
            folder = self._files / record.id
            folder.mkdir(parents=True, exist_ok=True)
            files = []
            for index, attachment in enumerate(attachments):
                name = f'{index}.bin'
                write_new_file(folder / name, attachment.data)
                files.append({'file': name, 'filename': attachment.filename, 'content_type': attachment.content_type})
            rows.append({**record.to_dict(), _FILES_KEY: files})
        if not rows:
            return
        sync_everything()  # one flush for hundreds of files instead of two fsyncs each
        with self._lock:
            self._store.put_many(rows)
            self._index().update((row['id'], row) for row in rows)

    def update(self, record: EmailRecord) -> None:
        with self._lock:
            files = self._index().get(record.id, {}).get(_FILES_KEY, [])
            self._put({**record.to_dict(), _FILES_KEY: files})

    def get(self, record_id: str) -> EmailRecord | None:
        row = self._index().get(record_id)
        return EmailRecord.from_dict(row) if row else None

    def all(self) -> list[EmailRecord]:
        """Newest first."""
        records = [EmailRecord.from_dict(row) for row in list(self._index().values())]
        return sorted(records, key=lambda r: r.created_at, reverse=True)

    def for_document(self, document_id: str) -> list[EmailRecord]:
        """A document's own email history, newest first."""
        return [r for r in self.all() if r.draft.document_id == document_id]

    def attachments(self, record_id: str) -> tuple[Attachment, ...]:
        row = self._index().get(record_id)
        if not row:
            return ()
        folder = self._files / record_id
        return tuple(_read(folder, entry) for entry in row.get(_FILES_KEY, ()) if (folder / entry['file']).exists())

    def discard_attachments(self, record_id: str) -> None:
        """A sent email's PDF can be rendered again from its document; the log keeps only its name and size."""
        with self._lock:
            row = self._index().get(record_id)
            if row and row.get(_FILES_KEY):
                self._put({**row, _FILES_KEY: []})
        shutil.rmtree(self._files / record_id, ignore_errors=True)

    def _put(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._store.put(row)
            self._index()[row['id']] = row

    def _index(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._rows is None:
                self._rows = {row['id']: row for row in self._store.load_all()}
            return self._rows


def _read(folder: Path, entry: dict[str, Any]) -> Attachment:
    return Attachment(entry['filename'], entry['content_type'], (folder / entry['file']).read_bytes())
