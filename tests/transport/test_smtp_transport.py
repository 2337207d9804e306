"""SmtpTransport against aiosmtpd on 127.0.0.1 with real TLS: what arrives, what is refused, what the error says."""

from __future__ import annotations

import asyncio
import email
from dataclasses import replace
from email import policy
from typing import Any

import pytest

from core.causes import Cause, Step
from core.message import Attachment, OutgoingMessage, build_mime
from core.settings import EmailSettings, Security
from core.transport import TransportError, transport_for
from core.transport.http import HttpTransport
from core.transport.smtp import SmtpTransport
from tests.support.certs import TestPKI
from tests.support.smtp_servers import RawHandler, ServerInfo, free_port, raw_server, scripted, smtp_server

USER, PASSWORD = 'billing@example.com', 'correct horse battery staple'
TIMEOUT = 5.0


def settings_for(server: ServerInfo, **changes: Any) -> EmailSettings:
    values: dict[str, Any] = {
        'host': server.host,
        'port': server.port,
        'security': Security.STARTTLS,
        'username': USER,
        'password': PASSWORD,
    }
    values.update(changes)
    return EmailSettings(**values)


def message(**changes: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        'sender_name': 'Acme ehf.',
        'sender_address': USER,
        'to': ('anna@example.org',),
        'cc': ('boss@example.org',),
        'bcc': ('archive@example.com',),
        'reply_to': 'office@example.com',
        'subject': 'Invoice 42',
        'text_body': 'Your invoice is attached.',
        'attachments': (Attachment('invoice-42.pdf', 'application/pdf', b'%PDF-1.7 fake'),),
    }
    values.update(changes)
    return OutgoingMessage(**values)


def starttls_auth(pki: TestPKI, **changes: Any) -> Any:
    options: dict[str, Any] = {
        'tls': 'starttls',
        'cert': pki.good(),
        'require_starttls': True,
        'accounts': {USER: PASSWORD},
        'auth_required': True,
    }
    options.update(changes)
    return smtp_server(**options)


async def test_starttls_auth_delivers_with_bcc_only_in_the_envelope(pki: TestPKI) -> None:
    async with starttls_auth(pki) as server:
        receipt = await SmtpTransport(settings_for(server), timeout=TIMEOUT).send(message())
    [received] = server.recorder.messages
    assert received.over_tls and received.authenticated and server.recorder.auth_over_tls is True
    assert not server.recorder.credentials_in_plaintext(PASSWORD)
    assert received.mail_from == USER
    assert received.rcpt_tos == ('anna@example.org', 'boss@example.org', 'archive@example.com')
    mime = email.message_from_bytes(received.content, policy=policy.default)
    assert 'Bcc' not in mime and b'archive@example.com' not in received.content
    assert (str(mime['To']), str(mime['Cc']), str(mime['Reply-To'])) == (
        'anna@example.org',
        'boss@example.org',
        'office@example.com',
    )
    assert receipt.message_id == mime['Message-ID']
    assert receipt.queue_id == 'TEST123'
    assert receipt.accepted == received.rcpt_tos


async def test_implicit_tls_delivers(pki: TestPKI) -> None:
    async with smtp_server(tls='implicit', cert=pki.good(), accounts={USER: PASSWORD}, auth_required=True) as server:
        receipt = await SmtpTransport(settings_for(server, security=Security.SSL), timeout=TIMEOUT).send(message())
    assert len(server.recorder.messages) == 1 and server.recorder.messages[0].authenticated
    assert receipt.server_reply.startswith('250')


async def test_a_session_reuses_one_connection(pki: TestPKI) -> None:
    async with starttls_auth(pki) as server:
        transport = SmtpTransport(settings_for(server), timeout=TIMEOUT)
        async with transport.session() as session:
            for number in range(5):
                await session.send(message(subject=f'Invoice {number}'))
        assert server.recorder.connections == 1
        assert len(server.recorder.auth_attempts) == 1
        await transport.send(message())
        await transport.send(message())
    assert server.recorder.connections == 3
    assert len(server.recorder.messages) == 7


async def test_message_over_the_advertised_size_is_refused_before_sending(pki: TestPKI) -> None:
    big = Attachment('scan.pdf', 'application/pdf', b'x' * 20_000)
    async with starttls_auth(pki, size_limit=10_000) as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server), timeout=TIMEOUT).send(message(attachments=(big,)))
    error = caught.value
    assert (error.step, error.cause, error.transient) == ('mail', Cause.MESSAGE_TOO_LARGE, False)
    assert 'at most 10 KB (10000 bytes)' in error.detail
    assert 'MAIL' not in server.recorder.commands and not server.recorder.messages


