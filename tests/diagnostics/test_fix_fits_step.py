"""The fix fits the step where it failed: scripted servers refuse, and the test and the sending path name the same
cause, at the same step, with advice that matches it (SMTP or HTTP)."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import replace
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from cli import check as check_cli
from core.causes import SMTP_ONLY_CAUSES, Cause, Failure, Step, explain
from core.diagnostics.certificate import parse_certificate
from core.diagnostics.events import Status
from core.diagnostics.net import _connect_failure
from core.diagnostics.probe import Timeouts
from core.email_log import Draft, EmailRecord
from core.message import OutgoingMessage
from core.settings import EmailSettings, Protocol, Security
from core.transport import TransportError
from core.transport.http import HttpTransport
from core.transport.smtp import SmtpTransport
from tests.diagnostics.conftest import ACCOUNTS, USER, Run, run, smtp_settings
from tests.diagnostics.http_server import http_server
from tests.diagnostics.test_check_cli import parse
from tests.diagnostics.test_hostile_servers import assert_failed
from tests.support.certs import TestPKI
from tests.support.smtp_servers import free_port, raw_server, smtp_server, threaded_smtp_server

CUSTOMER = 'anna@example.org'
RELAYING_DISALLOWED = '550 5.7.1 <owner@example.com>... Relaying disallowed'
NOT_OWNED = f'553 5.7.1 <{USER}>: Sender address rejected: not owned by user {USER}'
RELAY_DENIED = f'554 5.7.1 <{CUSTOMER}>: Relay access denied'
SMTP_WORDS = re.compile(r'\b(25|465|587)\b|SMTP|STARTTLS|EHLO|smtp\.|Auto \(by port\)|Connection security')


def to_customer() -> OutgoingMessage:
    return OutgoingMessage(sender_name='Acme', sender_address=USER, to=(CUSTOMER,), subject='Invoice', text_body='Hi')


async def send_error(settings: EmailSettings) -> TransportError:
    transport = SmtpTransport(settings) if settings.protocol is Protocol.SMTP else HttpTransport(settings)
    with pytest.raises(TransportError) as caught:
        await transport.send(to_customer())
    return caught.value


def final(result: Run, step: Step) -> Status:
    """The step's last word: a later finish revises an earlier one."""
    return [e for e in result.finished() if e.step is step][-1].status


@pytest.mark.parametrize(
    ('options', 'step', 'cause'),
    [
        ({'mail_reply': RELAYING_DISALLOWED}, Step.MAIL, Cause.SENDER_REJECTED),
        ({'rcpt_reply': NOT_OWNED}, Step.MAIL, Cause.SENDER_REJECTED),
        ({'rcpt_reply': RELAY_DENIED}, Step.RCPT, Cause.RELAY_DENIED),
    ],
)
async def test_the_test_and_sending_name_the_same_cause_at_the_same_step(
    trusted: TestPKI, options: dict[str, Any], step: Step, cause: Cause
) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, **options) as server:
        result = await run(smtp_settings(server.port), to=CUSTOMER)
        error = await send_error(smtp_settings(server.port))
    assert_failed(result, step, cause, server.recorder)
    assert (error.step, error.cause) == (step.value, cause)
    assert server.recorder.messages == []


async def test_mail_from_refused_as_relaying_disallowed_gets_sender_advice(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, mail_reply=RELAYING_DISALLOWED) as s:
        result = await run(smtp_settings(s.port), to=CUSTOMER)
    assert_failed(result, Step.MAIL, Cause.SENDER_REJECTED, s.recorder)
    explanation = result.verdict.explanation
    assert explanation is not None and 'sender' in explanation.what
    assert 'Email address' in explanation.fix and 'recipient' not in explanation.fix


async def test_relay_access_denied_after_sign_in_is_about_the_account_not_the_sign_in(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_reply=RELAY_DENIED) as server:
        result = await run(smtp_settings(server.port), to=CUSTOMER)
    assert_failed(result, Step.RCPT, Cause.RELAY_DENIED, server.recorder)
    assert final(result, Step.AUTH) is Status.OK and len(server.recorder.auth_attempts) == 1
    assert 'example.org' in result.events[-1].message
    explanation = result.verdict.explanation
    assert explanation is not None and 'this account' in explanation.what
    assert 'not signed in' not in explanation.text() and 'Password' not in explanation.fix


