"""Business documents: the business profile, contacts, transactions and the customer statement."""

from core.documents.model import (
    PAPER_LABELS,
    BusinessProfile,
    Contact,
    ContactKind,
    Document,
    DocumentType,
    Line,
    Paper,
    TaxLine,
    Totals,
    new_id,
)
from core.documents.money import format_money, parse_decimal, round_money
from core.documents.numbering import next_reference
from core.documents.statement import AGEING_BUCKETS, Statement, StatementLine, build_statement
from core.documents.validation import validate_business, validate_contact, validate_document

__all__ = [
    'AGEING_BUCKETS',
    'PAPER_LABELS',
    'BusinessProfile',
    'Contact',
    'ContactKind',
    'Document',
    'DocumentType',
    'Line',
    'Paper',
    'Statement',
    'StatementLine',
    'TaxLine',
    'Totals',
    'build_statement',
    'format_money',
    'new_id',
    'next_reference',
    'parse_decimal',
    'round_money',
    'validate_business',
    'validate_contact',
    'validate_document',
]
