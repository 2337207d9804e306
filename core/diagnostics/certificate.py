"""What a server certificate says, in the terms the settings test shows: names, issuer, dates, fingerprint."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from core.i18n import N_, _, ngettext

EXPIRY_WARNING_DAYS = 14


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    san: tuple[str, ...]
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    self_signed: bool
    common_name: str = ''

    @property
    def names(self) -> tuple[str, ...]:
        """The names it holds: its SAN entries, or its common name when it has none (as very old ones do)."""
        return self.san or ((self.common_name,) if self.common_name else ())

    def days_left(self, now: dt.datetime | None = None) -> int:
        return (self.not_after - (now or dt.datetime.now(dt.UTC))).days

    def details(self) -> dict[str, str]:
        days = self.days_left()
        until = ngettext('{date} UTC ({days} day left)', '{date} UTC ({days} days left)', days)
        return {
            N_('Certificate subject'): self.subject,
            N_('Certificate names (SAN)'): ', '.join(self.san) or _('(none)'),
            N_('Issuer'): _('{issuer} (self-signed)').format(issuer=self.issuer) if self.self_signed else self.issuer,
            N_('Valid from'): f'{self.not_before:%Y-%m-%d %H:%M} UTC',
            N_('Valid until'): until.format(date=f'{self.not_after:%Y-%m-%d %H:%M}', days=days),
            N_('SHA-256 fingerprint'): self.sha256,
        }


@functools.lru_cache(maxsize=16)
def parse_certificate(der: bytes) -> CertificateInfo:
    """Parsed once per certificate: a test run again against the same server (the usual case) skips the half
    millisecond this takes. The value is immutable; what depends on today (days left) is worked out when asked."""
    cert = x509.load_der_x509_certificate(der)
    subject, issuer = cert.subject, cert.issuer  # each access builds the Name afresh
    try:
        san_ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = [*san_ext.get_values_for_type(x509.DNSName)]
        names += [str(ip) for ip in san_ext.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        names = []
    digest = hashlib.sha256(der).hexdigest().upper()
    return CertificateInfo(
        subject=_name(subject),
        issuer=_name(issuer),
        san=tuple(names),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=':'.join(digest[i : i + 2] for i in range(0, len(digest), 2)),
        self_signed=issuer == subject,
        common_name=', '.join(str(a.value) for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)),
    )


def _name(name: x509.Name) -> str:
    common = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    organisation = name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    parts = [str(a.value) for a in common] + [str(a.value) for a in organisation]
    return ', '.join(parts) or name.rfc4514_string()


def hostname_matches(info: CertificateInfo, host: str) -> bool:
    """RFC 6125 matching as browsers do it: SAN names only, a wildcard stands for exactly one leftmost label."""
    host = host.strip('[]').rstrip('.').lower()
    try:
        wanted = ipaddress.ip_address(host)
    except ValueError:
        wanted = None
    for name in info.san:
        if wanted is not None:
            try:
                if ipaddress.ip_address(name) == wanted:
                    return True
            except ValueError:
                continue
        elif _dns_match(name.lower().rstrip('.'), host):
            return True
    return False


def _dns_match(pattern: str, host: str) -> bool:
    if not pattern.startswith('*.'):
        return pattern == host
    head, _dot, rest = host.partition('.')
    return bool(head) and rest == pattern[2:] and rest.count('.') >= 1


def tls_details(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> dict[str, str]:
    """Protocol version and cipher of an established TLS connection."""
    if ssl_object is None:
        return {}
    cipher = ssl_object.cipher()
    return {
        N_('TLS version'): ssl_object.version() or '?',
        N_('Cipher'): _('{cipher} ({bits} bits)').format(cipher=cipher[0], bits=cipher[2]) if cipher else '?',
    }