async def test_relay_access_denied_without_a_sign_in_says_sign_in_first(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_reply=RELAY_DENIED) as server:
        error = await send_error(smtp_settings(server.port, password=''))  # no password: sending skips AUTH
    assert server.recorder.auth_attempts == []
    assert (error.step, error.cause) == ('rcpt', Cause.SIGN_IN_REQUIRED)
    assert 'Username and Password' in error.explanation()


async def test_sender_refused_at_rcpt_fails_the_sender_step_and_the_recipient_is_not_reached(
    trusted: TestPKI,
) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_reply=NOT_OWNED) as server:
        result = await run(smtp_settings(server.port), to=CUSTOMER)
    assert_failed(result, Step.MAIL, Cause.SENDER_REJECTED, server.recorder)
    assert final(result, Step.MAIL) is Status.FAIL and final(result, Step.RCPT) is Status.SKIPPED
    mail = [e for e in result.finished() if e.step is Step.MAIL]
    assert [e.status for e in mail] == [Status.OK, Status.FAIL] and mail[0].seq == mail[1].seq
    rcpt = next(e for e in result.finished() if e.step is Step.RCPT)
    assert rcpt.message.startswith('Not reached') and CUSTOMER in rcpt.message
    assert 'Sender address rejected' in result.verdict.reply and result.verdict.message.startswith('Sender failed')


# A server on a custom port that speaks TLS first, tested with Auto (which means STARTTLS there).

TLS_FIRST_TIMEOUTS = Timeouts(greeting=15, total=8)  # the greeting wait alone is longer than the whole test


async def test_tls_first_custom_port_with_auto_is_found_before_the_greeting_wait_and_offers_ssl(
    trusted: TestPKI,
) -> None:
    async with smtp_server(tls='implicit', cert=trusted.good(), accounts=ACCOUNTS) as server:
        assert server.port not in (25, 465, 587)
        result = await run(smtp_settings(server.port, Security.AUTO), timeouts=TLS_FIRST_TIMEOUTS)
        assert_failed(result, Step.GREETING, Cause.TLS_MODE_MISMATCH, server.recorder)
        change = result.verdict.change
        assert change is not None and (change.field, change.value) == ('security', 'ssl')
        assert result.verdict.to_json()['change'] == {'field': 'security', 'value': 'ssl'}
        explanation = result.verdict.explanation
        assert explanation is not None and 'SSL/TLS' in explanation.fix and 'Auto' not in explanation.fix
        switched = await run(replace(smtp_settings(server.port, Security.AUTO), security=Security(change.value)))
    assert switched.verdict.passed, switched.verdict.message


def test_the_cli_prints_the_flag_that_switches_to_ssl(trusted: TestPKI, capsys: pytest.CaptureFixture[str]) -> None:
    with threaded_smtp_server(tls='implicit', cert=trusted.good(), accounts=ACCOUNTS) as server:
        code = check_cli.run(parse('--timeout', '3', '--security', 'auto'), smtp_settings(server.port))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_FAIL and 'tls-mode-mismatch' in out
    assert '--security ssl' in out


# Certificates for another name say which names they hold.


@pytest.mark.parametrize('security', [Security.STARTTLS, Security.SSL])
async def test_certificate_name_mismatch_lists_the_names_the_certificate_holds(
    trusted: TestPKI, security: Security
) -> None:
    tls = 'implicit' if security is Security.SSL else 'starttls'
    async with smtp_server(tls=tls, cert=trusted.wrong_host(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port, security))
    assert_failed(result, Step.TLS, Cause.CERT_HOSTNAME_MISMATCH, server.recorder)
    assert result.events[-1].message == 'The certificate is for mail.example.org, not for 127.0.0.1.'


