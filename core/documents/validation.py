"""Field-level checks: field name -> what is wrong, in plain words. An empty dict means it can be saved."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from decimal import Decimal

from core import addresses
from core.documents.defaults import second_date_problem
from core.documents.model import BusinessProfile, Contact, Document, Line
from core.documents.money import format_money, parse_decimal

MAX_REFERENCE = 40
MAX_LINES = 500
_BAD_REFERENCE = re.compile(r'[/\\\x00-\x1f]')
_CURRENCY = re.compile(r'^[A-Z]{3}$')


def validate_business(profile: BusinessProfile) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not profile.name.strip():
        errors['name'] = 'Enter the business name; it heads every document.'
    if not _CURRENCY.match(profile.currency):
        errors['currency'] = 'Enter a three-letter currency code such as EUR, USD or ISK.'
    if profile.email.strip() and (problem := addresses.problem(profile.email, name_allowed=False)):
        errors['email'] = problem
    return errors


def validate_contact(contact: Contact) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not contact.name.strip():
        errors['name'] = 'Enter the name of the customer or supplier.'
    for name, listed in (('emails', contact.emails), ('cc', contact.cc), ('other_emails', contact.other_emails)):
        if problem := next(filter(None, map(addresses.problem, listed)), None):
            errors[name] = problem
    return errors


def reference_error(reference: str, taken: Collection[str] = ()) -> str | None:
    """taken: references of the other documents of the same type."""
    text = reference.strip()
    if not text:
        return 'Enter a reference, for example INV-0001.'
    if len(text) > MAX_REFERENCE:
        return f'Keep the reference to {MAX_REFERENCE} characters or fewer.'
    if _BAD_REFERENCE.search(text):
        return 'The reference becomes part of the PDF file name: leave out slashes and backslashes.'
    if text.casefold() in {t.strip().casefold() for t in taken}:
        return f'{text} is already used by another document of this type.'
    return None


def quantity_error(text: str) -> str | None:
    return _number_error(text, low=Decimal(0), low_inclusive=False, low_words='more than zero')


def unit_price_error(text: str) -> str | None:
    return _number_error(text, low=Decimal(0), low_inclusive=True, low_words='zero or more')


def tax_rate_error(text: str) -> str | None:
    if problem := _number_error(text, low=Decimal(0), low_inclusive=True, low_words='zero or more'):
        return problem
    return 'A tax rate is a percentage up to 100.' if parse_decimal(text) > 100 else None


def _number_error(text: str, *, low: Decimal, low_inclusive: bool, low_words: str) -> str | None:
    try:
        value = parse_decimal(text)
    except ValueError as error:
        return str(error)
    if value < low or (value == low and not low_inclusive):
        return f'Enter a number {low_words}.'
    if abs(value) >= Decimal('1e12') or value.quantize(Decimal('1e-6')) != value:
        return 'This number is too large or has too many decimals.'
    return None


def validate_line(line: Line, index: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    prefix = f'lines.{index}'
    if not line.description.strip():
        errors[f'{prefix}.description'] = 'Describe what this line is for.'
    for name, value, check in (
        ('quantity', line.quantity, quantity_error),
        ('unit_price', line.unit_price, unit_price_error),
        ('tax_rate', line.tax_rate, tax_rate_error),
    ):
        if problem := check(str(value)):
            errors[f'{prefix}.{name}'] = problem
    return errors


def validate_document(
    document: Document, *, taken_references: Collection[str], contacts: Mapping[str, Contact]
) -> dict[str, str]:
    """contacts: every known contact by id; taken_references: the other documents of the same type."""
    errors: dict[str, str] = {}
    if problem := reference_error(document.reference, taken_references):
        errors['reference'] = problem
    contact = contacts.get(document.contact_id)
    wanted = document.type.contact_kind
    if contact is None:
        errors['contact_id'] = f'Choose the {wanted.value} this {document.type.label.lower()} is for.'
    elif contact.kind is not wanted:
        errors['contact_id'] = f'A {document.type.label.lower()} goes to a {wanted.value}; {contact.name} is not one.'
    if problem := second_date_problem(document.type, document.issue_date, document.second_date):
        errors['second_date'] = problem
    if not document.lines:
        errors['lines'] = 'Add at least one line.'
    elif len(document.lines) > MAX_LINES:
        errors['lines'] = f'A document holds at most {MAX_LINES} lines.'
    for index, line in enumerate(document.lines):
        errors.update(validate_line(line, index))
    errors.update(payment_problems(document))
    return errors


def payment_problems(document: Document) -> dict[str, str]:
    """A payment needs its day, and cannot be more than the invoice asks for or negative."""
    errors: dict[str, str] = {}
    if document.paid_amount < 0:
        errors['paid_amount'] = 'Enter an amount of zero or more.'
    elif document.paid_amount > document.total:
        errors['paid_amount'] = (
            f'This is more than the invoice total ({format_money(document.total, document.currency)}).'
        )
    if document.paid_amount and document.paid_on is None:
        errors['paid_on'] = 'Enter the date it was paid.'
    return errors
