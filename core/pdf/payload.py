"""The JSON a template receives: every value already formatted as text, so templates only lay out."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.documents.model import BusinessProfile, Contact, Document, DocumentType, Paper
from core.documents.money import format_money, format_percent, format_quantity
from core.documents.statement import AGEING_BUCKETS, Statement

# The logo travels as a file beside the JSON, not inside it: a logo of a few hundred kilobytes as a JSON list of
# numbers cost more to encode and parse than the whole invoice, on every render.
LOGO_FILE = 'logo'

_NUMBER_LABEL = {
    DocumentType.SALES_QUOTE: 'Quote number',
    DocumentType.SALES_INVOICE: 'Invoice number',
    DocumentType.CREDIT_NOTE: 'Credit note number',
    DocumentType.PURCHASE_ORDER: 'Order number',
}
_SECOND_DATE_LABEL = {
    DocumentType.SALES_QUOTE: 'Valid until',
    DocumentType.SALES_INVOICE: 'Due date',
    DocumentType.PURCHASE_ORDER: 'Delivery date',
}
_GRAND_LABEL = {
    DocumentType.SALES_QUOTE: 'Total',
    DocumentType.SALES_INVOICE: 'Total due',
    DocumentType.CREDIT_NOTE: 'Total credit',
    DocumentType.PURCHASE_ORDER: 'Order total',
}


def format_date(value: date) -> str:
    """'5 Mar 2026': unambiguous in every country, unlike 03/05/2026."""
    return f'{value.day} {value.strftime("%b %Y")}'


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()] if text.strip() else []


def business_payload(business: BusinessProfile) -> dict[str, Any]:
    return {
        'name': business.name,
        'address_lines': _lines(business.address),
        'tax_number': business.tax_number,
        'email': business.email,
        'phone': business.phone,
        'payment_details': business.payment_details,
    }


def contact_payload(contact: Contact) -> dict[str, Any]:
    return {
        'name': contact.name,
        'address_lines': _lines(contact.billing_address),
        'tax_number': contact.tax_number,
        'email': contact.primary_email or '',
    }


def _common(
    business: BusinessProfile, paper: Paper | None, title: str, reference: str, subtitle: str
) -> dict[str, Any]:
    tax = f'Tax no. {business.tax_number}' if business.tax_number else ''
    return {
        'paper': (paper or business.paper).value,
        'title': title,
        'reference': reference,
        'subtitle': subtitle,
        'business': business_payload(business),
        'logo': LOGO_FILE if business.logo else None,
        'footer': [business.name, tax, business.email, business.phone],
    }


def document_payload(
    document: Document, business: BusinessProfile, contact: Contact, paper: Paper | None = None
) -> dict[str, Any]:
    currency = document.currency
    totals = document.totals()
    facts = [[_NUMBER_LABEL[document.type], document.reference], ['Date', format_date(document.issue_date)]]
    if document.second_date is not None and document.type in _SECOND_DATE_LABEL:
        facts.append([_SECOND_DATE_LABEL[document.type], format_date(document.second_date)])
    if document.type is DocumentType.SALES_INVOICE:
        facts.append(['Amount due', format_money(totals.total, currency)])
    summary = [['Subtotal', format_money(totals.subtotal, currency)]]
    summary += [[f'Tax {format_percent(t.rate)}', format_money(t.tax, currency)] for t in totals.taxes]
    return {
        **_common(business, paper, document.type.label, document.reference, document.reference),
        'contact': contact_payload(contact),
        'facts': facts,
        'lines': [
            {
                'description': line.description,
                'quantity': format_quantity(line.quantity),
                'unit_price': format_money(line.unit_price, currency),
                'tax_rate': format_percent(line.tax_rate),
                'amount': format_money(line.net(currency), currency),
            }
            for line in document.lines
        ],
        'totals': summary,
        'grand_total': [_GRAND_LABEL[document.type], format_money(totals.total, currency)],
        'notes': _lines(document.notes),
        'show_payment': document.type is DocumentType.SALES_INVOICE,
    }


def statement_payload(statement: Statement, business: BusinessProfile, paper: Paper | None = None) -> dict[str, Any]:
    currency = statement.currency
    money = lambda amount: format_money(amount, currency)  # noqa: E731 - a local shorthand keeps the rows readable
    return {
        **_common(business, paper, 'Customer Statement', statement.reference, format_date(statement.period_end)),
        'contact': contact_payload(statement.customer),
        'facts': [
            ['Statement date', format_date(statement.period_end)],
            ['Period', f'{format_date(statement.period_start)} – {format_date(statement.period_end)}'],
            ['Amount due', money(statement.amount_due)],
        ],
        'opening': ['Opening balance', format_date(statement.period_start), money(statement.opening_balance)],
        'lines': [
            {
                'date': format_date(line.date),
                'type': line.type.label,
                'reference': line.reference,
                'amount': money(line.amount),
                'balance': money(line.balance),
            }
            for line in statement.lines
        ],
        'ageing': [[label, money(amount)] for label, amount in zip(AGEING_BUCKETS, statement.ageing, strict=True)],
        'grand_total': ['Amount due', money(statement.amount_due)],
        'notes': [],
        'show_payment': True,
    }
