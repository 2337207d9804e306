"""Records spread over many small TinyDB files, so saving one never rewrites all the others.

TinyDB rewrites its whole file on every write; with 10,000 documents in one file each save would cost the size of
the whole collection. Hashing each record's id to one of a fixed number of shards keeps every write small (about
n / shard_count records), and each shard is written with the same crash-safe atomic storage as the main database.
"""

from __future__ import annotations

import json
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tinydb import TinyDB, where

from storage.atomic import AtomicJSONStorage, replace_many

_TABLE = 'records'


class ShardedStore:
    """Keyed JSON records (each has a string 'id') in `shard_count` TinyDB files under one folder."""

    def __init__(self, folder: Path, shard_count: int) -> None:
        self.folder = folder
        self.shard_count = shard_count
        self._shards: dict[int, TinyDB] = {}
        self._lock = threading.RLock()
        folder.mkdir(parents=True, exist_ok=True)

    def shard_of(self, record_id: str) -> int:
        return zlib.crc32(record_id.encode()) % self.shard_count

    def load_all(self) -> list[dict[str, Any]]:
        """Every record, read once at start; the repositories keep them in memory afterwards."""
        records: list[dict[str, Any]] = []
        with self._lock:
            for path in sorted(self.folder.glob('shard-*.json')):
                number = int(path.stem.removeprefix('shard-'))
                if number in self._shards:
                    records.extend(dict(row) for row in self._shards[number].table(_TABLE).all())
                else:
                    # The file TinyDB wrote, read straight: opening 1,024 TinyDB handles costs ten times as much.
                    records.extend(json.loads(path.read_bytes()).get(_TABLE, {}).values())
        return records

    def put(self, record: dict[str, Any]) -> None:
        with self._lock:
            table = self._db(self.shard_of(record['id'])).table(_TABLE)
            table.upsert(record, where('id') == record['id'])

    def put_many(self, records: Iterable[dict[str, Any]]) -> None:
        """Many at once (an import, a batch of emails): one rewrite per touched shard instead of one per record."""
        by_shard: dict[int, dict[str, dict[str, Any]]] = {}
        for record in records:
            by_shard.setdefault(self.shard_of(record['id']), {})[record['id']] = record
        with self._lock:
            files = {}
            for number, incoming in by_shard.items():
                db = self._db(number)
                kept = [dict(row) for row in db.table(_TABLE).all() if row['id'] not in incoming]
                content = {_TABLE: {str(i): r for i, r in enumerate([*kept, *incoming.values()], 1)}}
                files[self._path(number)] = json.dumps(content, ensure_ascii=False, separators=(',', ':')).encode()
                # The TinyDB handle is dropped so no cached table state (such as its next id) outlives the write.
                db.close()
                del self._shards[number]
            replace_many(files)

    def remove(self, record_id: str) -> None:
        with self._lock:
            self._db(self.shard_of(record_id)).table(_TABLE).remove(where('id') == record_id)

    def _path(self, number: int) -> Path:
        return self.folder / f'shard-{number:04d}.json'

    def _db(self, number: int) -> TinyDB:
        if number not in self._shards:
            self._shards[number] = TinyDB(self._path(number), storage=AtomicJSONStorage)
        return self._shards[number]
