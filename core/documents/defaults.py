"""What a new document starts with, and the rule for its second date: the business's choices, kept out of the pages."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from core.documents.model import Document, DocumentType, new_id
from core.i18n import _

PAYMENT_TERMS: dict[DocumentType, int] = {
    DocumentType.SALES_QUOTE: 30,
    DocumentType.SALES_INVOICE: 14,
    DocumentType.PURCHASE_ORDER: 7,
}
"""Days from the issue date to the second date: a quote's expiry, an invoice's due date, an order's delivery."""

DEFAULT_TAX_RATE = Decimal(24)
"""The rate a new line starts with, in percent (Iceland's standard VAT)."""


def second_date_for(document_type: DocumentType, issue_date: date) -> date | None:
    """Issue date plus the type's terms; None for a type without a second date (a credit note)."""
    if document_type.second_date_label is None:
        return None
    term = PAYMENT_TERMS.get(document_type)
    return issue_date + timedelta(days=term) if term is not None else None


def second_date_problem(document_type: DocumentType, issue_date: date | None, second_date: date | None) -> str | None:
    """The one date rule: the second date may be left empty, but never falls before the issue date."""
    if second_date is None or issue_date is None or second_date >= issue_date:
        return None
    named = (document_type.second_date_label or _('Date')).lower()
    return _('The {date} cannot be before the issue date.').format(date=named)


def parse_date(text: str | None) -> date | None:
    """A date as the browser's date field sends it (YYYY-MM-DD); anything else is no date."""
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def blank_document(document_type: DocumentType, *, reference: str, currency: str, today: date) -> Document:
    """A new document of a type: dated today, its second date from the terms, no contact and no lines yet."""
    return Document(
        id=new_id(),
        type=document_type,
        reference=reference,
        contact_id='',
        issue_date=today,
        second_date=second_date_for(document_type, today),
        lines=(),
        currency=currency,
    )
