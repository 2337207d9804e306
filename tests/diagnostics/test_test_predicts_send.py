"""The settings test predicts what sending does: for each server, it passes exactly when the send succeeds, and on
failure both name the same cause."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable

import certifi
import pytest

from core.causes import Cause
from core.diagnostics.runner import compose_test_email
from core.settings import EmailSettings, Protocol, Security
from core.transport import TransportError, transport_for
from tests.diagnostics.conftest import ACCOUNTS, PASSWORD, USER, run, smtp_settings
from tests.diagnostics.http_server import http_server
from tests.diagnostics.test_hostile_servers import _starttls_then_plain_text
from tests.support.certs import TestPKI
from tests.support.smtp_servers import raw_server, smtp_server

Talk = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def outcomes(settings: EmailSettings) -> tuple[Cause | None, Cause | None]:
    """The test's cause (None: passed) and the send's cause (None: sent), for the same settings and message."""
    result = await run(settings)
    message = compose_test_email(settings, settings.sender_address, 'Mailroom')
    try:
        receipt = await transport_for(settings, timeout=5).send(message)
    except TransportError as error:
        return result.verdict.cause, error.cause
    assert receipt.accepted, receipt
    assert result.verdict.passed == (result.verdict.cause is None)
    return result.verdict.cause, None


def hashed_store_server(attempts: list[str]) -> Talk:
    """Offers CRAM-MD5 and PLAIN but keeps only a hash of the password (as many Dovecot setups do), so CRAM-MD5 is
    refused whatever the client sends while PLAIN works."""

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b'220 hashed.test ESMTP\r\n')
        while line := (await reader.readline()).decode().strip():
            word, _, rest = line.partition(' ')
            word = word.upper()
            if word == 'EHLO':
                writer.write(b'250-hashed.test\r\n250 AUTH CRAM-MD5 PLAIN\r\n')
            elif word == 'AUTH':
                mechanism, _, token = rest.partition(' ')
                attempts.append(mechanism.upper())
                if mechanism.upper() == 'CRAM-MD5':
                    writer.write(b'334 ' + base64.b64encode(b'<1.2@hashed.test>') + b'\r\n')
                    await writer.drain()
                    await reader.readline()
                    writer.write(b'535 5.7.8 Authentication failed\r\n')
                else:
                    token = token or (await reader.readline()).decode().strip()
                    ok = base64.b64decode(token) == f'\0{USER}\0{PASSWORD}'.encode()
                    writer.write(b'235 2.7.0 ok\r\n' if ok else b'535 5.7.8 Authentication failed\r\n')
            elif word == 'QUIT':
                writer.write(b'221 bye\r\n')
                await writer.drain()
                return
            elif word == 'DATA':
                writer.write(b'354 go\r\n')
                await writer.drain()
                while (await reader.readline()).rstrip(b'\r\n') != b'.':
                    pass
                writer.write(b'250 2.0.0 Ok: queued as HASHED1\r\n')
            else:
                writer.write(b'250 ok\r\n')
            await writer.drain()

    return talk


async def test_plain_only_server_passes_the_test_and_takes_the_send(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, auth_exclude=('LOGIN',)) as server:
        assert await outcomes(smtp_settings(server.port)) == (None, None)
    assert {a.mechanism for a in server.recorder.auth_attempts} == {'PLAIN'}


async def test_login_only_server_passes_the_test_and_takes_the_send(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, auth_exclude=('PLAIN',)) as server:
        assert await outcomes(smtp_settings(server.port)) == (None, None)
    assert {a.mechanism for a in server.recorder.auth_attempts} == {'LOGIN'}


async def test_cram_md5_and_plain_server_signs_in_with_plain_for_the_test_and_the_send(trusted: TestPKI) -> None:
    attempts: list[str] = []
    async with raw_server(hashed_store_server(attempts), ssl_context=trusted.good().server_context()) as server:
        assert await outcomes(smtp_settings(server.port, Security.SSL)) == (None, None)
    assert attempts == ['PLAIN', 'PLAIN']


async def test_company_ca_for_smtp_passes_the_test_and_takes_the_send(trusted: TestPKI) -> None:
    async with smtp_server(tls='implicit', cert=trusted.good(), accounts=ACCOUNTS) as server:
        assert await outcomes(smtp_settings(server.port, Security.SSL)) == (None, None)
    assert len(server.recorder.messages) == 2


async def test_company_ca_for_https_passes_the_test_and_takes_the_send(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.good().server_context()) as (server, recorder):
        settings = EmailSettings(
            protocol=Protocol.HTTP, http_server=f'https://localhost:{server.port}/', reply_to='office@example.com'
        )
        assert await outcomes(settings) == (None, None)
    assert len(recorder.posts) == 2


async def test_untrusted_ca_for_https_fails_the_test_and_the_send_alike(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.unknown_ca().server_context()) as (server, recorder):
        settings = EmailSettings(
            protocol=Protocol.HTTP, http_server=f'https://localhost:{server.port}/', reply_to='office@example.com'
        )
        assert await outcomes(settings) == (Cause.CERT_UNTRUSTED, Cause.CERT_UNTRUSTED)
    assert recorder.posts == []


async def test_starttls_missing_fails_the_test_and_the_send_with_the_same_cause() -> None:
    async with smtp_server(accounts=ACCOUNTS, auth_require_tls=False) as server:
        expected = (Cause.STARTTLS_UNAVAILABLE, Cause.STARTTLS_UNAVAILABLE)
        assert await outcomes(smtp_settings(server.port)) == expected
    assert server.recorder.auth_attempts == [] and server.recorder.messages == []


async def test_size_limit_below_the_message_fails_the_test_and_the_send_with_the_same_cause(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, size_limit=200) as server:
        expected = (Cause.MESSAGE_TOO_LARGE, Cause.MESSAGE_TOO_LARGE)
        assert await outcomes(smtp_settings(server.port)) == expected
    assert server.recorder.messages == []


async def test_https_trusts_the_system_store_not_certifi_for_the_test_and_the_send(
    pki: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CA that only certifi's bundle holds (here: the test CA) is not trusted by the computer, so the test fails and
    so does sending; httpx on its own would have trusted certifi."""
    monkeypatch.delenv('SSL_CERT_FILE', raising=False)
    monkeypatch.delenv('SSL_CERT_DIR', raising=False)
    monkeypatch.setattr(certifi, 'where', lambda: str(pki.ca_path))
    async with http_server(ssl_context=pki.good().server_context()) as (server, recorder):
        settings = EmailSettings(
            protocol=Protocol.HTTP, http_server=f'https://localhost:{server.port}/', reply_to='office@example.com'
        )
        assert await outcomes(settings) == (Cause.CERT_UNTRUSTED, Cause.CERT_UNTRUSTED)
    assert recorder.posts == []


