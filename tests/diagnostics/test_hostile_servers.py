"""Hostile servers on 127.0.0.1: each test names the failing step and cause, ends in time, and leaks no password."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from core.causes import Cause, Failure, Step
from core.diagnostics.events import Status
from core.settings import Security
from tests.diagnostics.conftest import ACCOUNTS, PASSWORD, USER, Run, run, smtp_settings
from tests.support.certs import CertPair, TestPKI
from tests.support.smtp_servers import CLOSE, Recorder, free_port, raw_server, scripted, silent, smtp_server

MS_535_139 = '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.'
MS_BASIC = '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.'
GMAIL_534 = '534-5.7.9 Application-specific password required. Learn more at\r\n534 5.7.9  https://support.google.com'


def assert_failed(result: Run, step: Step, cause: Cause, recorder: Recorder | None = None) -> None:
    verdict = result.verdict
    assert not verdict.passed, result.statuses()
    assert (verdict.step, verdict.cause) == (step, cause), (verdict.step, verdict.cause, verdict.message)
    failed = [e for e in result.events if e.status is Status.FAIL]
    assert len(failed) == 1 and failed[0].step is step and failed[0].explanation is not None
    assert PASSWORD not in result.transcript
    if recorder is not None:
        assert not recorder.credentials_in_plaintext(PASSWORD, USER + '\0' + PASSWORD)


async def test_refused_port_fails_at_connect() -> None:
    result = await run(smtp_settings(free_port()))
    assert_failed(result, Step.CONNECT, Cause.CONNECTION_REFUSED)


async def test_silent_server_fails_at_greeting_with_no_greeting() -> None:
    async with raw_server(silent) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.GREETING, Cause.NO_GREETING, server.recorder)
    assert server.recorder.connections == 2  # the session and the TLS probe


async def test_implicit_tls_port_tested_with_starttls_says_port_expects_tls(trusted: TestPKI) -> None:
    async with smtp_server(tls='implicit', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port, Security.STARTTLS))
    assert_failed(result, Step.GREETING, Cause.TLS_MODE_MISMATCH, server.recorder)
    assert 'expects SSL/TLS from the start' in result.verdict.transcript_text() + result.events[-1].message
    assert server.recorder.auth_attempts == []


async def test_plaintext_port_tested_with_ssl_fails_at_tls_with_mode_mismatch(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port, Security.SSL))
    assert_failed(result, Step.TLS, Cause.TLS_MODE_MISMATCH, server.recorder)


async def test_starttls_missing_on_587_stops_before_auth(trusted: TestPKI) -> None:
    async with smtp_server(accounts=ACCOUNTS, auth_require_tls=False) as server:
        result = await run(smtp_settings(server.port, Security.AUTO))  # port is not 465: Auto means STARTTLS
    assert_failed(result, Step.TLS, Cause.STARTTLS_UNAVAILABLE, server.recorder)
    assert 'AUTH' not in server.recorder.commands
    assert server.recorder.auth_attempts == []


async def _starttls_then_plain_text(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b'220 broken.test ESMTP\r\n')
    await reader.readline()
    writer.write(b'250-broken.test\r\n250 STARTTLS\r\n')
    await reader.readline()
    writer.write(b'220 go ahead\r\nthis is not a TLS handshake\r\n')
    await writer.drain()
    await asyncio.sleep(0.2)


async def test_starttls_handshake_failure() -> None:
    async with raw_server(_starttls_then_plain_text) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.TLS, Cause.TLS_HANDSHAKE_FAILED, server.recorder)


async def _starttls_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    writer.write(b'220 broken.test ESMTP\r\n')
    await reader.readline()
    writer.write(b'250-broken.test\r\n250 STARTTLS\r\n')
    await reader.readline()
    writer.write(b'220 go ahead\r\n')
    await writer.drain()


async def test_starttls_server_hanging_up_during_handshake_is_a_handshake_failure() -> None:
    async with raw_server(_starttls_then_hang_up) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.TLS, Cause.TLS_HANDSHAKE_FAILED, server.recorder)


CERT_CASES = [
    ('self_signed', Cause.CERT_SELF_SIGNED),
    ('expired', Cause.CERT_EXPIRED),
    ('wrong_host', Cause.CERT_HOSTNAME_MISMATCH),
    ('unknown_ca', Cause.CERT_UNTRUSTED),
]


@pytest.mark.parametrize(('kind', 'cause'), CERT_CASES)
@pytest.mark.parametrize('security', [Security.STARTTLS, Security.SSL])
async def test_bad_certificate_fails_at_tls_and_shows_the_certificate(
    trusted: TestPKI, kind: str, cause: Cause, security: Security
) -> None:
    cert: CertPair = getattr(trusted, kind)()
    tls = 'implicit' if security is Security.SSL else 'starttls'
    async with smtp_server(tls=tls, cert=cert, accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port, security))
    assert_failed(result, Step.TLS, cause, server.recorder)
    failed = result.events[-1]
    assert failed.details['SHA-256 fingerprint'].count(':') == 31  # shown from the second, unverified handshake
    check = 'Host name check' if cause is Cause.CERT_HOSTNAME_MISMATCH else 'Authority check (CA)'
    assert failed.details[check].startswith('failed')
    assert server.recorder.auth_attempts == []


@pytest.mark.parametrize(('kind', 'cause'), CERT_CASES)
async def test_bad_certificate_passes_when_verification_is_off(trusted: TestPKI, kind: str, cause: Cause) -> None:
    async with smtp_server(tls='starttls', cert=getattr(trusted, kind)(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port, skip_tls_verify=True))
    assert result.verdict.passed, result.verdict.message
    tls = next(e for e in result.finished() if e.step is Step.TLS)
    assert tls.status is Status.WARN and tls.details['Authority check (CA)'].startswith('not done')
    assert server.recorder.auth_over_tls is True and len(server.recorder.messages) == 1


async def test_auth_not_offered(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good()) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.AUTH, Cause.AUTH_UNAVAILABLE, server.recorder)


async def test_wrong_password_is_auth_rejected_after_one_attempt(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts={USER: 'another'}) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.AUTH, Cause.AUTH_REJECTED, server.recorder)
    assert len(server.recorder.auth_attempts) == 1 and server.recorder.auth_over_tls is True
    assert '535' in result.verdict.reply
    auth = next(e for e in result.events if e.step is Step.AUTH and e.status is Status.FAIL)
    assert auth.failure == Failure(Step.AUTH, Cause.AUTH_REJECTED, result.verdict.reply, False)


@pytest.mark.parametrize(
    ('reply', 'cause'),
    [
        (GMAIL_534, Cause.APP_PASSWORD_REQUIRED),
        (MS_535_139, Cause.SMTP_AUTH_DISABLED),
        (MS_BASIC, Cause.BASIC_AUTH_DISABLED),
        ('454 4.7.0 Too many login attempts, please try again later.', Cause.AUTH_RATE_LIMITED),
    ],
)
async def test_provider_auth_replies_are_explained(trusted: TestPKI, reply: str, cause: Cause) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, auth_failure_reply=reply) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.AUTH, cause, server.recorder)
    assert len(server.recorder.auth_attempts) == 1
    assert reply.split()[0][:3] in result.verdict.reply


async def test_530_starttls_first_is_auth_requires_tls_and_the_password_never_leaves() -> None:
    replies = {'EHLO': '250-plain.test\n250 AUTH LOGIN', 'AUTH': '530 5.7.0 Must issue a STARTTLS command first'}
    async with raw_server(scripted(replies)) as server:
        settings = smtp_settings(server.port, Security.NONE, allow_plaintext=True)
        result = await run(settings)
    assert_failed(result, Step.AUTH, Cause.AUTH_REQUIRES_TLS, server.recorder)
    assert any(e.step is Step.TLS and e.status is Status.SKIPPED for e in result.events)


@pytest.mark.parametrize(
    ('options', 'step', 'cause'),
    [
        (
            {'mail_reply': '550 5.7.60 SMTP; Client does not have permissions to send as this sender'},
            Step.MAIL,
            Cause.SENDER_REJECTED,
        ),
        (
            {'mail_reply': '554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException'},
            Step.MAIL,
            Cause.SENDER_REJECTED,
        ),
        ({'rcpt_reply': '554 5.7.1 <x@example.com>: Relay access denied'}, Step.RCPT, Cause.RELAY_DENIED),
        ({'rcpt_reply': '550 5.1.1 No such user here'}, Step.RCPT, Cause.RECIPIENT_REJECTED),
        ({'size_limit': 100}, Step.MAIL, Cause.MESSAGE_TOO_LARGE),
        ({'data_reply': '554 5.7.1 Message rejected as spam'}, Step.DATA, Cause.DATA_REJECTED),
    ],
)
async def test_envelope_and_data_refusals(trusted: TestPKI, options: dict[str, Any], step: Step, cause: Cause) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, **options) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, step, cause, server.recorder)
    assert server.recorder.messages == []


async def test_disconnect_mid_session(trusted: TestPKI) -> None:
    replies = {'EHLO': '250-cut.test\n250 AUTH PLAIN', 'AUTH': '235 2.7.0 ok', 'MAIL': CLOSE}
    async with raw_server(scripted(replies), ssl_context=trusted.good().server_context()) as server:
        result = await run(smtp_settings(server.port, Security.SSL))
    assert_failed(result, Step.MAIL, Cause.SERVER_DISCONNECTED, server.recorder)


async def test_421_banner_is_greeting_rejected() -> None:
    async with raw_server(scripted({}, banner='421 4.3.2 Service not available, try later')) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.GREETING, Cause.GREETING_REJECTED, server.recorder)
    assert result.verdict.reply.startswith('421')


async def test_server_slower_than_the_timeout_fails_with_timeout(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=3) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.RCPT, Cause.TIMEOUT, server.recorder)


async def test_whole_test_deadline_stops_a_slow_server(trusted: TestPKI) -> None:
    from core.diagnostics.probe import Timeouts

    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=3) as server:
        result = await run(smtp_settings(server.port), timeouts=Timeouts(command=5, total=1.5))
    assert result.verdict.cause is Cause.TIMEOUT and result.verdict.step is Step.RCPT


async def test_a_server_that_does_not_speak_smtp_is_no_greeting() -> None:
    async with raw_server(scripted({}, banner='SSH-2.0-OpenSSH_9.6')) as server:
        result = await run(smtp_settings(server.port))
    assert_failed(result, Step.GREETING, Cause.NO_GREETING, server.recorder)
    assert 'not SMTP' in result.events[-1].message


async def test_certificate_expiring_soon_is_a_warning(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.expiring(5), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    assert result.verdict.passed
    tls = next(e for e in result.finished() if e.step is Step.TLS)
    assert tls.status is Status.WARN and 'expires in' in tls.message
    assert any('expires in' in warning for warning in result.verdict.warnings)


def _cram_md5_server(password: str) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]:
    """Offers only CRAM-MD5 and checks the client's HMAC, as RFC 2195 says."""
    challenge = b'<1896.697170952@mx.test>'

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b'220 cram.test ESMTP\r\n')
        while line := (await reader.readline()).decode().strip():
            word = line.split(' ', 1)[0].upper()
            if word == 'EHLO':
                writer.write(b'250-cram.test\r\n250 AUTH CRAM-MD5\r\n')
            elif word == 'AUTH':
                writer.write(b'334 ' + base64.b64encode(challenge) + b'\r\n')
                await writer.drain()
                user, _, digest = base64.b64decode(await reader.readline()).decode().partition(' ')
                expected = hmac.new(password.encode(), challenge, hashlib.md5).hexdigest()
                writer.write(b'235 ok\r\n' if (user, digest) == (USER, expected) else b'535 no\r\n')
            elif word == 'QUIT':
                writer.write(b'221 bye\r\n')
                await writer.drain()
                return
            else:
                writer.write(b'250 ok\r\n' if word != 'DATA' else b'354 go\r\n')
                if word == 'DATA':
                    await writer.drain()
                    while (await reader.readline()).rstrip(b'\r\n') != b'.':
                        pass
                    writer.write(b'250 queued\r\n')
            await writer.drain()

    return talk


