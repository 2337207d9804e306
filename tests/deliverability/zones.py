"""Zone text for the deliverability tests: DKIM keys made here, TXT values split as DNS requires."""

from __future__ import annotations

import base64
import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_key_record(key: rsa.RSAPublicKey) -> str:
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return f'v=DKIM1; k=rsa; p={base64.b64encode(der).decode()}'


def weak_public_key(bits: int) -> rsa.RSAPublicKey:
    """A public key of `bits` bits: cryptography makes none under 1024, but such keys are still found in DNS."""
    modulus = (1 << (bits - 1)) | secrets.randbits(bits - 1) | 1
    return rsa.RSAPublicNumbers(65537, modulus).public_key()


def txt(name: str, value: str) -> str:
    """One TXT record in zone syntax, its value cut into strings of at most 255 characters."""
    parts = ' '.join(f'"{value[i : i + 200]}"' for i in range(0, len(value), 200))
    return f'{name}. 300 IN TXT {parts}'