async def test_plain_text_after_starttls_fails_the_test_and_the_send_with_the_same_cause() -> None:
    async with raw_server(_starttls_then_plain_text) as server:
        expected = (Cause.TLS_HANDSHAKE_FAILED, Cause.TLS_HANDSHAKE_FAILED)
        assert await outcomes(smtp_settings(server.port)) == expected


async def test_a_certificate_for_another_name_fails_the_test_and_the_send_with_the_same_cause(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.wrong_host(), accounts=ACCOUNTS) as server:
        expected = (Cause.CERT_HOSTNAME_MISMATCH, Cause.CERT_HOSTNAME_MISMATCH)
        assert await outcomes(smtp_settings(server.port)) == expected
    assert server.recorder.auth_attempts == []


async def test_a_server_taking_sign_ins_only_after_starttls_fails_the_unencrypted_test_and_send_alike(
    trusted: TestPKI,
) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        settings = smtp_settings(server.port, Security.NONE, allow_plaintext=True)
        expected = (Cause.AUTH_UNAVAILABLE, Cause.AUTH_UNAVAILABLE)
        assert await outcomes(settings) == expected
    assert server.recorder.auth_attempts == [] and server.recorder.messages == []


async def test_the_test_and_the_send_speak_the_very_same_commands(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, size_limit=1_000_000) as server:
        settings = smtp_settings(server.port)
        assert (await run(settings)).verdict.passed
        tested, server.recorder.commands[:] = verbs(server.recorder.commands), []
        message = compose_test_email(settings, settings.sender_address, 'Mailroom')
        await transport_for(settings, timeout=5).send(message)
    assert (
        tested
        == verbs(server.recorder.commands)
        == ['EHLO', 'STARTTLS', 'EHLO', 'AUTH', 'MAIL', 'RCPT', 'DATA', 'QUIT']
    )


def verbs(lines: list[str]) -> list[str]:
    """The SMTP commands among the lines a server received (the message's own lines left out)."""
    return [
        line for line in lines if line in {'EHLO', 'HELO', 'STARTTLS', 'AUTH', 'MAIL', 'RCPT', 'DATA', 'RSET', 'QUIT'}
    ]