async def test_cram_md5_is_used_when_it_is_all_the_server_offers(trusted: TestPKI) -> None:
    async with raw_server(_cram_md5_server(PASSWORD), ssl_context=trusted.good().server_context()) as server:
        result = await run(smtp_settings(server.port, Security.SSL))
    assert result.verdict.passed, result.verdict.message
    auth = next(e for e in result.finished() if e.step is Step.AUTH)
    assert auth.details['Method used'] == 'CRAM-MD5'
    assert PASSWORD not in result.transcript


def test_filtered_port_25_suggests_587_or_465() -> None:
    from core.diagnostics.net import _connect_failure

    failure = _connect_failure([Cause.CONNECTION_TIMEOUT], 25)
    assert failure.failure.cause is Cause.CONNECTION_TIMEOUT and 'block port 25' in failure.message
    assert _connect_failure([Cause.NETWORK_UNREACHABLE, Cause.CONNECTION_REFUSED], 587).failure.cause is (
        Cause.CONNECTION_REFUSED
    )


async def test_the_verdict_carries_the_failing_steps_own_failure_value(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts={USER: 'another'}) as server:
        result = await run(smtp_settings(server.port))
    (failed,) = [e for e in result.events if e.status is Status.FAIL]
    assert result.verdict.failure is not None and result.verdict.failure == failed.failure
    assert result.verdict.failure.reply_code == 535 and result.verdict.to_json()['cause'] == 'auth-rejected'
