"""Customer statements: opening balance, running balance, amount due and ageing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.documents import Contact, ContactKind, Document, DocumentType, Line, build_statement
from core.documents.statement import age
from core.sample_data import sample_contacts, sample_documents

CUSTOMER = Contact('c1', ContactKind.CUSTOMER, 'Þórður Ægisson ehf.')
AS_OF = date(2026, 6, 30)


def doc(kind: DocumentType, ref: str, days_ago: int, amount: str, contact: str = 'c1') -> Document:
    return Document(
        ref, kind, ref, contact, AS_OF - timedelta(days=days_ago), lines=(Line('x', Decimal(1), Decimal(amount)),)
    )


def test_running_balance_with_opening_balance_and_credit_notes() -> None:
    documents = [
        doc(DocumentType.SALES_INVOICE, 'INV-1', 100, '500'),  # before the period: opening balance
        doc(DocumentType.SALES_INVOICE, 'INV-2', 20, '200'),
        doc(DocumentType.CREDIT_NOTE, 'CN-1', 10, '50'),
        doc(DocumentType.SALES_INVOICE, 'INV-3', 5, '100'),
        doc(DocumentType.SALES_QUOTE, 'Q-1', 5, '999'),  # quotes are not owed
        doc(DocumentType.SALES_INVOICE, 'INV-X', 5, '777', contact='other'),  # another customer
        doc(DocumentType.SALES_INVOICE, 'INV-4', -3, '400'),  # after the period
    ]
    statement = build_statement(CUSTOMER, documents, AS_OF - timedelta(days=30), AS_OF, 'EUR')
    assert statement.opening_balance == Decimal(500)
    assert [(line.reference, line.amount, line.balance) for line in statement.lines] == [
        ('INV-2', Decimal(200), Decimal(700)),
        ('CN-1', Decimal(-50), Decimal(650)),
        ('INV-3', Decimal(100), Decimal(750)),
    ]
    assert statement.amount_due == Decimal(750)


def test_statement_without_lines_owes_the_opening_balance() -> None:
    documents = [doc(DocumentType.SALES_INVOICE, 'INV-1', 100, '500')]
    statement = build_statement(CUSTOMER, documents, AS_OF - timedelta(days=30), AS_OF, 'EUR')
    assert statement.lines == ()
    assert statement.amount_due == Decimal(500)


def test_ageing_buckets_by_invoice_age_with_edges() -> None:
    documents = [
        doc(DocumentType.SALES_INVOICE, 'a', 30, '1'),
        doc(DocumentType.SALES_INVOICE, 'b', 31, '10'),
        doc(DocumentType.SALES_INVOICE, 'c', 60, '100'),
        doc(DocumentType.SALES_INVOICE, 'd', 61, '1000'),
        doc(DocumentType.SALES_INVOICE, 'e', 90, '10000'),
        doc(DocumentType.SALES_INVOICE, 'f', 91, '100000'),
    ]
    assert age(documents, AS_OF) == (Decimal(1), Decimal(110), Decimal(11000), Decimal(100000))


def test_credit_notes_pay_off_the_oldest_invoices_first() -> None:
    documents = [
        doc(DocumentType.SALES_INVOICE, 'old', 100, '300'),
        doc(DocumentType.SALES_INVOICE, 'new', 5, '200'),
        doc(DocumentType.CREDIT_NOTE, 'cn', 2, '350'),
    ]
    assert age(documents, AS_OF) == (Decimal(150), Decimal(0), Decimal(0), Decimal(0))


def test_excess_credit_shows_as_negative_current_amount() -> None:
    documents = [doc(DocumentType.SALES_INVOICE, 'i', 40, '100'), doc(DocumentType.CREDIT_NOTE, 'cn', 1, '130')]
    statement = build_statement(CUSTOMER, documents, AS_OF - timedelta(days=60), AS_OF, 'EUR')
    assert statement.ageing == (Decimal(-30), Decimal(0), Decimal(0), Decimal(0))
    assert statement.amount_due == Decimal(-30)


def test_ageing_always_adds_up_to_the_amount_due_for_the_sample_customers() -> None:
    today = date(2026, 11, 28)
    documents = sample_documents(today)
    for customer in (c for c in sample_contacts() if c.kind is ContactKind.CUSTOMER):
        statement = build_statement(customer, documents, today - timedelta(days=60), today, 'EUR')
        assert sum(statement.ageing) == statement.amount_due
    thordur = sample_contacts()[0]
    statement = build_statement(thordur, documents, today - timedelta(days=200), today, 'EUR')
    assert all(bucket != 0 for bucket in statement.ageing)  # the sample shows every bucket
