"""Plain JSON-friendly dicts for the values, so storage never has to know about Decimal or dates.

Decimals travel as strings (never floats, which would lose cents); unknown keys are ignored so older and newer
data folders read each other.
"""

from __future__ import annotations

import base64
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.documents.model import BusinessProfile, Contact, ContactKind, Document, DocumentType, Line, Paper
from core.i18n import supported


def business_to_dict(profile: BusinessProfile) -> dict[str, Any]:
    return {
        'name': profile.name,
        'address': profile.address,
        'tax_number': profile.tax_number,
        'email': profile.email,
        'phone': profile.phone,
        'currency': profile.currency,
        'paper': profile.paper.value,
        'logo': base64.b64encode(profile.logo).decode('ascii') if profile.logo else None,
        'payment_details': profile.payment_details,
        'language': profile.language,
    }


def business_from_dict(data: dict[str, Any]) -> BusinessProfile:
    logo = data.get('logo')
    return BusinessProfile(
        name=data.get('name', ''),
        address=data.get('address', ''),
        tax_number=data.get('tax_number', ''),
        email=data.get('email', ''),
        phone=data.get('phone', ''),
        currency=data.get('currency', 'EUR'),
        paper=Paper(data.get('paper', Paper.A4.value)),
        logo=base64.b64decode(logo) if logo else None,
        payment_details=data.get('payment_details', ''),
        language=supported(data.get('language')),
    )


def contact_to_dict(contact: Contact) -> dict[str, Any]:
    return {
        'id': contact.id,
        'kind': contact.kind.value,
        'name': contact.name,
        'emails': list(contact.emails),
        'billing_address': contact.billing_address,
        'tax_number': contact.tax_number,
        'cc': list(contact.cc),
        'other_emails': list(contact.other_emails),
        'language': contact.language,
    }


def contact_from_dict(data: dict[str, Any]) -> Contact:
    """A row without `cc` was written before To and Cc existed, when documents went to the first address only: its
    other addresses are kept apart, not emailed, so loading it never changes who receives what. A row without
    `language` was written before contacts had one: it follows the business's language."""
    emails = tuple(data.get('emails', ()))
    if 'cc' not in data:
        emails, others = emails[:1], emails[1:]
    else:
        others = tuple(data.get('other_emails', ()))
    return Contact(
        id=data['id'],
        kind=ContactKind(data['kind']),
        name=data.get('name', ''),
        emails=emails,
        billing_address=data.get('billing_address', ''),
        tax_number=data.get('tax_number', ''),
        cc=tuple(data.get('cc', ())),
        other_emails=others,
        language=supported(language) if (language := data.get('language')) else None,
    )


def line_to_dict(line: Line) -> dict[str, str]:
    return {
        'description': line.description,
        'quantity': str(line.quantity),
        'unit_price': str(line.unit_price),
        'tax_rate': str(line.tax_rate),
    }


def line_from_dict(data: dict[str, Any]) -> Line:
    return Line(
        description=data.get('description', ''),
        quantity=Decimal(data.get('quantity', '1')),
        unit_price=Decimal(data.get('unit_price', '0')),
        tax_rate=Decimal(data.get('tax_rate', '0')),
    )


def document_to_dict(document: Document) -> dict[str, Any]:
    return {
        'id': document.id,
        'type': document.type.value,
        'reference': document.reference,
        'contact_id': document.contact_id,
        'issue_date': document.issue_date.isoformat(),
        'second_date': document.second_date.isoformat() if document.second_date else None,
        'lines': [line_to_dict(line) for line in document.lines],
        'notes': document.notes,
        'currency': document.currency,
        'sent_at': document.sent_at.isoformat() if document.sent_at else None,
        'paid_on': document.paid_on.isoformat() if document.paid_on else None,
        'paid_amount': str(document.paid_amount),
    }


def document_from_dict(data: dict[str, Any]) -> Document:
    second = data.get('second_date')
    sent = data.get('sent_at')
    paid = data.get('paid_on')
    return Document(
        id=data['id'],
        type=DocumentType(data['type']),
        reference=data.get('reference', ''),
        contact_id=data.get('contact_id', ''),
        issue_date=date.fromisoformat(data['issue_date']),
        second_date=date.fromisoformat(second) if second else None,
        lines=tuple(line_from_dict(line) for line in data.get('lines', ())),
        notes=data.get('notes', ''),
        currency=data.get('currency', 'EUR'),
        sent_at=datetime.fromisoformat(sent) if sent else None,
        paid_on=date.fromisoformat(paid) if paid else None,
        paid_amount=Decimal(data.get('paid_amount') or '0'),
    )
