"""Round trips through the data folder, restart included, and the sharded layout that keeps saves small."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.documents import DocumentType, Paper
from core.sample_data import sample_business, sample_contacts, sample_documents
from storage.documents_repo import SORT_KEYS, ContactsRepository, DocumentsRepository
from storage.folder import DataFolder
from storage.sample import seed_sample_data

TODAY = date(2026, 11, 28)


def test_documents_survive_a_restart_exactly(tmp_path: Path) -> None:
    documents = sample_documents(TODAY)
    repo = DocumentsRepository(tmp_path / 'documents')
    repo.save_many(documents[:10])
    for document in documents[10:]:
        repo.save(document)
    edited = replace(
        documents[1],
        notes='Þakka þér fyrir!',
        lines=(*documents[1].lines,),
        sent_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    repo.save(edited)
    repo.delete(documents[2].id)
    reopened = DocumentsRepository(tmp_path / 'documents')
    assert reopened.count() == len(documents) - 1
    assert reopened.get(documents[1].id) == edited
    assert reopened.get(documents[2].id) is None
    assert reopened.get(documents[5].id) == documents[5]
    assert reopened.get(documents[5].id).lines[0].unit_price == documents[5].lines[0].unit_price  # type: ignore[union-attr]


def test_decimals_are_stored_as_exact_strings(tmp_path: Path) -> None:
    repo = DocumentsRepository(tmp_path / 'documents')
    document = replace(
        sample_documents(TODAY)[1], lines=(replace(sample_documents(TODAY)[1].lines[0], unit_price=Decimal('0.10')),)
    )
    repo.save(document)
    stored = ''.join(p.read_text() for p in (tmp_path / 'documents').glob('shard-*.json'))
    assert '"unit_price":"0.10"' in stored


def test_one_save_rewrites_one_small_shard(tmp_path: Path) -> None:
    repo = DocumentsRepository(tmp_path / 'documents')
    repo.save_many(sample_documents(TODAY))
    before = {p: p.stat().st_mtime_ns for p in (tmp_path / 'documents').glob('shard-*.json')}
    repo.save(replace(sample_documents(TODAY)[3], notes='changed'))
    after = {p: p.stat().st_mtime_ns for p in (tmp_path / 'documents').glob('shard-*.json')}
    assert sum(before[p] != after[p] for p in before) == 1
    assert all(json.loads(p.read_text()) for p in after)


def test_references_and_next_reference(tmp_path: Path) -> None:
    repo = DocumentsRepository(tmp_path / 'documents')
    assert repo.next_reference(DocumentType.SALES_INVOICE) == 'INV-0001'
    repo.save_many(sample_documents(TODAY))
    assert repo.next_reference(DocumentType.SALES_INVOICE) == 'INV-0012'
    invoice = next(d for d in repo.all() if d.reference == 'INV-0003')
    assert 'INV-0003' not in repo.references(DocumentType.SALES_INVOICE, excluding_id=invoice.id)


def test_paging_filters_sorts_and_counts(tmp_path: Path) -> None:
    repo = DocumentsRepository(tmp_path / 'documents')
    repo.save_many(sample_documents(TODAY))
    names = {c.id: c.name for c in sample_contacts()}
    page = repo.page(search='þórður', contact_names=names, document_type=DocumentType.SALES_INVOICE, limit=2)
    assert page.total == 4
    assert [d.reference for d in page.rows] == ['INV-0009', 'INV-0006']
    page2 = repo.page(search='þórður', contact_names=names, document_type=DocumentType.SALES_INVOICE, limit=2, offset=2)
    assert [d.reference for d in page2.rows] == ['INV-0004', 'INV-0001']
    by_ref = repo.page(sort='reference', descending=False, limit=1)
    assert by_ref.rows[0].reference == 'CN-0001'


def test_a_list_already_shown_puts_a_saved_or_deleted_document_in_its_place(tmp_path: Path) -> None:
    repo = DocumentsRepository(tmp_path / 'documents')
    repo.save_many(sample_documents(TODAY))
    shown = {(s, d): repo.page(sort=s, descending=d, limit=100) for s in SORT_KEYS for d in (True, False)}
    assert all(page.total == repo.count() for page in shown.values())
    newest = replace(sample_documents(TODAY)[0], id='new-one', reference='INV-9999', issue_date=TODAY + timedelta(1))
    repo.save(newest)
    moved = replace(repo.page(limit=1, descending=False).rows[0], issue_date=TODAY + timedelta(2))
    repo.save(moved)
    repo.delete(repo.page(sort='reference', descending=False, limit=1).rows[0].id)  # CN-0001
    fresh = DocumentsRepository(tmp_path / 'documents')  # builds every order from scratch
    for sort, descending in shown:
        kept = [d.id for d in repo.page(sort=sort, descending=descending, limit=100).rows]
        assert kept == [d.id for d in fresh.page(sort=sort, descending=descending, limit=100).rows]
    assert [d.id for d in repo.page(limit=2).rows] == [moved.id, newest.id]


def test_mark_sent(tmp_path: Path) -> None:
    repo = DocumentsRepository(tmp_path / 'documents')
    document = sample_documents(TODAY)[1]
    repo.save(document)
    when = datetime(2026, 11, 28, 9, 30, tzinfo=UTC)
    assert repo.mark_sent(document.id, when) is not None
    assert DocumentsRepository(tmp_path / 'documents').get(document.id).sent_at == when  # type: ignore[union-attr]
    assert repo.mark_sent('missing', when) is None


def test_contacts_round_trip_and_sort_by_name(tmp_path: Path) -> None:
    repo = ContactsRepository(tmp_path / 'contacts')
    for contact in sample_contacts():
        repo.save(contact)
    repo.delete(sample_contacts()[-1].id)
    reopened = ContactsRepository(tmp_path / 'contacts')
    assert len(reopened.all()) == len(sample_contacts()) - 1
    assert reopened.get(sample_contacts()[0].id) == sample_contacts()[0]
    assert [c.name for c in reopened.all()] == [
        'Åsa Lindqvist AB',
        'Kaffihús Guðrúnar',
        'Müller & Söhne GmbH',
        'Pappírsverk ehf.',
        'Þórður Ægisson ehf.',
    ]


def test_seeding_happens_once_and_business_profile_round_trips(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path / 'data')
    try:
        assert seed_sample_data(folder, today=TODAY) is True
        assert seed_sample_data(folder, today=TODAY) is False
        assert folder.business.load() == sample_business()
        assert folder.documents.count() == len(sample_documents(TODAY))
        logo = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
        folder.business.save(replace(sample_business(), paper=Paper.LETTER, logo=logo))
    finally:
        folder.close()
    folder = DataFolder(tmp_path / 'data')
    try:
        profile = folder.business.load()
        assert profile is not None and profile.paper is Paper.LETTER and profile.logo == logo
        assert len(folder.contacts.all()) == len(sample_contacts())
    finally:
        folder.close()


def test_a_folder_started_empty_stays_empty(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path / 'data')
    try:
        assert seed_sample_data(folder, empty=True) is False
        assert folder.business.load() is None and folder.documents.count() == 0
    finally:
        folder.close()
    folder = DataFolder(tmp_path / 'data')
    try:
        assert seed_sample_data(folder) is False  # the next ordinary start does not fill it either
        assert folder.contacts.all() == []
    finally:
        folder.close()


def test_deleted_sample_data_does_not_come_back(tmp_path: Path) -> None:
    folder = DataFolder(tmp_path / 'data')
    try:
        assert seed_sample_data(folder, today=TODAY) is True
        for document in folder.documents.all():
            folder.documents.delete(document.id)
        assert seed_sample_data(folder, today=TODAY) is False
        assert folder.documents.count() == 0
    finally:
        folder.close()


def test_a_write_that_dies_midway_leaves_the_stored_document_intact(tmp_path: Path, monkeypatch: Any) -> None:
    repo = DocumentsRepository(tmp_path / 'documents')
    original = sample_documents(TODAY)[1]
    repo.save(original)

    def power_cut(*_: object) -> None:
        raise OSError('power cut')

    monkeypatch.setattr('storage.atomic.os.replace', power_cut)
    with pytest.raises(OSError):
        repo.save(replace(original, notes='half written'))
    monkeypatch.undo()
    assert repo.get(original.id) == original  # memory follows the disk: a failed save changes neither
    assert DocumentsRepository(tmp_path / 'documents').get(original.id) == original
    assert not list((tmp_path / 'documents').glob('.*.tmp'))
