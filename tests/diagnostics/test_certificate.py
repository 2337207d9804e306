"""What the TLS step reads from a certificate, read once per certificate."""

from __future__ import annotations

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from core.diagnostics.certificate import parse_certificate


def test_a_certificate_is_parsed_once_and_its_days_left_still_count_from_the_day_asked() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'mail.example.net')])
    now = dt.datetime.now(dt.UTC)
    builder = x509.CertificateBuilder(name, name, key.public_key(), 1, now, now + dt.timedelta(days=30, hours=1))
    der = builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER)
    info = parse_certificate(der)
    assert parse_certificate(der) is info  # the second test of the same server reads nothing again
    assert info.days_left(now) == 30
    assert info.days_left(now + dt.timedelta(days=25)) == 5
    assert 'days left' in info.details()['Valid until'] and info.self_signed
