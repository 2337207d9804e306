"""Field-level checks: field name -> what is wrong, in plain words. An empty dict means it can be saved."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from decimal import Decimal

from core import addresses
from core.documents.defaults import second_date_problem
from core.documents.model import BusinessProfile, Contact, Document, Line
from core.documents.money import format_money, parse_decimal
from core.i18n import _

MAX_REFERENCE = 40
MAX_LINES = 500
_BAD_REFERENCE = re.compile(r'[/\\\x00-\x1f]')
_CURRENCY = re.compile(r'^[A-Z]{3}$')


def validate_business(profile: BusinessProfile) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not profile.name.strip():
        errors['name'] = _('Enter the business name; it heads every document.')
    if not _CURRENCY.match(profile.currency):
        errors['currency'] = _('Enter a three-letter currency code such as EUR, USD or ISK.')
    if profile.email.strip() and (problem := addresses.problem(profile.email, name_allowed=False)):
        errors['email'] = problem
    return errors


def validate_contact(contact: Contact) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not contact.name.strip():
        errors['name'] = _('Enter the name of the customer or supplier.')
    for name, listed in (('emails', contact.emails), ('cc', contact.cc), ('other_emails', contact.other_emails)):
        if problem := next(filter(None, map(addresses.problem, listed)), None):
            errors[name] = problem
    return errors


def reference_error(reference: str, taken: Collection[str] = ()) -> str | None:
    """taken: references of the other documents of the same type."""
    text = reference.strip()
    if not text:
        return _('Enter a reference, for example INV-0001.')
    if len(text) > MAX_REFERENCE:
        return _('Keep the reference to {most} characters or fewer.').format(most=MAX_REFERENCE)
    if _BAD_REFERENCE.search(text):
        return _('The reference becomes part of the PDF file name: leave out slashes and backslashes.')
    if text.casefold() in {t.strip().casefold() for t in taken}:
        return _('{reference} is already used by another document of this type.').format(reference=text)
    return None


def quantity_error(text: str) -> str | None:
    return _number_error(text, low_inclusive=False)


def unit_price_error(text: str) -> str | None:
    return _number_error(text, low_inclusive=True)


def tax_rate_error(text: str) -> str | None:
    if problem := _number_error(text, low_inclusive=True):
        return problem
    return _('A tax rate is a percentage up to 100.') if parse_decimal(text) > 100 else None


def _number_error(text: str, *, low_inclusive: bool) -> str | None:
    """A number of zero or more (`low_inclusive`), or more than zero."""
    try:
        value = parse_decimal(text)
    except ValueError as error:
        return str(error)
    if value < 0 or (value == 0 and not low_inclusive):
        return _('Enter a number zero or more.') if low_inclusive else _('Enter a number more than zero.')
    if abs(value) >= Decimal('1e12') or value.quantize(Decimal('1e-6')) != value:
        return _('This number is too large or has too many decimals.')
    return None


def validate_line(line: Line, index: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    prefix = f'lines.{index}'
    if not line.description.strip():
        errors[f'{prefix}.description'] = _('Describe what this line is for.')
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
    kind, document_kind = wanted.label.lower(), document.type.label.lower()
    if contact is None:
        errors['contact_id'] = _('Choose the {kind} this {document} is for.').format(kind=kind, document=document_kind)
    elif contact.kind is not wanted:
        errors['contact_id'] = _('A {document} goes to a {kind}; {name} is not one.').format(
            document=document_kind, kind=kind, name=contact.name
        )
    if problem := second_date_problem(document.type, document.issue_date, document.second_date):
        errors['second_date'] = problem
    if not document.lines:
        errors['lines'] = _('Add at least one line.')
    elif len(document.lines) > MAX_LINES:
        errors['lines'] = _('A document holds at most {most} lines.').format(most=MAX_LINES)
    for index, line in enumerate(document.lines):
        errors.update(validate_line(line, index))
    errors.update(payment_problems(document))
    return errors


def payment_problems(document: Document) -> dict[str, str]:
    """A payment needs its day, and cannot be more than the invoice asks for or negative."""
    errors: dict[str, str] = {}
    if document.paid_amount < 0:
        errors['paid_amount'] = _('Enter an amount of zero or more.')
    elif document.paid_amount > document.total:
        errors['paid_amount'] = _('This is more than the invoice total ({total}).').format(
            total=format_money(document.total, document.currency)
        )
    if document.paid_amount and document.paid_on is None:
        errors['paid_on'] = _('Enter the date it was paid.')
    return errors
