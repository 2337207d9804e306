"""The sample business a new data folder starts with, so the Email button can be tried at once.

Every address is on example.com / example.is (reserved names that never receive mail).
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from core.documents.model import BusinessProfile, Contact, ContactKind, Document, DocumentType, Line, Paper

_NAMESPACE = uuid.UUID('6f1c3e1e-6a0b-4c53-9a55-1f0d8f4a2b10')
CURRENCY = 'EUR'
VAT = Decimal(24)
REDUCED_VAT = Decimal(11)


def _id(name: str) -> str:
    """Stable ids, so the sample is the same in every folder and in tests."""
    return uuid.uuid5(_NAMESPACE, name).hex


def sample_business() -> BusinessProfile:
    return BusinessProfile(
        name='Norðurljós Ráðgjöf ehf.',
        address='Laugavegur 26\n101 Reykjavík\nIceland',
        tax_number='VSK 123456',
        email='reikningar@nordurljos.example.is',
        phone='+354 555 0123',
        currency=CURRENCY,
        paper=Paper.A4,
        payment_details='Arion banki · IBAN IS14 0159 2600 7654 5510 7303 39 · SWIFT ESJAISRE',
    )


def sample_contacts() -> tuple[Contact, ...]:
    customer, supplier = ContactKind.CUSTOMER, ContactKind.SUPPLIER
    return (
        Contact(
            _id('thordur'),
            customer,
            'Þórður Ægisson ehf.',
            ('thordur@example.is',),
            'Hafnarstræti 5\n600 Akureyri\nIceland',
            'VSK 998877',
            cc=('bokhald@example.is',),
        ),
        Contact(
            _id('muller'),
            customer,
            'Müller & Söhne GmbH',
            ('einkauf@mueller-soehne.example.com',),
            'Königstraße 12\n70173 Stuttgart\nGermany',
            'DE 811 234 567',
        ),
        Contact(
            _id('cafe'),
            customer,
            'Kaffihús Guðrúnar',
            ('gudrun@kaffihus.example.is',),
            'Skólavörðustígur 8\n101 Reykjavík\nIceland',
            language='is',  # gets its documents and emails in Icelandic; the business writes English
        ),
        Contact(
            _id('lindqvist'),
            customer,
            'Åsa Lindqvist AB',
            ('asa@lindqvist.example.com',),
            'Drottninggatan 71\n111 36 Stockholm\nSweden',
            'SE 556677889901',
        ),
        Contact(
            _id('pappir'),
            supplier,
            'Pappírsverk ehf.',
            ('pantanir@pappirsverk.example.is',),
            'Smiðjuvegur 3\n200 Kópavogur\nIceland',
        ),
        Contact(
            _id('nordic'),
            supplier,
            'Nordic Office Supply Ltd.',
            ('orders@nordic-office.example.com',),
            '14 Harbour Road\nLeith, Edinburgh EH6 6LU\nUnited Kingdom',
        ),
    )


_CONSULTING = ('Ráðgjöf — strategy workshop (hours)', Decimal('145.00'), VAT)
_REPORT = ('Market study: Nordic tourism 2026', Decimal('2400.00'), VAT)
_TRAVEL = ('Travel, Reykjavík–Akureyri and back', Decimal('186.40'), VAT)
_BOOKS = ('Handbook «Good Service» (printed)', Decimal('32.50'), REDUCED_VAT)
_SUPPORT = ('Monthly support retainer', Decimal('850.00'), VAT)
_PAPER = ('A4 paper, 80 g/m², box of 5 reams', Decimal('27.90'), VAT)
_TONER = ('Toner cartridge, black', Decimal('89.00'), VAT)


def _lines(*items: tuple[tuple[str, Decimal, Decimal], str]) -> tuple[Line, ...]:
    return tuple(Line(text, Decimal(quantity), price, rate) for (text, price, rate), quantity in items)


def sample_documents(today: date) -> tuple[Document, ...]:
    """About twenty documents spread over the last four months, so statements show every ageing bucket."""
    thordur, muller, cafe, asa = _id('thordur'), _id('muller'), _id('cafe'), _id('lindqvist')
    pappir, nordic = _id('pappir'), _id('nordic')
    invoice, quote, credit, order = (
        DocumentType.SALES_INVOICE,
        DocumentType.SALES_QUOTE,
        DocumentType.CREDIT_NOTE,
        DocumentType.PURCHASE_ORDER,
    )
    rows: list[tuple[DocumentType, str, str, int, int | None, tuple[Line, ...], str]] = [
        (quote, 'Q-0001', thordur, 130, 30, _lines((_CONSULTING, '16'), (_TRAVEL, '2')), 'Valid for 30 days.'),
        (invoice, 'INV-0001', thordur, 118, 14, _lines((_CONSULTING, '16'), (_TRAVEL, '2')), ''),
        (invoice, 'INV-0002', muller, 104, 30, _lines((_REPORT, '1'), (_BOOKS, '12')), 'Zahlbar innerhalb 30 Tagen.'),
        (order, 'PO-0001', pappir, 100, 7, _lines((_PAPER, '10'), (_TONER, '2')), 'Deliver to the back door.'),
        (invoice, 'INV-0003', cafe, 95, 14, _lines((_CONSULTING, '4.5')), ''),
        (invoice, 'INV-0004', thordur, 75, 14, _lines((_SUPPORT, '1'), (_BOOKS, '3')), ''),
        (credit, 'CN-0001', thordur, 70, None, _lines((_BOOKS, '3')), 'Books returned unopened.'),
        (invoice, 'INV-0005', asa, 66, 30, _lines((_REPORT, '1'), (_CONSULTING, '6')), ''),
        (quote, 'Q-0002', muller, 60, 30, _lines((_SUPPORT, '12')), 'Annual support, billed monthly.'),
        (invoice, 'INV-0006', thordur, 45, 14, _lines((_SUPPORT, '1')), ''),
        (order, 'PO-0002', nordic, 40, 10, _lines((_TONER, '6')), ''),
        (invoice, 'INV-0007', muller, 38, 30, _lines((_SUPPORT, '1'), (_TRAVEL, '1')), ''),
        (invoice, 'INV-0008', cafe, 30, 14, _lines((_BOOKS, '20')), ''),
        (credit, 'CN-0002', muller, 25, None, _lines((_TRAVEL, '1')), 'Travel was not needed.'),
        (invoice, 'INV-0009', thordur, 15, 14, _lines((_SUPPORT, '1'), (_CONSULTING, '3')), ''),
        (quote, 'Q-0003', asa, 12, 30, _lines((_CONSULTING, '24'), (_REPORT, '1')), 'Phase two of the study.'),
        (invoice, 'INV-0010', asa, 9, 30, _lines((_CONSULTING, '8.25')), ''),
        (order, 'PO-0003', pappir, 6, 7, _lines((_PAPER, '4')), ''),
        (invoice, 'INV-0011', muller, 4, 30, _lines((_SUPPORT, '1')), ''),
        (quote, 'Q-0004', cafe, 2, 30, _lines((_CONSULTING, '10'), (_BOOKS, '40')), ''),
    ]
    documents = []
    for doc_type, reference, contact_id, days_ago, term, lines, notes in rows:
        issued = today - timedelta(days=days_ago)
        documents.append(
            Document(
                id=_id(reference),
                type=doc_type,
                reference=reference,
                contact_id=contact_id,
                issue_date=issued,
                second_date=issued + timedelta(days=term) if term is not None else None,
                lines=lines,
                notes=notes,
                currency=CURRENCY,
            )
        )
    return tuple(documents)
