"""PDFs of every document type, read back with pypdf and checked with qpdf, as a recipient's computer reads them."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from core.documents import BusinessProfile, Contact, Document, DocumentType, Line, Paper, build_statement
from core.documents.money import format_money
from core.pdf import pdf_filename, render
from core.sample_data import sample_business, sample_contacts, sample_documents
from tests.support.tools import require_tool

TODAY = date(2026, 11, 28)
INJECTION = '*bold* #panic() $x$ <label> @ref _under_ `raw` = Heading \\ #set text(red)'
CONTACTS = {c.id: c for c in sample_contacts()}
DOCUMENTS = sample_documents(TODAY)
THORDUR = next(c for c in sample_contacts() if c.name == 'Þórður Ægisson ehf.')


def write(tmp_path: Path, name: str, pdf: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def text_of(path: Path, *, layout: bool = True) -> str:
    """The text of every page; `layout` keeps each printed line on one line, as it looks on paper."""
    mode: Literal['layout', 'plain'] = 'layout' if layout else 'plain'
    return '\n'.join(page.extract_text(extraction_mode=mode) for page in PdfReader(path).pages)


def embedded_fonts(pdf: PdfReader) -> dict[str, bool]:
    """Every font the pages use (also inside form XObjects), by name: whether its font program is in the file."""
    found: dict[str, bool] = {}

    def walk(resources: Any) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get('/Font') or {}).values():
            font = font.get_object()
            described = font['/DescendantFonts'][0].get_object() if '/DescendantFonts' in font else font
            descriptor = described.get('/FontDescriptor')
            program = descriptor is not None and bool(
                {'/FontFile', '/FontFile2', '/FontFile3'} & set(descriptor.get_object())
            )
            found[str(font.get('/BaseFont'))] = program or font.get('/Subtype') == '/Type3'
        for xobject in (resources.get('/XObject') or {}).values():
            if xobject.get_object().get('/Subtype') == '/Form':
                walk(xobject.get_object().get('/Resources'))

    for page in pdf.pages:
        walk(page.get('/Resources'))
    return found


def qpdf_ok(path: Path) -> bool:
    qpdf = require_tool('qpdf', install='apt-get install qpdf')
    return subprocess.run([qpdf, '--check', str(path)], capture_output=True, text=True).returncode == 0


@pytest.mark.parametrize('kind', list(DocumentType), ids=lambda k: k.value)
def test_every_transaction_type_renders_a_valid_pdf_with_reference_name_and_total(
    tmp_path: Path, kind: DocumentType
) -> None:
    document = next(d for d in DOCUMENTS if d.type is kind)
    contact = CONTACTS[document.contact_id]
    path = write(tmp_path, pdf_filename(document), render(document, sample_business(), contact))
    assert qpdf_ok(path)
    text = text_of(path)
    assert document.reference in text
    assert contact.name in text
    assert format_money(document.total, 'EUR') in text
    assert kind.label.split()[-1].upper() in text.upper()


def test_customer_statement_renders_lines_ageing_and_amount_due(tmp_path: Path) -> None:
    statement = build_statement(THORDUR, DOCUMENTS, TODAY - timedelta(days=90), TODAY, 'EUR')
    path = write(tmp_path, pdf_filename(statement), render(statement, sample_business()))
    assert qpdf_ok(path)
    text = text_of(path)
    assert 'Þórður Ægisson ehf.' in text
    assert format_money(statement.amount_due, 'EUR') in text
    assert all(line.reference in text for line in statement.lines)
    assert 'OVER 90 DAYS' in text.upper()
    assert path.name == f'Customer Statement Þórður Ægisson ehf. {TODAY.isoformat()}.pdf'


def test_markup_typed_into_any_text_field_prints_literally(tmp_path: Path) -> None:
    business = BusinessProfile(
        name=f'Biz {INJECTION}',
        address=f'Street {INJECTION}',
        tax_number=f'T {INJECTION}',
        email='a@example.com',
        phone=f'P {INJECTION}',
        currency='EUR',
        payment_details=f'Pay {INJECTION}',
    )
    contact = Contact('c', THORDUR.kind, f'Name {INJECTION}', ('x@example.is',), f'Addr {INJECTION}', f'V {INJECTION}')
    document = Document(
        'd',
        DocumentType.SALES_INVOICE,
        'INV-0001',
        'c',
        TODAY,
        TODAY,
        (Line(f'Line {INJECTION}', Decimal(1), Decimal(5), Decimal(24)),),
        notes=f'Note {INJECTION}\nmore',
    )
    path = write(tmp_path, 'x.pdf', render(document, business, contact))
    text = ' '.join(text_of(path, layout=False).split())
    for label in ('Biz', 'Street', 'T', 'P', 'Pay', 'Name', 'Addr', 'V', 'Line', 'Note'):
        assert f'{label} {INJECTION}' in text, label


def test_fonts_are_embedded_and_only_the_shipped_ones(tmp_path: Path) -> None:
    document = DOCUMENTS[1]
    path = write(tmp_path, 'x.pdf', render(document, sample_business(), CONTACTS[document.contact_id]))
    fonts = embedded_fonts(PdfReader(path))
    assert fonts
    for name, embedded in fonts.items():
        assert 'Inter' in name
        assert embedded, name


def test_the_font_check_sees_a_font_that_is_not_embedded() -> None:
    """The check above can fail: a page naming Helvetica without its font program is reported as not embedded."""
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    helvetica = DictionaryObject(
        {
            NameObject('/Type'): NameObject('/Font'),
            NameObject('/Subtype'): NameObject('/Type1'),
            NameObject('/BaseFont'): NameObject('/Helvetica'),
        }
    )
    fonts = DictionaryObject({NameObject('/F1'): helvetica})
    page[NameObject('/Resources')] = DictionaryObject({NameObject('/Font'): fonts})
    buffer = io.BytesIO()
    writer.write(buffer)
    assert embedded_fonts(PdfReader(buffer)) == {'/Helvetica': False}


def test_long_document_splits_pages_repeats_header_and_counts_pages(tmp_path: Path) -> None:
    base = DOCUMENTS[1]
    lines = tuple(Line(f'Item number {i}', Decimal(1), Decimal(i), Decimal(24)) for i in range(1, 90))
    path = write(tmp_path, 'x.pdf', render(replace(base, lines=lines), sample_business(), CONTACTS[base.contact_id]))
    pages = PdfReader(path).pages
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        text = page.extract_text()
        assert f'Page {number} of {len(pages)}' in text
        assert 'DESCRIPTION' in text
    assert 'Item number 89' in pages[-1].extract_text()


def test_paper_follows_the_business_profile_or_the_override() -> None:
    document = DOCUMENTS[1]
    contact = CONTACTS[document.contact_id]
    a4 = page_box(render(document, sample_business(), contact))
    letter = page_box(render(document, replace(sample_business(), paper=Paper.LETTER), contact))
    forced = page_box(render(document, sample_business(), contact, paper=Paper.LETTER))
    assert a4 == (595, 842)
    assert letter == forced == (612, 792)


def page_box(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_logo_is_drawn_when_the_profile_has_one(tmp_path: Path) -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        b'<rect width="40" height="20" fill="#1f4e79"/></svg>'
    )
    document = DOCUMENTS[1]
    plain = render(document, sample_business(), CONTACTS[document.contact_id])
    with_logo = render(document, replace(sample_business(), logo=svg), CONTACTS[document.contact_id])
    assert with_logo != plain
    assert qpdf_ok(write(tmp_path, 'logo.pdf', with_logo))


def test_output_is_the_same_every_time() -> None:
    document = DOCUMENTS[1]
    first = render(document, sample_business(), CONTACTS[document.contact_id])
    assert render(document, sample_business(), CONTACTS[document.contact_id]) == first


def test_pdf_filenames() -> None:
    assert pdf_filename(DOCUMENTS[1]) == 'Sales Invoice INV-0001.pdf'
    assert pdf_filename(replace(DOCUMENTS[1], reference='A:B*?')) == 'Sales Invoice A-B-.pdf'
    assert pdf_filename(replace(DOCUMENTS[0], reference='Q-0001')) == 'Sales Quote Q-0001.pdf'


def test_a_transaction_without_its_contact_is_refused() -> None:
    with pytest.raises(ValueError, match='needs its contact'):
        render(DOCUMENTS[1], sample_business())
