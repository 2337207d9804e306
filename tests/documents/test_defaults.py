"""What a new document starts with and the rule for its second date, kept in core so every front end shares them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from core.documents import DocumentType, validate_document
from core.documents.defaults import (
    DEFAULT_TAX_RATE,
    blank_document,
    parse_date,
    second_date_for,
    second_date_problem,
)

ISSUED = date(2026, 12, 20)


@pytest.mark.parametrize(
    ('kind', 'expected'),
    [
        (DocumentType.SALES_QUOTE, date(2027, 1, 19)),
        (DocumentType.SALES_INVOICE, date(2027, 1, 3)),
        (DocumentType.PURCHASE_ORDER, date(2026, 12, 27)),
        (DocumentType.CREDIT_NOTE, None),
    ],
    ids=lambda value: getattr(value, 'value', str(value)),
)
def test_second_date_is_the_issue_date_plus_the_types_terms(kind: DocumentType, expected: date | None) -> None:
    assert second_date_for(kind, ISSUED) == expected


def test_a_blank_document_is_dated_today_with_its_terms_and_has_no_contact_or_lines() -> None:
    invoice = blank_document(DocumentType.SALES_INVOICE, reference='INV-0012', currency='ISK', today=ISSUED)
    assert (invoice.reference, invoice.currency, invoice.contact_id, invoice.lines) == ('INV-0012', 'ISK', '', ())
    assert (invoice.issue_date, invoice.second_date) == (ISSUED, date(2027, 1, 3))
    other = blank_document(DocumentType.SALES_INVOICE, reference='INV-0013', currency='ISK', today=ISSUED)
    assert other.id != invoice.id
    credit = blank_document(DocumentType.CREDIT_NOTE, reference='CN-0003', currency='EUR', today=ISSUED)
    assert credit.second_date is None


def test_new_lines_start_at_the_standard_vat_rate() -> None:
    assert Decimal(24) == DEFAULT_TAX_RATE


def test_a_second_date_before_the_issue_date_is_refused_in_the_types_own_words() -> None:
    before = date(2026, 12, 19)
    assert second_date_problem(DocumentType.SALES_INVOICE, ISSUED, before) == (
        'The due date cannot be before the issue date.'
    )
    assert second_date_problem(DocumentType.SALES_QUOTE, ISSUED, before) == (
        'The expiry date cannot be before the issue date.'
    )
    assert second_date_problem(DocumentType.SALES_INVOICE, ISSUED, ISSUED) is None
    assert second_date_problem(DocumentType.SALES_INVOICE, ISSUED, None) is None
    assert second_date_problem(DocumentType.SALES_INVOICE, None, before) is None


def test_the_editor_and_the_save_check_use_the_same_date_rule() -> None:
    late = blank_document(DocumentType.PURCHASE_ORDER, reference='PO-0009', currency='EUR', today=ISSUED)
    early = replace(late, second_date=date(2026, 12, 1))
    errors = validate_document(early, taken_references=(), contacts={})
    assert errors['second_date'] == second_date_problem(early.type, early.issue_date, early.second_date)
    assert errors['second_date'] == 'The delivery date cannot be before the issue date.'


@pytest.mark.parametrize(('text', 'expected'), [('2026-12-20', ISSUED), ('', None), (None, None), ('20.12.2026', None)])
def test_only_a_date_as_the_date_field_sends_it_is_a_date(text: str | None, expected: date | None) -> None:
    assert parse_date(text) == expected
