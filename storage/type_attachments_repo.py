"""Files that go with every email of a document type (terms and conditions, an e-invoice XML), in the data folder.

The list lives in the main database; each file's bytes in its own file beside it, written (and fsynced) before the
list names it, so a crash leaves at most an unlisted file, never a listed one without its bytes.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from tinydb import Query, TinyDB

from core.message import Attachment
from storage.atomic import write_atomically


class TypeAttachmentsRepository:
    def __init__(self, db: TinyDB, folder: Path) -> None:
        self._table = db.table('type_attachments')
        self._folder = folder

    def load(self, document_type: str) -> tuple[Attachment, ...]:
        """In the order they were added; a file gone from the folder is left out rather than sent empty."""
        rows = self._table.search(Query().document_type == document_type)
        found = []
        for row in rows:
            path = self._folder / row['file']
            if path.is_file():
                found.append(Attachment(row['filename'], row['content_type'], path.read_bytes()))
        return tuple(found)

    def add(self, document_type: str, attachment: Attachment) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        name = f'{uuid.uuid4().hex}.bin'
        write_atomically(self._folder / name, attachment.data)
        self._table.insert(
            {
                'document_type': document_type,
                'filename': attachment.filename,
                'content_type': attachment.content_type,
                'file': name,
            }
        )

    def remove(self, document_type: str, filename: str) -> None:
        row = Query()
        gone = self._table.search((row.document_type == document_type) & (row.filename == filename))
        self._table.remove((row.document_type == document_type) & (row.filename == filename))
        for entry in gone:
            (self._folder / entry['file']).unlink(missing_ok=True)
