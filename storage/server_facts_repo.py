"""What the settings test learnt about a server that later work needs: the message size it announced."""

from __future__ import annotations

from tinydb import Query, TinyDB


class ServerFactsRepository:
    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('server_facts')

    def size_limit(self, host: str, port: int) -> int | None:
        row = self._table.get((Query().host == host.lower()) & (Query().port == port))
        return int(row['size_limit']) if isinstance(row, dict) and row.get('size_limit') else None

    def remember_size_limit(self, host: str, port: int, size_limit: int | None) -> None:
        """The last test's answer wins: a server that stopped announcing a limit forgets the old one."""
        self._table.upsert(
            {'host': host.lower(), 'port': port, 'size_limit': size_limit},
            (Query().host == host.lower()) & (Query().port == port),
        )
