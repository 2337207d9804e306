"""How the documents scale with the number already stored: 10,000 against 100, in the same run.

Saving one document: aim at most 5x. The first page of the documents list (25 rows, newest first, as the Documents
page asks for it): aim at most 2x. Run: .venv/bin/python bench/storage_scaling.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.documents.model import Document, new_id
from core.sample_data import sample_contacts, sample_documents
from storage.documents_repo import DocumentsRepository

SAVES = 200
AIM = 5.0
PAGES = 200
PAGE_AIM = 2.0


def make_documents(count: int) -> list[Document]:
    templates = sample_documents(date(2026, 11, 28))
    return [
        replace(
            templates[i % len(templates)],
            id=new_id(),
            reference=f'{templates[i % len(templates)].type.prefix}{i + 1:05d}',
            issue_date=date(2026, 11, 28) - timedelta(days=i % 400),
        )
        for i in range(count)
    ]


def filled_repository(folder: Path, stored: int) -> DocumentsRepository:
    DocumentsRepository(folder).save_many(make_documents(stored))
    repo = DocumentsRepository(folder)  # a fresh start reads what is on disk
    assert repo.count() == stored
    return repo


def first_pages(repos: dict[str, DocumentsRepository]) -> dict[str, float]:
    """The list's first page as ui/document_list.py asks for it; the two folders alternate, median of PAGES."""
    names = {c.id: c.name for c in sample_contacts()}
    timings: dict[str, list[float]] = {name: [] for name in repos}
    for _ in range(PAGES):
        for name, repo in repos.items():
            started = time.perf_counter()
            page = repo.page(contact_names=names, sort='issue_date', descending=True, offset=0, limit=25)
            timings[name].append(time.perf_counter() - started)
            assert len(page.rows) == 25
    return {name: statistics.median(values) for name, values in timings.items()}


def main() -> int:
    """Saves alternate between the two folders, so a busy machine slows both sides alike."""
    with tempfile.TemporaryDirectory() as root:
        small_repo = filled_repository(Path(root) / 'small', 100)
        large_repo = filled_repository(Path(root) / 'large', 10_000)
        timings: dict[str, list[float]] = {'small': [], 'large': []}
        for small_doc, large_doc in zip(make_documents(SAVES), make_documents(SAVES), strict=True):
            for name, repo, document in (('small', small_repo, small_doc), ('large', large_repo, large_doc)):
                started = time.perf_counter()
                repo.save(document)
                timings[name].append(time.perf_counter() - started)
        pages = first_pages({'small': small_repo, 'large': large_repo})
    small, large = statistics.median(timings['small']), statistics.median(timings['large'])
    ratio = large / small
    print(f'save one document, 100 stored:    {small * 1000:.2f} ms (median of {SAVES})')
    print(f'save one document, 10,000 stored: {large * 1000:.2f} ms (median of {SAVES})')
    print(f'ratio: {ratio:.2f}x (aim <= {AIM:.0f}x) -> {"ok" if ratio <= AIM else "OVER"}')
    page_ratio = pages['large'] / pages['small']
    print(f'first page of the list, 100 stored:    {pages["small"] * 1000:.3f} ms (median of {PAGES})')
    print(f'first page of the list, 10,000 stored: {pages["large"] * 1000:.3f} ms (median of {PAGES})')
    print(f'ratio: {page_ratio:.2f}x (aim <= {PAGE_AIM:.0f}x) -> {"ok" if page_ratio <= PAGE_AIM else "OVER"}')
    return 0 if ratio <= AIM and page_ratio <= PAGE_AIM else 1


if __name__ == '__main__':
    sys.exit(main())
