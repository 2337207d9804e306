"""DKIM public keys as published in DNS (RFC 6376 3.6): found under which selector, and how strong."""

from __future__ import annotations

import asyncio
import base64
import binascii
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from core.dns import DnsResolver, DnsUnavailable
from core.i18n import _

MIN_RSA_BITS = 1024


@dataclass(frozen=True)
class DkimKey:
    selector: str
    algorithm: str  # rsa or ed25519
    bits: int | None  # None: the key could not be read
    revoked: bool = False  # an empty p= withdraws the key
    problem: str = ''

    @property
    def usable(self) -> bool:
        return not self.revoked and not self.problem and (self.algorithm != 'rsa' or (self.bits or 0) >= MIN_RSA_BITS)


def tags(text: str) -> dict[str, str]:
    """Tag=value pairs as DKIM and DMARC write them; names lowercase, spaces inside values removed."""
    found: dict[str, str] = {}
    for part in text.split(';'):
        name, equals, value = part.partition('=')
        if equals and name.strip():
            found.setdefault(name.strip().lower(), ''.join(value.split()))
    return found


def read_key(selector: str, record: str) -> DkimKey:
    """A key record's algorithm and size, read with `cryptography` from its p= value."""
    values = tags(record)
    algorithm = values.get('k', 'rsa').lower()
    if 'p' not in values:
        return DkimKey(selector, algorithm, None, problem=_('the record has no p= (public key) value'))
    if not values['p']:
        return DkimKey(selector, algorithm, None, revoked=True)
    if algorithm not in ('rsa', 'ed25519'):
        return DkimKey(
            selector, algorithm, None, problem=_('unknown key type k={algorithm}').format(algorithm=algorithm)
        )
    try:
        data = base64.b64decode(values['p'], validate=True)
        if algorithm == 'ed25519':
            ed25519.Ed25519PublicKey.from_public_bytes(data)
            return DkimKey(selector, algorithm, 256)
        key = load_der_public_key(data)
    except (binascii.Error, ValueError) as error:
        problem = _('the public key cannot be read ({error})').format(error=error)
        return DkimKey(selector, algorithm, None, problem=problem)
    if not isinstance(key, rsa.RSAPublicKey):
        return DkimKey(selector, algorithm, None, problem=_('the p= value is not an RSA key, as k=rsa says'))
    return DkimKey(selector, algorithm, key.key_size)


async def lookup(resolver: DnsResolver, domain: str, selector: str) -> DkimKey | None:
    """The key under `selector`, None when there is none; DnsUnavailable when the DNS did not answer."""
    texts = await resolver.txt(f'{selector}._domainkey.{domain}')
    keys = [text for text in texts if 'p=' in text.replace(' ', '')]
    return read_key(selector, keys[0]) if keys else None


async def lookup_all(resolver: DnsResolver, domain: str, selectors: tuple[str, ...]) -> tuple[list[DkimKey], list[str]]:
    """Keys found under any of `selectors` (looked up together), and the selectors that could not be looked up."""
    results = await asyncio.gather(*(lookup(resolver, domain, s) for s in selectors), return_exceptions=True)
    keys: list[DkimKey] = []
    unavailable: list[str] = []
    for selector, result in zip(selectors, results, strict=True):
        if isinstance(result, DnsUnavailable):
            unavailable.append(selector)
        elif isinstance(result, BaseException):
            raise result
        elif result is not None:
            keys.append(result)
    return keys, unavailable
