"""Automatic references."""

from __future__ import annotations

from core.documents import DocumentType, next_reference


def test_first_reference_of_each_type() -> None:
    assert next_reference(DocumentType.SALES_INVOICE, []) == 'INV-0001'
    assert next_reference(DocumentType.SALES_QUOTE, []) == 'Q-0001'
    assert next_reference(DocumentType.CREDIT_NOTE, []) == 'CN-0001'
    assert next_reference(DocumentType.PURCHASE_ORDER, []) == 'PO-0001'


def test_next_is_one_above_the_highest_not_the_count() -> None:
    assert next_reference(DocumentType.SALES_INVOICE, ['INV-0001', 'INV-0009', 'INV-0003']) == 'INV-0010'


def test_wider_padding_is_kept_and_growth_past_the_width_works() -> None:
    assert next_reference(DocumentType.SALES_INVOICE, ['INV-000041']) == 'INV-000042'
    assert next_reference(DocumentType.SALES_INVOICE, ['INV-9999']) == 'INV-10000'


def test_hand_made_references_and_other_prefixes_do_not_interfere() -> None:
    refs = ['2024/17', 'INV-A7', 'Q-0050', 'inv-0004', 'INV-0002-copy']
    assert next_reference(DocumentType.SALES_INVOICE, refs) == 'INV-0005'
