"""The JSON a template receives: every value already formatted as text, so templates only lay out.

Every word the PDF prints comes from here, in the current language (the renderer sets the document's), and every
date, number and sum in that language's locale: the templates hold no text of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.documents.model import BusinessProfile, Contact, Document, DocumentType, Paper
from core.documents.money import format_date, format_money, format_percent, format_quantity
from core.documents.statement import AGEING_BUCKETS, Statement
from core.i18n import N_, _, babel_locale, current_language

# The logo travels as a file beside the JSON, not inside it: a logo of a few hundred kilobytes as a JSON list of
# numbers cost more to encode and parse than the whole invoice, on every render.
LOGO_FILE = 'logo'


@dataclass(frozen=True)
class _TypeWords:
    """What a transaction type's PDF calls itself and its parts; marked here, translated where the PDF is made."""

    heading: str
    party: str
    number: str
    second_date: str | None
    grand_total: str


_WORDS: dict[DocumentType, _TypeWords] = {
    DocumentType.SALES_QUOTE: _TypeWords(
        N_('Quote'), N_('Prepared for'), N_('Quote number'), N_('Valid until'), N_('Total')
    ),
    DocumentType.SALES_INVOICE: _TypeWords(
        N_('Invoice'), N_('Bill to'), N_('Invoice number'), N_('Due date'), N_('Total due')
    ),
    DocumentType.CREDIT_NOTE: _TypeWords(
        N_('Credit note'), N_('Credit to'), N_('Credit note number'), None, N_('Total credit')
    ),
    DocumentType.PURCHASE_ORDER: _TypeWords(
        N_('Purchase order'), N_('Supplier'), N_('Order number'), N_('Delivery date'), N_('Order total')
    ),
}


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()] if text.strip() else []


def _tax_number(number: str) -> str:
    return _('Tax no. {number}').format(number=number) if number else ''


def labels() -> dict[str, str]:
    """The fixed words every template prints; `page` keeps {page} and {pages} for the template to fill in."""
    return {
        'page': _('Page {page} of {pages}'),
        'notes': _('Notes'),
        'payment_details': _('Payment details'),
        'description': _('Description'),
        'quantity': _('Qty'),
        'unit_price': _('Unit price'),
        'tax': _('Tax'),
        'amount': _('Amount'),
        'date': _('Date'),
        'transaction': _('Transaction'),
        'reference': _('Reference'),
        'balance': _('Balance'),
        'ageing': _('Ageing'),
    }


def business_payload(business: BusinessProfile) -> dict[str, Any]:
    return {
        'name': business.name,
        'address_lines': _lines(business.address),
        'tax_number': _tax_number(business.tax_number),
        'email': business.email,
        'phone': business.phone,
        'payment_details': business.payment_details,
    }


def contact_payload(contact: Contact) -> dict[str, Any]:
    return {
        'name': contact.name,
        'address_lines': _lines(contact.billing_address),
        'tax_number': _tax_number(contact.tax_number),
        'email': contact.primary_email or '',
    }


def _common(
    business: BusinessProfile, paper: Paper | None, title: str, reference: str, subtitle: str
) -> dict[str, Any]:
    return {
        'lang': current_language(),
        'labels': labels(),
        'paper': (paper or business.paper).value,
        'title': title,
        'reference': reference,
        'subtitle': subtitle,
        'business': business_payload(business),
        'logo': LOGO_FILE if business.logo else None,
        'footer': [business.name, _tax_number(business.tax_number), business.email, business.phone],
    }


def document_payload(
    document: Document, business: BusinessProfile, contact: Contact, paper: Paper | None = None
) -> dict[str, Any]:
    """In the current language: render it under `using_language` of the document's language."""
    locale = babel_locale()
    currency = document.currency

    def money(amount: Any) -> str:
        return format_money(amount, currency, locale)

    totals = document.totals()
    words = _WORDS[document.type]
    facts = [[_(words.number), document.reference], [_('Date'), format_date(document.issue_date, locale)]]
    if document.second_date is not None and words.second_date is not None:
        facts.append([_(words.second_date), format_date(document.second_date, locale)])
    if document.type is DocumentType.SALES_INVOICE:
        facts.append([_('Amount due'), money(totals.total)])
    summary = [[_('Subtotal'), money(totals.subtotal)]]
    summary += [[_('Tax {rate}').format(rate=format_percent(t.rate, locale)), money(t.tax)] for t in totals.taxes]
    return {
        **_common(business, paper, document.type.label, document.reference, document.reference),
        'heading': _(words.heading),
        'party_label': _(words.party),
        'contact': contact_payload(contact),
        'facts': facts,
        'lines': [
            {
                'description': line.description,
                'quantity': format_quantity(line.quantity, locale),
                'unit_price': money(line.unit_price),
                'tax_rate': format_percent(line.tax_rate, locale),
                'amount': money(line.net(currency)),
            }
            for line in document.lines
        ],
        'totals': summary,
        'grand_total': [_(words.grand_total), money(totals.total)],
        'notes': _lines(document.notes),
        'show_payment': document.type is DocumentType.SALES_INVOICE,
    }


def statement_payload(statement: Statement, business: BusinessProfile, paper: Paper | None = None) -> dict[str, Any]:
    """In the current language, like `document_payload`."""
    locale = babel_locale()
    currency = statement.currency

    def money(amount: Any) -> str:
        return format_money(amount, currency, locale)

    def day(value: Any) -> str:
        return format_date(value, locale)

    period = f'{day(statement.period_start)} – {day(statement.period_end)}'
    return {
        **_common(business, paper, _('Customer Statement'), statement.reference, day(statement.period_end)),
        'heading': _('Statement'),
        'party_label': _('Customer'),
        'contact': contact_payload(statement.customer),
        'facts': [
            [_('Statement date'), day(statement.period_end)],
            [_('Period'), period],
            [_('Amount due'), money(statement.amount_due)],
        ],
        'opening': [_('Opening balance'), day(statement.period_start), money(statement.opening_balance)],
        'lines': [
            {
                'date': day(line.date),
                'type': line.type.label,
                'reference': line.reference,
                'amount': money(line.amount),
                'balance': money(line.balance),
            }
            for line in statement.lines
        ],
        'ageing': [[_(label), money(amount)] for label, amount in zip(AGEING_BUCKETS, statement.ageing, strict=True)],
        'grand_total': [_('Amount due'), money(statement.amount_due)],
        'notes': [],
        'show_payment': True,
    }
