"""Field-level validation of the business profile, contacts and documents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.addresses import split_list
from core.documents import (
    BusinessProfile,
    Contact,
    ContactKind,
    Document,
    DocumentType,
    Line,
    validate_business,
    validate_contact,
    validate_document,
)
from core.documents.validation import quantity_error, tax_rate_error, unit_price_error

CUSTOMER = Contact('c1', ContactKind.CUSTOMER, 'Þórður Ægisson ehf.', ('thordur@example.is',))
SUPPLIER = Contact('s1', ContactKind.SUPPLIER, 'Pappírsverk ehf.')
CONTACTS = {c.id: c for c in (CUSTOMER, SUPPLIER)}


def invoice(**changes: object) -> Document:
    values: dict[str, object] = {
        'id': 'd1',
        'type': DocumentType.SALES_INVOICE,
        'reference': 'INV-0001',
        'contact_id': 'c1',
        'issue_date': date(2026, 3, 1),
        'second_date': date(2026, 3, 15),
        'lines': (Line('Work', Decimal(1), Decimal(10), Decimal(24)),),
    }
    values.update(changes)
    return Document(**values)  # type: ignore[arg-type]


def test_a_good_invoice_has_no_errors() -> None:
    assert validate_document(invoice(), taken_references={'INV-0002'}, contacts=CONTACTS) == {}


def test_duplicate_reference_is_refused_ignoring_case() -> None:
    errors = validate_document(invoice(reference='inv-0002'), taken_references={'INV-0002'}, contacts=CONTACTS)
    assert 'already used' in errors['reference']


def test_reference_with_slash_is_refused_because_it_names_the_file() -> None:
    errors = validate_document(invoice(reference='2026/1'), taken_references=(), contacts=CONTACTS)
    assert 'slash' in errors['reference']


def test_invoice_to_a_supplier_and_missing_contact_are_refused() -> None:
    assert (
        'not one' in validate_document(invoice(contact_id='s1'), taken_references=(), contacts=CONTACTS)['contact_id']
    )
    assert 'Choose' in validate_document(invoice(contact_id=''), taken_references=(), contacts=CONTACTS)['contact_id']
    order = invoice(type=DocumentType.PURCHASE_ORDER, contact_id='s1')
    assert validate_document(order, taken_references=(), contacts=CONTACTS) == {}


def test_due_date_before_issue_date_is_refused() -> None:
    errors = validate_document(invoice(second_date=date(2026, 2, 1)), taken_references=(), contacts=CONTACTS)
    assert errors['second_date'] == 'The due date cannot be before the issue date.'


def test_lines_are_checked_field_by_field() -> None:
    bad = Line('  ', Decimal(0), Decimal(-1), Decimal(120))
    errors = validate_document(invoice(lines=(bad,)), taken_references=(), contacts=CONTACTS)
    assert set(errors) == {'lines.0.description', 'lines.0.quantity', 'lines.0.unit_price', 'lines.0.tax_rate'}
    assert 'at least one line' in validate_document(invoice(lines=()), taken_references=(), contacts=CONTACTS)['lines']


def test_number_field_messages() -> None:
    assert quantity_error('abc') == '"abc" is not a number.'
    assert quantity_error('0') == 'Enter a number more than zero.'
    assert unit_price_error('0') is None
    assert unit_price_error('1.0000001') is not None
    assert tax_rate_error('24,5') is None
    assert tax_rate_error('101') == 'A tax rate is a percentage up to 100.'


def test_contact_validation() -> None:
    assert validate_contact(CUSTOMER) == {}
    assert 'name' in validate_contact(Contact('x', ContactKind.CUSTOMER, ' '))
    errors = validate_contact(Contact('x', ContactKind.CUSTOMER, 'A', ('ok@example.com', 'not-an-address')))
    assert errors['emails'].startswith('"not-an-address" is not a valid email address')
    assert split_list('a@example.com; b@example.is,\nc@example.com') == [
        'a@example.com',
        'b@example.is',
        'c@example.com',
    ]


def test_business_validation() -> None:
    assert validate_business(BusinessProfile(name='Norðurljós', currency='EUR')) == {}
    errors = validate_business(BusinessProfile(name='', currency='euro', email='nope'))
    assert set(errors) == {'name', 'currency', 'email'}
