"""Automatic references: the next number after the highest one already used with the type's prefix."""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.documents.model import DocumentType

_DIGITS_AT_END = re.compile(r'^(?P<head>.*?)(?P<number>\d+)$')
DEFAULT_WIDTH = 4


def reference_number(reference: str, prefix: str) -> tuple[int, int] | None:
    """(number, digit count) when the reference is the prefix followed by digits, like INV-0042."""
    if not reference.upper().startswith(prefix.upper()):
        return None
    match = _DIGITS_AT_END.match(reference[len(prefix) :])
    if not match or match.group('head'):
        return None
    digits = match.group('number')
    return int(digits), len(digits)


def next_reference(document_type: DocumentType, references: Iterable[str]) -> str:
    """INV-0001 for the first invoice; then one above the highest, keeping the widest zero padding seen.

    References the user typed by hand in another shape (say '2024/17') are left out, so they never block numbering.
    """
    highest, width = 0, DEFAULT_WIDTH
    for reference in references:
        parsed = reference_number(reference.strip(), document_type.prefix)
        if parsed is None:
            continue
        number, digits = parsed
        highest = max(highest, number)
        width = max(width, digits)
    return f'{document_type.prefix}{highest + 1:0{width}d}'
