"""A throwaway certificate authority and server certificates for 127.0.0.1 / localhost, good and broken."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOCAL_NAMES = ('127.0.0.1', 'localhost', '::1')


@dataclass(frozen=True)
class CertPair:
    """A server certificate (with its chain) and key on disk."""

    cert_path: Path
    key_path: Path

    def server_context(self) -> ssl.SSLContext:
        """Context for a test server; it never asks the client for a certificate."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


class TestPKI:
    """A trusted CA (written to `ca_path`, point SSL_CERT_FILE at it) and certificates signed by it or not."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.ca = trustme.CA(organization_name='Mailroom Test CA')
        self.ca_path = directory / 'ca.pem'
        self.ca.cert_pem.write_to_path(str(self.ca_path))

    def _write(self, name: str, leaf: trustme.LeafCert) -> CertPair:
        cert_path, key_path = self.directory / f'{name}.pem', self.directory / f'{name}.key'
        leaf.cert_chain_pems[0].write_to_path(str(cert_path))
        for extra in leaf.cert_chain_pems[1:]:
            extra.write_to_path(str(cert_path), append=True)
        leaf.private_key_pem.write_to_path(str(key_path))
        return CertPair(cert_path, key_path)

    def good(self) -> CertPair:
        return self._write('good', self.ca.issue_cert(*LOCAL_NAMES, common_name='localhost'))

    def expired(self) -> CertPair:
        now = dt.datetime.now(dt.UTC)
        leaf = self.ca.issue_cert(
            *LOCAL_NAMES,
            common_name='localhost',
            not_before=now - dt.timedelta(days=400),
            not_after=now - dt.timedelta(days=5),
        )
        return self._write('expired', leaf)

    def expiring(self, days: int) -> CertPair:
        """Valid now but ends in `days` days (for the 'renew soon' warning)."""
        now = dt.datetime.now(dt.UTC)
        leaf = self.ca.issue_cert(
            *LOCAL_NAMES,
            common_name='localhost',
            not_before=now - dt.timedelta(days=30),
            not_after=now + dt.timedelta(days=days),
        )
        return self._write(f'expiring-{days}', leaf)

    def named(self, *names: str) -> CertPair:
        """Valid for the given host names only (a server that stands in for smtp.<domain> on 127.0.0.1)."""
        return self._write(f'named-{names[0]}', self.ca.issue_cert(*names, common_name=names[0]))

    def wrong_host(self) -> CertPair:
        return self._write('wrong-host', self.ca.issue_cert('mail.example.org', common_name='mail.example.org'))

    def unknown_ca(self) -> CertPair:
        """Signed by a CA that nobody trusts (like a company CA not installed on the machine)."""
        stranger = trustme.CA(organization_name='Unknown Test CA')
        return self._write('unknown-ca', stranger.issue_cert(*LOCAL_NAMES, common_name='localhost'))

    def self_signed(self) -> CertPair:
        return write_self_signed(self.directory / 'self-signed.pem', self.directory / 'self-signed.key')

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only this CA."""
        context = ssl.create_default_context(cafile=str(self.ca_path))
        return context


def write_self_signed(cert_path: Path, key_path: Path) -> CertPair:
    """A leaf certificate for the local names that signs itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'localhost')])
    now = dt.datetime.now(dt.UTC)
    san = x509.SubjectAlternativeName([x509.DNSName('localhost'), x509.IPAddress(ipaddress.ip_address('127.0.0.1'))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(san, critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return CertPair(cert_path, key_path)
