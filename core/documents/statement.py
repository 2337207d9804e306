"""The customer statement: a customer's invoices and credit notes in a period, a running balance and ageing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.documents.model import Contact, Document, DocumentType
from core.documents.money import ZERO
from core.i18n import N_, _

AGEING_BUCKETS = (N_('0–30 days'), N_('31–60 days'), N_('61–90 days'), N_('Over 90 days'))
"""Marked where defined: shown with `_()`."""


@dataclass(frozen=True)
class StatementLine:
    date: date
    document_id: str
    type: DocumentType
    reference: str
    amount: Decimal
    """Invoices raise what is owed, credit notes lower it (negative)."""
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    """A report, not a transaction: always computed from the documents, never stored."""

    customer: Contact
    period_start: date
    period_end: date
    currency: str
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    ageing: tuple[Decimal, Decimal, Decimal, Decimal]

    @property
    def amount_due(self) -> Decimal:
        return self.lines[-1].balance if self.lines else self.opening_balance

    @property
    def reference(self) -> str:
        return f'{self.customer.name} {self.period_end.isoformat()}'

    @property
    def title(self) -> str:
        return _('Customer Statement {reference}').format(reference=self.reference)


def signed_amount(document: Document) -> Decimal:
    return -document.total if document.type is DocumentType.CREDIT_NOTE else document.total


def build_statement(
    customer: Contact, documents: Iterable[Document], period_start: date, period_end: date, currency: str
) -> Statement:
    """Everything issued to the customer up to the period's end counts; before the period it is the opening balance."""
    relevant = sorted(
        (
            d
            for d in documents
            if d.contact_id == customer.id
            and d.type in (DocumentType.SALES_INVOICE, DocumentType.CREDIT_NOTE)
            and d.issue_date <= period_end
        ),
        key=lambda d: (d.issue_date, d.type is DocumentType.CREDIT_NOTE, d.reference),
    )
    opening = sum((signed_amount(d) for d in relevant if d.issue_date < period_start), ZERO)
    balance = opening
    lines = []
    for document in relevant:
        if document.issue_date < period_start:
            continue
        amount = signed_amount(document)
        balance += amount
        lines.append(
            StatementLine(document.issue_date, document.id, document.type, document.reference, amount, balance)
        )
    return Statement(
        customer=customer,
        period_start=period_start,
        period_end=period_end,
        currency=currency,
        opening_balance=opening,
        lines=tuple(lines),
        ageing=age(relevant, period_end),
    )


def age(documents: Iterable[Document], as_of: date) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """Split what is owed by the age of each invoice (days since its issue date).

    Credit notes pay off the oldest invoices first; credit left over after that shows as a negative current amount,
    so the four buckets always add up to the amount due.
    """
    invoices = sorted((d for d in documents if d.type is DocumentType.SALES_INVOICE), key=lambda d: d.issue_date)
    credit = sum((d.total for d in documents if d.type is DocumentType.CREDIT_NOTE), ZERO)
    buckets = [ZERO, ZERO, ZERO, ZERO]
    for invoice in invoices:
        outstanding = invoice.total
        applied = min(credit, outstanding) if outstanding > 0 else ZERO
        credit -= applied
        outstanding -= applied
        buckets[_bucket((as_of - invoice.issue_date).days)] += outstanding
    buckets[0] -= credit
    return buckets[0], buckets[1], buckets[2], buckets[3]


def open_amounts(documents: Iterable[Document], as_of: date) -> dict[str, Decimal]:
    """What is still owed on each of one customer's invoices: what its payments leave open, less the customer's credit
    notes, which pay off the oldest invoices first (as in the statement's ageing)."""
    issued = [d for d in documents if d.issue_date <= as_of]
    invoices = sorted(
        (d for d in issued if d.type is DocumentType.SALES_INVOICE), key=lambda d: (d.issue_date, d.reference)
    )
    credit = sum((d.total for d in issued if d.type is DocumentType.CREDIT_NOTE), ZERO)
    amounts: dict[str, Decimal] = {}
    for invoice in invoices:
        applied = min(credit, invoice.unpaid)
        credit -= applied
        amounts[invoice.id] = invoice.unpaid - applied
    return amounts


def _bucket(days: int) -> int:
    if days <= 30:
        return 0
    if days <= 60:
        return 1
    return 2 if days <= 90 else 3
