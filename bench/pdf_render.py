"""Rendering a 20-line invoice: Mailroom's pipeline against a bare `typst.compile` of the same template and data.

Prints both medians, their ratio (aim <= 1.3x) and documents per second on one core (aim >= 300), for the same
invoice repeated and for distinct invoices (every one different, as in a real batch).
Run: .venv/bin/python bench/pdf_render.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import typst

from core.documents.model import Document, Line
from core.pdf.payload import document_payload
from core.pdf.renderer import FONTS_DIR, TEMPLATES_DIR, PdfRenderer, template_path
from core.sample_data import sample_business, sample_contacts, sample_documents

RUNS = 60


def invoices(count: int) -> list[Document]:
    base = next(d for d in sample_documents(date(2026, 11, 28)) if d.type.value == 'sales_invoice')
    return [
        replace(
            base,
            reference=f'INV-{k + 1:04d}',
            lines=tuple(
                Line(f'Consulting, phase {i} of job {k}', Decimal(i), Decimal('145.50') + k, Decimal(24))
                for i in range(1, 21)
            ),
        )
        for k in range(count)
    ]


def timed(action: object, items: list[Document]) -> list[float]:
    timings = []
    for item in items:
        started = time.perf_counter()
        action(item)  # type: ignore[operator]
        timings.append(time.perf_counter() - started)
    return timings


def main() -> int:
    business = sample_business()
    contacts = {c.id: c for c in sample_contacts()}
    renderer = PdfRenderer()
    template = str(template_path('sales_invoice'))

    def pipeline(document: Document) -> bytes:
        return renderer.render(document, business, contacts[document.contact_id])

    def bare(document: Document) -> bytes:
        data = json.dumps(document_payload(document, business, contacts[document.contact_id]))
        result = typst.compile(
            template,
            root=str(TEMPLATES_DIR),
            font_paths=[str(FONTS_DIR)],
            ignore_system_fonts=True,
            sys_inputs={'data': data},
            pdf_tags=False,
        )
        assert isinstance(result, bytes)
        return result

    same = invoices(1) * RUNS
    distinct = invoices(RUNS)
    pipeline(same[0])
    bare(same[0])
    for label, items in (('same invoice', same), ('distinct invoices', distinct)):
        ours = statistics.median(timed(pipeline, items))
        theirs = statistics.median(timed(bare, items))
        started = time.perf_counter()
        for item in items:
            pipeline(item)
        per_second = len(items) / (time.perf_counter() - started)
        print(f'{label}: pipeline {ours * 1000:.1f} ms, bare typst.compile {theirs * 1000:.1f} ms (medians)')
        print(f'    ratio {ours / theirs:.2f}x (aim <= 1.3x); {per_second:.0f} documents/s on one core (aim >= 300)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
