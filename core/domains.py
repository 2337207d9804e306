"""Which organisation a domain name belongs to: its registrable domain, from the Public Suffix List.

The list is the one `publicsuffixlist` bundles (offline data, updated with the package), so no lookup leaves the
computer. Names under a suffix the list does not know, such as `.test`, `.local` or `.internal`, count their last
label as the suffix: `mail.shop.test` belongs to `shop.test`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


@functools.cache
def _suffixes() -> PublicSuffixList:
    """Parsed once, on first use (about 0.1 s), so the app's start does not pay for it."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


def registrable_domain(name: str) -> str:
    """mail.example.co.uk → example.co.uk; a name that is itself a public suffix (or one label) stays as it is."""
    name = name.lower().rstrip('.')
    return _suffixes().privatesuffix(name) or name
