"""How saving one document scales with the number already stored: 10,000 against 100, in the same run.

Aim: the 10,000 case costs at most 5x the 100 case. Run: .venv/bin/python bench/storage_scaling.py
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
from core.sample_data import sample_documents
from storage.documents_repo import DocumentsRepository

SAVES = 200
AIM = 5.0


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
    small, large = statistics.median(timings['small']), statistics.median(timings['large'])
    ratio = large / small
    print(f'save one document, 100 stored:    {small * 1000:.2f} ms (median of {SAVES})')
    print(f'save one document, 10,000 stored: {large * 1000:.2f} ms (median of {SAVES})')
    print(f'ratio: {ratio:.2f}x (aim <= {AIM:.0f}x) -> {"ok" if ratio <= AIM else "OVER"}')
    return 0 if ratio <= AIM else 1


if __name__ == '__main__':
    sys.exit(main())
