"""The TLS step shared by SMTP (implicit or STARTTLS) and HTTPS: handshake, certificate, two separate checks.

Mailroom checks the certificate's authority (OpenSSL, the operating system's trust store, SSL_CERT_FILE honoured)
and its host name (RFC 6125, below) separately, so that the user learns which of the two failed.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable

from core.causes import Cause, classify_smtp_error
from core.diagnostics.certificate import EXPIRY_WARNING_DAYS, CertificateInfo, hostname_matches, parse_certificate
from core.diagnostics.certificate import tls_details as connection_details
from core.diagnostics.probe import StepFailure, StepScope
from core.transport.tls import smtp_context

Handshake = Callable[[ssl.SSLContext], Awaitable[ssl.SSLObject]]
Refetch = Callable[[], Awaitable[bytes | None]]

_CERT_MESSAGES = {
    Cause.CERT_SELF_SIGNED: 'The certificate is self-signed: no trusted authority vouches for it.',
    Cause.CERT_EXPIRED: 'The certificate has expired or is not valid yet.',
    Cause.CERT_UNTRUSTED: 'The certificate was issued by an authority this computer does not trust.',
}


async def tls_handshake(
    scope: StepScope,
    *,
    host: str,
    verify: bool,
    handshake: Handshake,
    refetch: Refetch,
    starttls: bool = False,
    http: bool = False,
) -> ssl.SSLObject:
    """Run the handshake and fill the step's details; raises StepFailure naming the check that failed.

    After STARTTLS was accepted, plain text instead of a handshake is a broken server, not a wrong port choice.
    """
    began = time.perf_counter()
    try:
        ssl_object = await handshake(smtp_context(verify, check_hostname=False))
    except ssl.SSLCertVerificationError as error:
        cause = classify_smtp_error(error, 'tls')
        scope.details['Authority check (CA)'] = f'failed: {error.verify_message}'
        info = await _show_unverified(scope, host, refetch)
        if cause is Cause.CERT_HOSTNAME_MISMATCH and info is not None:
            raise StepFailure(cause, _mismatch_message(info, host)) from None
        raise StepFailure(cause, _CERT_MESSAGES.get(cause, 'The certificate could not be verified.')) from None
    except ssl.SSLError as error:
        cause = classify_smtp_error(error, 'tls')
        if starttls and cause is Cause.TLS_MODE_MISMATCH:
            cause = Cause.TLS_HANDSHAKE_FAILED
        scope.details['TLS error'] = str(error.reason or error)
        raise StepFailure(cause, _handshake_message(cause, http)) from None
    except (ConnectionError, EOFError, asyncio.IncompleteReadError):
        raise StepFailure(
            Cause.TLS_HANDSHAKE_FAILED, 'The server closed the connection during the encryption handshake.'
        ) from None
    scope.details.update(connection_details(ssl_object))
    scope.details['Handshake'] = f'{(time.perf_counter() - began) * 1000:.0f} ms'
    der = ssl_object.getpeercert(binary_form=True)
    if der is None:
        raise StepFailure(Cause.TLS_HANDSHAKE_FAILED, 'The server sent no certificate.')
    check_certificate(scope, parse_certificate(der), host=host, verify=verify)
    return ssl_object


def check_certificate(scope: StepScope, info: CertificateInfo, *, host: str, verify: bool) -> None:
    scope.details.update(info.details())
    name_ok = hostname_matches(info, host)
    if not verify:
        scope.details['Authority check (CA)'] = 'not done: “Do not verify TLS certificate” is ticked'
        scope.details['Host name check'] = f'not done ({"would pass" if name_ok else "would fail"})'
        scope.warn('Encrypted, but the certificate was not verified: anyone could pretend to be this server.')
        return
    scope.details['Authority check (CA)'] = 'passed: issued by an authority this computer trusts'
    if not name_ok:
        scope.details['Host name check'] = f'failed: the certificate does not list {host}'
        raise StepFailure(Cause.CERT_HOSTNAME_MISMATCH, _mismatch_message(info, host))
    scope.details['Host name check'] = f'passed: the certificate lists {host}'
    days = info.days_left()
    if days < EXPIRY_WARNING_DAYS:
        scope.warn(f'Encrypted and verified, but the certificate expires in {days} days: tell your provider.')
    else:
        scope.ok(f'Encrypted ({scope.details.get("TLS version", "TLS")}) and the certificate is valid.')


async def _show_unverified(scope: StepScope, host: str, refetch: Refetch) -> CertificateInfo | None:
    """A second handshake without verification, only to show the user the certificate that failed."""
    try:
        der = await refetch()
    except (OSError, ssl.SSLError, EOFError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        der = None
    if der is None:
        scope.details['Certificate'] = 'could not be fetched for display'
        return None
    info = parse_certificate(der)
    scope.details.update(info.details())
    scope.details['Host name check'] = 'passed' if hostname_matches(info, host) else f'failed: {host} is not listed'
    return info


def _mismatch_message(info: CertificateInfo, host: str, shown: int = 6) -> str:
    """The names the certificate does hold, so that the user can pick the right one."""
    names = info.names
    if not names:
        return f'The certificate holds no server name at all, so it cannot be for {host}.'
    listed = ', '.join(names[:shown]) + (f' and {len(names) - shown} more' if len(names) > shown else '')
    return f'The certificate is for {listed}, not for {host}.'


def _handshake_message(cause: Cause, http: bool) -> str:
    if cause is Cause.TLS_MODE_MISMATCH and http:
        return 'The service answered without encryption: this address and port do not speak HTTPS.'
    if cause is Cause.TLS_MODE_MISMATCH:
        return 'The server answered in plain text: this port does not expect SSL/TLS from the start.'
    return 'The encrypted connection could not be set up.'
