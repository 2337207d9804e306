"""The business profile, contacts and documents in the data folder.

Contacts and documents live in sharded TinyDB files (storage/sharded.py) and are kept in memory once loaded, so
listing, filtering and paging thousands of rows never touches the disk and saving one touches one small file.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tinydb import TinyDB

from core.documents.codec import (
    business_from_dict,
    business_to_dict,
    contact_from_dict,
    contact_to_dict,
    document_from_dict,
    document_to_dict,
)
from core.documents.model import BusinessProfile, Contact, ContactKind, Document, DocumentType
from core.documents.numbering import next_reference
from core.documents.statement import Statement, build_statement
from storage.sharded import ShardedStore

DOCUMENT_SHARDS = 1024
CONTACT_SHARDS = 16


class BusinessRepository:
    """One record in the main database: small and rarely written."""

    def __init__(self, db: TinyDB) -> None:
        self._table = db.table('business')
        self._setup = db.table('documents_setup')

    def load(self) -> BusinessProfile | None:
        rows = self._table.all()
        return business_from_dict(dict(rows[0])) if rows else None

    def load_or_default(self) -> BusinessProfile:
        return self.load() or BusinessProfile()

    def save(self, profile: BusinessProfile) -> None:
        self._table.truncate()
        self._table.insert(business_to_dict(profile))

    def is_set_up(self) -> bool:
        return bool(self._setup.all())

    def mark_set_up(self) -> None:
        self._setup.truncate()
        self._setup.insert({'set_up': True})


class ContactsRepository:
    def __init__(self, folder: Path) -> None:
        self._store = ShardedStore(folder, CONTACT_SHARDS)
        self._lock = threading.RLock()
        self._cache: dict[str, Contact] | None = None

    def all(self, kind: ContactKind | None = None) -> list[Contact]:
        """Sorted by name the way people look names up: Åsa next to Anna, Müller next to Muller."""
        contacts = [c for c in self._contacts().values() if kind is None or c.kind is kind]
        return sorted(contacts, key=lambda c: (name_key(c.name), c.id))

    def by_id(self) -> dict[str, Contact]:
        return dict(self._contacts())

    def get(self, contact_id: str) -> Contact | None:
        return self._contacts().get(contact_id)

    def save(self, contact: Contact) -> None:
        with self._lock:
            self._store.put(contact_to_dict(contact))
            self._contacts()[contact.id] = contact

    def delete(self, contact_id: str) -> None:
        with self._lock:
            self._store.remove(contact_id)
            self._contacts().pop(contact_id, None)

    def _contacts(self) -> dict[str, Contact]:
        with self._lock:
            if self._cache is None:
                self._cache = {c.id: c for c in map(contact_from_dict, self._store.load_all())}
            return self._cache


@dataclass(frozen=True)
class DocumentPage:
    """One page of a filtered, sorted list and how many rows matched in all."""

    rows: list[Document]
    total: int


def name_key(name: str) -> str:
    decomposed = unicodedata.normalize('NFKD', name.casefold())
    return ''.join(char for char in decomposed if not unicodedata.combining(char))


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """INV-9 before INV-10, as people count."""
    parts = re.split(r'(\d+)', text.casefold())
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in parts if part)


SORT_KEYS: dict[str, Callable[[Document], object]] = {
    'issue_date': lambda d: (d.issue_date, d.reference),
    'reference': lambda d: natural_key(d.reference),
    'type': lambda d: (d.type.label, d.reference),
    'total': lambda d: d.total,
}


OrderKey = tuple[str, DocumentType | None]


class DocumentsRepository:
    """Besides the documents, keeps each order the list has been shown in (per sort and type filter) up to date on
    every save, so a page of an unfiltered list costs the same with 100 documents or 10,000."""

    def __init__(self, folder: Path) -> None:
        self._store = ShardedStore(folder, DOCUMENT_SHARDS)
        self._lock = threading.RLock()
        self._cache: dict[str, Document] | None = None
        self._orders: dict[OrderKey, list[tuple[Any, str]]] = {}

    def all(self) -> list[Document]:
        return list(self._documents().values())

    def get(self, document_id: str) -> Document | None:
        return self._documents().get(document_id)

    def count(self) -> int:
        return len(self._documents())

    def save(self, document: Document) -> None:
        with self._lock:
            self._store.put(document_to_dict(document))
            self._reorder(self._documents().get(document.id), document)
            self._documents()[document.id] = document

    def save_many(self, documents: Iterable[Document]) -> None:
        items = list(documents)
        with self._lock:
            self._store.put_many(document_to_dict(d) for d in items)
            self._documents().update((d.id, d) for d in items)
            self._orders.clear()

    def delete(self, document_id: str) -> None:
        with self._lock:
            self._store.remove(document_id)
            self._reorder(self._documents().pop(document_id, None), None)

    def mark_sent(self, document_id: str, when: datetime) -> Document | None:
        """Called by the outbox only after the transport accepted the message."""
        with self._lock:
            document = self.get(document_id)
            if document is None:
                return None
            sent = replace(document, sent_at=when)
            self.save(sent)
            return sent

    def references(self, document_type: DocumentType, *, excluding_id: str | None = None) -> set[str]:
        """The references already taken by other documents of the type (for the uniqueness check)."""
        return {d.reference for d in self._documents().values() if d.type is document_type and d.id != excluding_id}

    def next_reference(self, document_type: DocumentType) -> str:
        return next_reference(document_type, self.references(document_type))

    def for_contact(self, contact_id: str) -> list[Document]:
        return [d for d in self._documents().values() if d.contact_id == contact_id]

    def statement(self, customer: Contact, period_start: date, period_end: date, currency: str = 'EUR') -> Statement:
        return build_statement(customer, self.for_contact(customer.id), period_start, period_end, currency)

    def page(
        self,
        *,
        search: str = '',
        document_type: DocumentType | None = None,
        contact_names: dict[str, str] | None = None,
        sort: str = 'issue_date',
        descending: bool = True,
        offset: int = 0,
        limit: int = 25,
    ) -> DocumentPage:
        """Server-side filtering, sorting and paging for the documents table."""
        names = contact_names or {}
        needle = search.strip().casefold()
        with self._lock:
            order = self._order(sort if sort in SORT_KEYS else 'issue_date', document_type)
            documents = self._documents()
            if needle:  # a search reads every row of the order; without one, only the page's own
                order = [
                    entry
                    for entry in order
                    if needle in (d := documents[entry[1]]).reference.casefold()
                    or needle in names.get(d.contact_id, '').casefold()
                    or needle in d.notes.casefold()
                ]
            total = len(order)
            if descending:
                chosen = order[max(0, total - offset - limit) : max(0, total - offset)][::-1]
            else:
                chosen = order[offset : offset + limit]
            return DocumentPage(rows=[documents[document_id] for _key, document_id in chosen], total=total)

    def _order(self, sort: str, document_type: DocumentType | None) -> list[tuple[Any, str]]:
        """The documents (of one type, or all) in ascending order of the sort, ties by id; built once, then kept."""
        key = (sort, document_type)
        if key not in self._orders:
            rows = self._documents().values()
            self._orders[key] = sorted(
                (SORT_KEYS[sort](d), d.id) for d in rows if document_type is None or d.type is document_type
            )
        return self._orders[key]

    def _reorder(self, old: Document | None, new: Document | None) -> None:
        """A saved or deleted document moves to its place in every kept order."""
        for (sort, document_type), order in self._orders.items():
            if old is not None and (document_type is None or old.type is document_type):
                entry = (SORT_KEYS[sort](old), old.id)
                index = bisect.bisect_left(order, entry)
                if index < len(order) and order[index] == entry:
                    del order[index]
            if new is not None and (document_type is None or new.type is document_type):
                bisect.insort(order, (SORT_KEYS[sort](new), new.id))

    def _documents(self) -> dict[str, Document]:
        with self._lock:
            if self._cache is None:
                self._cache = {d.id: d for d in map(document_from_dict, self._store.load_all())}
            return self._cache
