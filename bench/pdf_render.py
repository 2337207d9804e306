"""Rendering a 20-line invoice: Mailroom's pipeline against a bare `typst.compile` of the same template and data.

Two cases: the same invoice again and again, and distinct invoices (new reference, lines and prices every time, as
in a real batch). Each side renders its own never-seen invoices, so neither is served by the other's cache; the
sides take turns over several rounds after a warm-up, and each figure is the median of the round medians. A third
side, one warm `typst.Compiler` given the ready JSON, shows the floor for this template on this machine.
CPU time counts every thread of the process, so documents per second on one core is 1 / CPU time; wall time
depends on what else the machine is doing. Aims: ratio <= 1.3x, >= 300 documents/s on one core.
Run: .venv/bin/python bench/pdf_render.py [--rounds N] [--per-round N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from itertools import count
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import typst

from core.documents.model import Document, Line
from core.pdf.payload import document_payload
from core.pdf.renderer import FONTS_DIR, TEMPLATES_DIR, PdfRenderer
from core.sample_data import sample_business, sample_contacts, sample_documents

TEMPLATE = 'sales_invoice'
Timing = tuple[float, float]  # (cpu seconds, wall seconds)


def invoices() -> Iterator[Document]:
    """An endless supply of distinct 20-line invoices for the same customer."""
    base = next(d for d in sample_documents(date(2026, 11, 28)) if d.type.value == TEMPLATE)
    for k in count():
        yield replace(
            base,
            reference=f'INV-{k + 1:05d}',
            lines=tuple(
                Line(f'Consulting, phase {i} of job {k}', Decimal(i), Decimal('145.50') + k, Decimal(24))
                for i in range(1, 21)
            ),
        )


def timed(render: Callable[[Document], bytes], document: Document) -> Timing:
    cpu, wall = time.process_time(), time.perf_counter()
    render(document)
    return time.process_time() - cpu, time.perf_counter() - wall


def median_of_rounds(rounds: list[list[Timing]]) -> Timing:
    cpu = statistics.median(statistics.median(t[0] for t in one) for one in rounds)
    wall = statistics.median(statistics.median(t[1] for t in one) for one in rounds)
    return cpu, wall


def report(label: str, results: dict[str, list[list[Timing]]]) -> None:
    ours, bare, warm = (median_of_rounds(results[name]) for name in ('pipeline', 'bare', 'warm'))
    print(f'{label}:')
    print(
        f'    pipeline {ours[0] * 1000:.1f} ms CPU ({ours[1] * 1000:.1f} ms wall), '
        f'bare typst.compile {bare[0] * 1000:.1f} ms CPU ({bare[1] * 1000:.1f} ms wall), '
        f'warm typst.Compiler {warm[0] * 1000:.1f} ms CPU; medians'
    )
    print(
        f'    ratio {ours[0] / bare[0]:.2f}x CPU, {ours[1] / bare[1]:.2f}x wall (aim <= 1.3x), '
        f'{ours[0] / warm[0]:.2f}x a warm compiler; {1 / ours[0]:.0f} documents/s on one core (aim >= 300), '
        f'bare {1 / bare[0]:.0f}'
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--per-round', type=int, default=20)
    args = parser.parse_args()

    business = sample_business()
    contacts = {c.id: c for c in sample_contacts()}
    renderer = PdfRenderer()
    folder = Path(tempfile.mkdtemp(prefix='bench-pdf-'))
    try:
        for name in (f'{TEMPLATE}.typ', 'common.typ'):
            shutil.copyfile(TEMPLATES_DIR / name, folder / name)
        main_file, fonts = folder / f'{TEMPLATE}.typ', [str(FONTS_DIR)]
        compiler = typst.Compiler(str(main_file), root=str(folder), font_paths=fonts, ignore_system_fonts=True)
        payloads: dict[str, bytes] = {}

        def prepare(document: Document) -> Document:
            """The template's exact input for the two bare sides, made before timing starts."""
            payload = document_payload(document, business, contacts[document.contact_id])
            payloads[document.reference] = json.dumps(payload, ensure_ascii=False, separators=(',', ':')).encode()
            return document

        def pipeline(document: Document) -> bytes:
            return renderer.render(document, business, contacts[document.contact_id])

        def bare(document: Document) -> bytes:
            """One plain `typst.compile` call, as a script or the command line would do it."""
            (folder / 'data.json').write_bytes(payloads[document.reference])
            result = typst.compile(
                str(main_file), root=str(folder), font_paths=fonts, ignore_system_fonts=True, pdf_tags=False
            )
            assert isinstance(result, bytes)
            return result

        def warm(document: Document) -> bytes:
            """The floor: one compiler kept for the whole run, no payload to build."""
            (folder / 'data.json').write_bytes(payloads[document.reference])
            result = compiler.compile(pdf_tags=False)
            assert isinstance(result, bytes)
            return result

        sides: list[tuple[str, Callable[[Document], bytes]]] = [('pipeline', pipeline), ('bare', bare), ('warm', warm)]
        supply = invoices()
        same = prepare(next(supply))
        assert len({render(same) for _, render in sides}) == 1, 'every side must produce the very same PDF'
        for _ in range(5):  # warm-up: fonts loaded, templates parsed, caches filled with the unchanging parts
            for _, render in sides:
                render(prepare(next(supply)))

        for label, fresh in (('same invoice', False), ('distinct invoices', True)):
            results: dict[str, list[list[Timing]]] = {name: [] for name, _ in sides}
            for round_number in range(args.rounds):
                turn = round_number % len(sides)
                for name, render in sides[turn:] + sides[:turn]:
                    batch = [prepare(next(supply)) if fresh else same for _ in range(args.per_round)]
                    results[name].append([timed(render, document) for document in batch])
            report(label, results)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