async def test_wrong_password_is_permanent_and_never_shown(pki: TestPKI) -> None:
    wrong = 'Hunter2-wrong-secret'
    async with starttls_auth(pki) as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server, password=wrong), timeout=TIMEOUT).send(message())
    error = caught.value
    assert (error.step, error.cause, error.transient, error.reply_code) == ('auth', Cause.AUTH_REJECTED, False, 535)
    assert wrong not in f'{error} {error.explanation()} {error!r}'
    assert not server.recorder.messages


async def test_untrusted_certificate_stops_before_auth_unless_verification_is_skipped(pki: TestPKI) -> None:
    async with starttls_auth(pki, cert=pki.self_signed()) as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server), timeout=TIMEOUT).send(message())
        assert caught.value.cause is Cause.CERT_SELF_SIGNED and caught.value.step == 'tls'
        assert caught.value.failure.step is Step.TLS
        assert not server.recorder.auth_attempts
        await SmtpTransport(settings_for(server, skip_tls_verify=True), timeout=TIMEOUT).send(message())
    assert len(server.recorder.messages) == 1


async def test_missing_starttls_stops_before_the_password_is_sent() -> None:
    async with smtp_server(accounts={USER: PASSWORD}, auth_require_tls=False) as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server), timeout=TIMEOUT).send(message())
    assert (caught.value.step, caught.value.cause) == ('tls', Cause.STARTTLS_UNAVAILABLE)
    assert not server.recorder.auth_attempts and not server.recorder.credentials_in_plaintext(PASSWORD)


async def test_connection_refused_is_transient() -> None:
    settings = EmailSettings(host='127.0.0.1', port=free_port(), security=Security.STARTTLS, username=USER)
    with pytest.raises(TransportError) as caught:
        await SmtpTransport(settings, timeout=TIMEOUT).send(message())
    assert (caught.value.step, caught.value.cause, caught.value.transient) == (
        'connect',
        Cause.CONNECTION_REFUSED,
        True,
    )


async def test_temporary_recipient_failure_is_transient(pki: TestPKI) -> None:
    async with starttls_auth(pki, rcpt_reply='451 4.3.0 Try again later') as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server), timeout=TIMEOUT).send(message())
    assert (caught.value.step, caught.value.reply_code, caught.value.transient) == ('rcpt', 451, True)
    assert caught.value.server_reply == '451 4.3.0 Try again later'
    assert not server.recorder.messages


async def test_permanent_data_rejection_is_not_transient(pki: TestPKI) -> None:
    async with starttls_auth(pki, data_reply='554 5.7.1 Message rejected as spam') as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server), timeout=TIMEOUT).send(message())
    assert (caught.value.step, caught.value.cause, caught.value.transient) == ('data', Cause.DATA_REJECTED, False)


async def test_header_injection_never_reaches_the_network(pki: TestPKI) -> None:
    async with starttls_auth(pki) as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server), timeout=TIMEOUT).send(message(subject='Hi\r\nBcc: x@evil.test'))
    assert (caught.value.step, caught.value.cause) == ('input', Cause.INVALID_INPUT)
    assert 'subject' in caught.value.detail
    assert server.recorder.connections == 0


def test_transport_for_picks_by_protocol() -> None:
    from core.settings import Protocol

    assert isinstance(transport_for(EmailSettings(protocol=Protocol.HTTP, http_server='https://x')), HttpTransport)
    assert isinstance(transport_for(EmailSettings()), SmtpTransport)


async def test_no_password_over_an_unencrypted_connection_unless_explicitly_allowed() -> None:
    async with smtp_server(accounts={USER: PASSWORD}, auth_require_tls=False) as server:
        settings = settings_for(server, security=Security.NONE)
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings, timeout=TIMEOUT).send(message())
        assert (caught.value.step, caught.value.cause) == ('auth', Cause.AUTH_REQUIRES_TLS)
        assert not server.recorder.auth_attempts
        await SmtpTransport(replace(settings, allow_plaintext=True), timeout=TIMEOUT).send(message())
    assert len(server.recorder.auth_attempts) == 1 and len(server.recorder.messages) == 1


