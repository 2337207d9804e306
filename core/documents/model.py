"""The business, its contacts and its transactions as immutable values; totals are derived, never stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from core import addresses
from core.documents.money import ZERO, round_money
from core.i18n import DEFAULT_LANGUAGE, N_, _, supported
from core.i18n.phrase import Phrase


def new_id() -> str:
    return uuid.uuid4().hex


class Paper(StrEnum):
    A4 = 'a4'
    LETTER = 'us-letter'


PAPER_LABELS: dict[Paper, str] = {Paper.A4: N_('A4'), Paper.LETTER: N_('US Letter')}


class ContactKind(StrEnum):
    CUSTOMER = 'customer'
    SUPPLIER = 'supplier'

    @property
    def label(self) -> str:
        """'Customer' or 'Supplier', in the current language."""
        return _(_KIND_LABELS[self])


_KIND_LABELS: dict[ContactKind, str] = {ContactKind.CUSTOMER: N_('Customer'), ContactKind.SUPPLIER: N_('Supplier')}


class DocumentType(StrEnum):
    SALES_QUOTE = 'sales_quote'
    SALES_INVOICE = 'sales_invoice'
    CREDIT_NOTE = 'credit_note'
    PURCHASE_ORDER = 'purchase_order'

    @property
    def label(self) -> str:
        """'Sales Invoice', in the current language."""
        return _(_TYPE_FACTS[self][0])

    @property
    def stored_label(self) -> Phrase:
        """The label as a record keeps it (the email log), worded in the language of whoever reads the record."""
        return Phrase(_TYPE_FACTS[self][0])

    @property
    def prefix(self) -> str:
        """Reference prefix for automatic numbering: INV-0001, Q-0001, ..."""
        return _TYPE_FACTS[self][1]

    @property
    def contact_kind(self) -> ContactKind:
        return ContactKind.SUPPLIER if self is DocumentType.PURCHASE_ORDER else ContactKind.CUSTOMER

    @property
    def second_date_label(self) -> str | None:
        """The date after the issue date: due (invoice), expiry (quote), delivery (order); a credit note has none."""
        label = _TYPE_FACTS[self][2]
        return _(label) if label else None

    @property
    def slug(self) -> str:
        return self.value.replace('_', '-')


_TYPE_FACTS: dict[DocumentType, tuple[str, str, str | None]] = {
    DocumentType.SALES_QUOTE: (N_('Sales Quote'), 'Q-', N_('Expiry date')),
    DocumentType.SALES_INVOICE: (N_('Sales Invoice'), 'INV-', N_('Due date')),
    DocumentType.CREDIT_NOTE: (N_('Credit Note'), 'CN-', None),
    DocumentType.PURCHASE_ORDER: (N_('Purchase Order'), 'PO-', N_('Delivery date')),
}


@dataclass(frozen=True)
class BusinessProfile:
    """Who sends the documents: printed in every PDF's letterhead. `language`: what its documents and emails are
    written in unless a contact has a language of its own ('en' or 'is')."""

    name: str = ''
    address: str = ''
    tax_number: str = ''
    email: str = ''
    phone: str = ''
    currency: str = 'EUR'
    paper: Paper = Paper.A4
    logo: bytes | None = field(default=None, repr=False)
    payment_details: str = ''
    language: str = DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Contact:
    """A customer or a supplier. Documents go to every address in `emails` (To), with `cc` copied in, as one email.

    `other_emails` holds the extra addresses of contacts saved before To and Cc existed, when only the first address
    was emailed: they are kept, shown, and never emailed until the person moves them to To or Cc.

    `language`: what documents and emails to this contact are written in; None (contacts saved before it existed,
    or never chosen) means the business's language.
    """

    id: str
    kind: ContactKind
    name: str
    emails: tuple[str, ...] = ()
    billing_address: str = ''
    tax_number: str = ''
    cc: tuple[str, ...] = ()
    other_emails: tuple[str, ...] = ()
    language: str | None = None

    @property
    def primary_email(self) -> str | None:
        """The first address without its display name, as printed on documents and in `{{ recipient.email }}`."""
        return addresses.envelope_of(self.emails[0]) if self.emails else None


def document_language(business: BusinessProfile, contact: Contact | None) -> str:
    """The language a document and its email are written in: the contact's own, else the business's."""
    return supported((contact.language if contact else None) or business.language)


@dataclass(frozen=True)
class Line:
    """One line of a transaction; tax_rate is a percentage such as Decimal('24')."""

    description: str
    quantity: Decimal = Decimal(1)
    unit_price: Decimal = ZERO
    tax_rate: Decimal = ZERO

    def net(self, currency: str = 'EUR') -> Decimal:
        return round_money(self.quantity * self.unit_price, currency)


@dataclass(frozen=True)
class TaxLine:
    rate: Decimal
    base: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    taxes: tuple[TaxLine, ...]
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Document:
    """A sales quote, sales invoice, credit note or purchase order."""

    id: str
    type: DocumentType
    reference: str
    contact_id: str
    issue_date: date
    second_date: date | None = None
    lines: tuple[Line, ...] = ()
    notes: str = ''
    currency: str = 'EUR'
    sent_at: datetime | None = None
    paid_on: date | None = None
    """An invoice's payment: the day it was (last) paid and how much has been paid in all."""
    paid_amount: Decimal = ZERO

    def totals(self) -> Totals:
        """Tax is computed per rate on the rounded line amounts, the way most tax authorities expect it."""
        bases: dict[Decimal, Decimal] = {}
        for line in self.lines:
            rate = line.tax_rate.normalize()
            bases[rate] = bases.get(rate, ZERO) + line.net(self.currency)
        taxes = tuple(
            TaxLine(rate=rate, base=base, tax=round_money(base * rate / 100, self.currency))
            for rate, base in sorted(bases.items())
            if rate != 0
        )
        subtotal = sum((line.net(self.currency) for line in self.lines), ZERO)
        tax = sum((t.tax for t in taxes), ZERO)
        return Totals(subtotal=subtotal, taxes=taxes, tax=tax, total=subtotal + tax)

    @property
    def total(self) -> Decimal:
        return self.totals().total

    @property
    def title(self) -> str:
        return f'{self.type.label} {self.reference}'

    @property
    def unpaid(self) -> Decimal:
        """What the payments recorded on the document leave open (credit notes are not counted here)."""
        return max(ZERO, self.total - self.paid_amount)
