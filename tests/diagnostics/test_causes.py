"""The one classifier: exceptions and server replies to stable cause codes, transient or permanent."""

from __future__ import annotations

import socket
import ssl

import aiosmtplib
import pytest

from core.causes import Cause, classify_reply, classify_smtp_error, explain, is_transient


@pytest.mark.parametrize(
    ('exc', 'step', 'cause'),
    [
        (
            aiosmtplib.SMTPAuthenticationError(534, '5.7.9 Application-specific password required.'),
            'auth',
            Cause.APP_PASSWORD_REQUIRED,
        ),
        (
            aiosmtplib.SMTPAuthenticationError(
                535, '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'
            ),
            'auth',
            Cause.SMTP_AUTH_DISABLED,
        ),
        (
            aiosmtplib.SMTPAuthenticationError(535, '5.7.8 Username and Password not accepted.'),
            'auth',
            Cause.AUTH_REJECTED,
        ),
        (aiosmtplib.SMTPAuthenticationError(454, '4.7.0 Too many login attempts'), 'auth', Cause.AUTH_RATE_LIMITED),
        (aiosmtplib.SMTPAuthenticationError(538, '5.7.11 Encryption required'), 'auth', Cause.AUTH_REQUIRES_TLS),
        (
            aiosmtplib.SMTPSenderRefused(554, '5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException', 'a@b.c'),
            'mail',
            Cause.SENDER_REJECTED,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(554, '5.7.1 Relay access denied', 'a')]),
            'rcpt',
            Cause.RELAY_DENIED,
        ),
        (
            aiosmtplib.SMTPRecipientsRefused([aiosmtplib.SMTPRecipientRefused(550, '5.1.1 No such user here', 'a')]),
            'rcpt',
            Cause.RECIPIENT_REJECTED,
        ),
        (
            aiosmtplib.SMTPSenderRefused(552, '5.3.4 Message size exceeds fixed limit', 'a@b.c'),
            'mail',
            Cause.MESSAGE_TOO_LARGE,
        ),
        (aiosmtplib.SMTPDataError(554, '5.7.1 spam'), 'data', Cause.DATA_REJECTED),
        (aiosmtplib.SMTPConnectResponseError(421, 'Service not available'), 'greeting', Cause.GREETING_REJECTED),
        (
            aiosmtplib.SMTPException('SMTP STARTTLS extension not supported by server.'),
            'tls',
            Cause.STARTTLS_UNAVAILABLE,
        ),
        (aiosmtplib.SMTPException('No suitable authentication method found.'), 'auth', Cause.AUTH_UNAVAILABLE),
        (aiosmtplib.SMTPConnectTimeoutError('Timed out connecting'), 'connect', Cause.CONNECTION_TIMEOUT),
        (aiosmtplib.SMTPReadTimeoutError('Timed out waiting for server response'), 'data', Cause.TIMEOUT),
        (aiosmtplib.SMTPServerDisconnected('Unexpected EOF'), 'data', Cause.SERVER_DISCONNECTED),
        (ConnectionRefusedError(111, 'refused'), 'connect', Cause.CONNECTION_REFUSED),
        (OSError(101, 'Network is unreachable'), 'connect', Cause.NETWORK_UNREACHABLE),
        (socket.gaierror(socket.EAI_NONAME, 'Name or service not known'), 'dns', Cause.DNS_NOT_FOUND),
        (socket.gaierror(socket.EAI_AGAIN, 'Temporary failure'), 'dns', Cause.DNS_FAILED),
        (TimeoutError(), 'greeting', Cause.NO_GREETING),
    ],
)
def test_exceptions_map_to_causes(exc: BaseException, step: str, cause: Cause) -> None:
    assert classify_smtp_error(exc, step) is cause


def test_cause_is_found_through_the_exception_chain() -> None:
    try:
        try:
            raise ConnectionRefusedError(111, 'Connection refused')
        except OSError as inner:
            raise aiosmtplib.SMTPConnectError('Error connecting to host on port 25') from inner
    except aiosmtplib.SMTPConnectError as outer:
        assert classify_smtp_error(outer, 'connect') is Cause.CONNECTION_REFUSED


@pytest.mark.parametrize(
    ('verify_code', 'cause'),
    [
        (18, Cause.CERT_SELF_SIGNED),
        (10, Cause.CERT_EXPIRED),
        (20, Cause.CERT_UNTRUSTED),
        (62, Cause.CERT_HOSTNAME_MISMATCH),
    ],
)
def test_certificate_errors_by_verify_code(verify_code: int, cause: Cause) -> None:
    error = ssl.SSLCertVerificationError(1, 'certificate verify failed')
    error.verify_code = verify_code
    assert classify_smtp_error(error, 'tls') is cause


def test_http_status_classes() -> None:
    assert classify_reply(404, 'not found', 'http') is Cause.HTTP_REJECTED
    assert classify_reply(502, 'bad gateway', 'http') is Cause.HTTP_FAILED


@pytest.mark.parametrize(
    ('cause', 'code', 'transient'),
    [
        (Cause.AUTH_RATE_LIMITED, 454, True),
        (Cause.AUTH_REJECTED, 535, False),
        (Cause.SENDER_REJECTED, 451, True),
        (Cause.RECIPIENT_REJECTED, 550, False),
        (Cause.CONNECTION_TIMEOUT, None, True),
        (Cause.CONNECTION_REFUSED, None, True),
        (Cause.TIMEOUT, None, True),
        (Cause.CERT_EXPIRED, None, False),
        (Cause.HTTP_FAILED, 503, True),
        (Cause.HTTP_REJECTED, 400, False),
    ],
)
def test_transient_or_permanent(cause: Cause, code: int | None, transient: bool) -> None:
    assert is_transient(cause, code) is transient


def test_every_cause_has_an_explanation_in_three_parts() -> None:
    for cause in Cause:
        explanation = explain(cause)
        assert explanation.what and explanation.why and explanation.fix


def test_explanation_is_provider_aware_and_keeps_the_reply() -> None:
    gmail = explain(Cause.AUTH_REJECTED, reply='535 5.7.8 Username and Password not accepted', host='smtp.gmail.com')
    assert 'app password' in gmail.fix.lower() and '535 5.7.8' in gmail.fix
    assert 'Gmail' not in explain(Cause.AUTH_REJECTED, host='mail.example.com').fix


def test_the_documented_codes_are_exactly_the_enum() -> None:
    from pathlib import Path

    table = (Path(__file__).parents[2] / 'docs' / 'cause-codes.md').read_text()
    documented = {line.split('`')[1] for line in table.splitlines() if line.startswith('| `')}
    assert documented == {cause.value for cause in Cause}


@pytest.mark.parametrize(
    ('host', 'provider'),
    [('smtp.mail.yahoo.com', 'Yahoo'), ('smtp.mail.me.com', 'iCloud'), ('smtp-mail.outlook.com', 'Outlook.com')],
)
def test_rejected_sign_in_brings_the_providers_own_steps(host: str, provider: str) -> None:
    assert f'For {provider}' in explain(Cause.AUTH_REJECTED, host=host).fix
