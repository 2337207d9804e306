"""What the TLS step shows beyond the handshake the transport makes: version, cipher, the certificate, and which of
the two checks failed (the authority, or the host name), with the failing certificate fetched again to show it.

The handshake itself uses the transport's context (core/transport/tls.py), so a certificate passes here exactly when
it passes for sending.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable

from core.causes import Cause, Step, classify_smtp_error
from core.diagnostics.certificate import EXPIRY_WARNING_DAYS, CertificateInfo, hostname_matches, parse_certificate
from core.diagnostics.certificate import tls_details as connection_details
from core.diagnostics.probe import StepFailure, StepScope, step_failure
from core.i18n import N_, _, ngettext
from core.transport.tls import https_context

Handshake = Callable[[ssl.SSLContext], Awaitable[ssl.SSLObject]]
Refetch = Callable[[], Awaitable[bytes | None]]

_CERT_MESSAGES = {
    Cause.CERT_SELF_SIGNED: N_('The certificate is self-signed: no trusted authority vouches for it.'),
    Cause.CERT_EXPIRED: N_('The certificate has expired or is not valid yet.'),
    Cause.CERT_UNTRUSTED: N_('The certificate was issued by an authority this computer does not trust.'),
}


async def tls_handshake(
    scope: StepScope, *, host: str, verify: bool, handshake: Handshake, refetch: Refetch
) -> ssl.SSLObject:
    """Run the handshake the HTTPS test makes on its own connection, with the very context httpx sends with, and fill
    in the details."""
    began = time.perf_counter()
    try:
        ssl_object = await handshake(https_context(verify))
    except (ssl.SSLError, ConnectionError, EOFError, asyncio.IncompleteReadError) as error:
        raise await handshake_failure(scope, error, host=host, refetch=refetch, http=True) from None
    describe_tls(scope, ssl_object, host=host, verify=verify, seconds=time.perf_counter() - began)
    return ssl_object


async def handshake_failure(
    scope: StepScope,
    error: BaseException,
    *,
    host: str,
    refetch: Refetch,
    cause: Cause | None = None,
    http: bool = False,
) -> StepFailure:
    """A failed handshake as the TLS step's failure; a certificate that failed is fetched again, unverified, so that
    the user sees it. `cause` is the transport's classification when the transport made the handshake."""
    cause = cause or classify_smtp_error(error, 'tls')
    if isinstance(error, ssl.SSLCertVerificationError):
        hostname = cause is Cause.CERT_HOSTNAME_MISMATCH  # OpenSSL checks the name only once the authority passed
        scope.details[N_('Authority check (CA)')] = (
            _('passed: issued by an authority this computer trusts')
            if hostname
            else _('failed: {reason}').format(reason=error.verify_message)
        )
        info = await _show_unverified(scope, host, refetch)
        if hostname and info is not None:
            return step_failure(Step.TLS, cause, _mismatch_message(info, host))
        return step_failure(Step.TLS, cause, _(_CERT_MESSAGES.get(cause, N_('The certificate could not be verified.'))))
    if isinstance(error, ssl.SSLError):
        scope.details[N_('TLS error')] = str(error.reason or error)
        return step_failure(Step.TLS, cause, _handshake_message(cause, http))
    return step_failure(
        Step.TLS, Cause.TLS_HANDSHAKE_FAILED, _('The server closed the connection during the encryption handshake.')
    )


def describe_tls(scope: StepScope, ssl_object: ssl.SSLObject, *, host: str, verify: bool, seconds: float) -> None:
    """The TLS step's details after a handshake that passed (in `seconds`): version, cipher, the certificate and both
    checks."""
    scope.details.update(connection_details(ssl_object))
    scope.details[N_('Handshake')] = f'{seconds * 1000:.0f} ms'
    der = ssl_object.getpeercert(binary_form=True)
    if der is None:
        raise step_failure(Step.TLS, Cause.TLS_HANDSHAKE_FAILED, _('The server sent no certificate.'))
    check_certificate(scope, parse_certificate(der), host=host, verify=verify)


def check_certificate(scope: StepScope, info: CertificateInfo, *, host: str, verify: bool) -> None:
    """With verification on, the handshake passed both checks (the authority, and the host name as sending checks
    it); without, say what each would have said."""
    scope.details.update(info.details())
    if not verify:
        name_ok = hostname_matches(info, host)
        scope.details[N_('Authority check (CA)')] = _('not done: “Do not verify TLS certificate” is ticked')
        scope.details[N_('Host name check')] = _('not done (would pass)') if name_ok else _('not done (would fail)')
        scope.warn(_('Encrypted, but the certificate was not verified: anyone could pretend to be this server.'))
        return
    scope.details[N_('Authority check (CA)')] = _('passed: issued by an authority this computer trusts')
    scope.details[N_('Host name check')] = _('passed: the certificate lists {host}').format(host=host)
    days = info.days_left()
    if days < EXPIRY_WARNING_DAYS:
        expiring = ngettext(
            'Encrypted and verified, but the certificate expires in {days} day: tell your provider.',
            'Encrypted and verified, but the certificate expires in {days} days: tell your provider.',
            days,
        )
        scope.warn(expiring.format(days=days))
    else:
        version = scope.details.get(N_('TLS version'), 'TLS')
        scope.ok(_('Encrypted ({version}) and the certificate is valid.').format(version=version))


async def _show_unverified(scope: StepScope, host: str, refetch: Refetch) -> CertificateInfo | None:
    """A second handshake without verification, only to show the user the certificate that failed."""
    try:
        der = await refetch()
    except (OSError, ssl.SSLError, EOFError, TimeoutError, asyncio.IncompleteReadError, ValueError):
        der = None
    if der is None:
        scope.details[N_('Certificate')] = _('could not be fetched for display')
        return None
    info = parse_certificate(der)
    scope.details.update(info.details())
    scope.details[N_('Host name check')] = (
        _('passed') if hostname_matches(info, host) else _('failed: {host} is not listed').format(host=host)
    )
    return info


def _mismatch_message(info: CertificateInfo, host: str, shown: int = 6) -> str:
    """The names the certificate does hold, so that the user can pick the right one."""
    names = info.names
    if not names:
        return _('The certificate holds no server name at all, so it cannot be for {host}.').format(host=host)
    listed = ', '.join(names[:shown])
    if len(names) > shown:
        more = len(names) - shown
        listed = ngettext('{names} and {count} more', '{names} and {count} more', more).format(names=listed, count=more)
    return _('The certificate is for {names}, not for {host}.').format(names=listed, host=host)


def _handshake_message(cause: Cause, http: bool) -> str:
    if cause is Cause.TLS_MODE_MISMATCH and http:
        return _('The service answered without encryption: this address and port do not speak HTTPS.')
    if cause is Cause.TLS_MODE_MISMATCH:
        return _('The server answered in plain text: this port does not expect SSL/TLS from the start.')
    return _('The encrypted connection could not be set up.')