async def test_https_certificate_name_mismatch_lists_the_names_and_gets_http_advice(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.wrong_host().server_context()) as (server, recorder):
        result = await run(http_settings(f'https://127.0.0.1:{server.port}/'))
    assert (result.verdict.step, result.verdict.cause) == (Step.TLS, Cause.CERT_HOSTNAME_MISMATCH)
    assert 'mail.example.org' in result.events[-1].message and recorder.posts == []
    assert_http_advice(result.verdict.explanation)


def test_a_certificate_without_san_names_its_common_name() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, 'old.example.net')])
    now = dt.datetime.now(dt.UTC)
    builder = x509.CertificateBuilder(name, name, key.public_key(), x509.random_serial_number(), now, now)
    info = parse_certificate(builder.sign(key, hashes.SHA256()).public_bytes(Encoding.DER))
    assert info.san == () and info.names == ('old.example.net',)


# HTTP failures give HTTP advice.


def http_settings(url: str) -> EmailSettings:
    return EmailSettings(protocol=Protocol.HTTP, http_server=url, reply_to='office@example.com')


def assert_http_advice(explanation: object) -> None:
    text = explanation.text() if hasattr(explanation, 'text') else str(explanation)
    assert not SMTP_WORDS.search(text), text
    assert 'HTTP server address' in text, text


@pytest.mark.parametrize('cause', sorted(set(Cause) - SMTP_ONLY_CAUSES))
def test_every_cause_an_http_failure_can_have_is_explained_without_smtp(cause: Cause) -> None:
    explanation = explain(cause, http=True)
    assert not SMTP_WORDS.search(explanation.text()), explanation.text()
    assert explain(cause, step='http') == explanation  # what the email log shows for a failed HTTP send


async def plain_http_only(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """As nginx on a plain port answers a TLS handshake: 400 in plain text, then close."""
    await reader.read(1)
    writer.write(b'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    await writer.drain()


async def test_https_address_on_a_plain_http_port_gets_http_advice() -> None:
    async with raw_server(plain_http_only) as server:
        result = await run(http_settings(f'https://127.0.0.1:{server.port}/'))
        error = await send_error(http_settings(f'https://127.0.0.1:{server.port}/'))
    assert (result.verdict.step, result.verdict.cause) == (Step.TLS, Cause.TLS_MODE_MISMATCH)
    assert 'HTTPS' in result.events[-1].message
    assert_http_advice(result.verdict.explanation)
    assert result.verdict.explanation is not None and 'http://' in result.verdict.explanation.fix
    assert error.cause is Cause.TLS_MODE_MISMATCH
    assert_http_advice(error.explanation())


async def test_refused_http_port_gets_http_advice() -> None:
    port = free_port()
    result = await run(http_settings(f'http://127.0.0.1:{port}/'))
    error = await send_error(http_settings(f'http://127.0.0.1:{port}/'))
    assert (result.verdict.step, result.verdict.cause) == (Step.CONNECT, Cause.CONNECTION_REFUSED)
    assert_http_advice(result.verdict.explanation)
    assert error.cause is Cause.CONNECTION_REFUSED
    assert_http_advice(error.explanation())


def test_a_filtered_http_port_does_not_suggest_smtp_ports() -> None:
    failure = _connect_failure([Cause.CONNECTION_TIMEOUT], 8443, http=True)
    assert failure.failure.cause is Cause.CONNECTION_TIMEOUT and not SMTP_WORDS.search(failure.message)
    assert '587 or 465' in _connect_failure([Cause.CONNECTION_TIMEOUT], 2525).message


def test_the_email_log_explains_a_failed_http_send_in_http_words() -> None:
    draft = Draft(to=(CUSTOMER,), subject='Invoice', text_body='Hi', html_body='', business_name='Acme')
    failure = Failure(Step.HTTP, Cause.CONNECTION_REFUSED, '', True)
    failed = EmailRecord('1', dt.datetime.now(dt.UTC), draft, failure=failure)
    assert not SMTP_WORDS.search(failed.explanation) and 'HTTP server address' in failed.explanation