def ending_session_after_one_message() -> tuple[RawHandler, list[int]]:
    """A server that answers the second MAIL on a connection with 421 and hangs up, like a per-session cap."""
    connections: list[int] = []

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(0)
        mails = 0

        async def say(line: str) -> None:
            writer.write(f'{line}\r\n'.encode())
            await writer.drain()

        await say('220 capped.test ESMTP')
        while line := await reader.readline():
            word = line.decode().strip().split(' ', 1)[0].upper()
            if word == 'MAIL':
                mails += 1
                if mails > 1:
                    await say('421 4.7.0 Too many messages in this session')
                    return
                await say('250 OK')
            elif word == 'DATA':
                await say('354 Go ahead')
                while (await reader.readline()) != b'.\r\n':
                    pass
                connections[-1] += 1
                await say(f'250 OK: queued as C{len(connections)}')
            elif word == 'QUIT':
                await say('221 Bye')
                return
            else:
                await say('250 OK')

    return talk, connections


async def test_a_session_the_server_ends_with_421_continues_on_a_new_connection() -> None:
    handler, connections = ending_session_after_one_message()
    async with raw_server(handler) as server:
        settings = EmailSettings(host=server.host, port=server.port, security=Security.NONE)
        async with SmtpTransport(settings, timeout=TIMEOUT).session() as session:
            receipts = [await session.send(message(attachments=())) for _ in range(3)]
    assert [r.queue_id for r in receipts] == ['C1', 'C2', 'C3']
    assert connections == [1, 1, 1]


async def test_a_refusing_banner_fails_at_the_greeting_as_the_settings_test_says(pki: TestPKI) -> None:
    async with raw_server(scripted({}, banner='421 4.3.2 Service not available, try later')) as server:
        with pytest.raises(TransportError) as caught:
            await SmtpTransport(settings_for(server, security=Security.NONE), timeout=TIMEOUT).send(message())
    assert (caught.value.step, caught.value.cause, caught.value.transient) == (
        Step.GREETING,
        Cause.GREETING_REJECTED,
        True,
    )


class Watch:
    """An observer that writes down what the session tells it, in order."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.chunks: list[tuple[bool, bytes]] = []

    def timeout(self, step: Step) -> float:
        return TIMEOUT

    def started(self, step: Step) -> None:
        self.calls.append(f'start {step}')

    def replied(self, step: Step, reply: Any) -> None:
        self.calls.append(f'{step} {reply.code}')

    def done(self, step: Step) -> None:
        self.calls.append(f'done {step}')

    def wire(self, data: bytes, *, sent: bool, encrypted: bool) -> None:
        self.chunks.append((encrypted, data))


async def test_an_observer_hears_every_step_of_the_session_that_sends(pki: TestPKI) -> None:
    watch = Watch()
    async with smtp_server(tls='starttls', cert=pki.good(), accounts={USER: PASSWORD}) as server:
        transport = SmtpTransport(settings_for(server), timeout=TIMEOUT)
        async with transport.session(watch) as session:
            receipt = await session.send(message(cc=(), bcc=()))
    assert receipt.accepted == ('anna@example.org',)
    assert watch.calls == [
        'start greeting', 'greeting 220', 'done greeting',
        'start ehlo', 'ehlo 250', 'done ehlo',
        'start tls', 'tls 220', 'done tls',
        'start ehlo', 'ehlo 250', 'done ehlo',
        'start auth', 'auth 235', 'done auth',
        'start mail', 'mail 250', 'done mail',
        'start rcpt', 'rcpt 250', 'done rcpt',
        'start data', 'data 250', 'done data',
        'start quit', 'quit 221', 'done quit',
    ]  # fmt: skip
    assert (False, b'STARTTLS\r\n') in watch.chunks and any(encrypted for encrypted, _ in watch.chunks)


async def test_checking_without_data_stops_after_the_recipients_with_rset(pki: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=pki.good(), accounts={USER: PASSWORD}) as server:
        transport = SmtpTransport(settings_for(server), timeout=TIMEOUT)
        async with transport.session() as session:
            receipt = await session.deliver(build_mime(message()), data=False)
    assert receipt.accepted == ('anna@example.org', 'boss@example.org', 'archive@example.com')
    assert server.recorder.messages == [] and 'DATA' not in server.recorder.commands
    assert server.recorder.commands[-2:] == ['RSET', 'QUIT']


def test_a_transport_error_keeps_its_step_cause_and_reply_in_one_failure_value() -> None:
    error = TransportError('rcpt', Cause.RECIPIENT_REJECTED, reply_code=550, reply_text='5.1.1 No such user')
    assert error.failure.reply == '550 5.1.1 No such user' and error.failure.reply_code == 550
    assert (error.step, error.cause, error.transient) == (Step.RCPT, Cause.RECIPIENT_REJECTED, False)
    error.mark_outcome_unknown()
    assert (error.failure.cause, error.failure.outcome_unknown, error.transient) == (Cause.OUTCOME_UNKNOWN, True, False)
