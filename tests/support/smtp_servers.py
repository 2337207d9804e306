"""Real SMTP servers on 127.0.0.1 for tests: aiosmtpd with TLS/STARTTLS/AUTH, and raw scripted servers.

Every server records every byte it received before encryption, so a test can prove that no credentials crossed
an unencrypted connection (`Recorder.credentials_in_plaintext`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import socket
import ssl
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.support.certs import CertPair

TlsMode = Literal['none', 'implicit', 'starttls']


@dataclass(frozen=True)
class AuthAttempt:
    mechanism: str
    login: str
    password: str
    over_tls: bool
    success: bool


@dataclass(frozen=True)
class ReceivedMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes
    over_tls: bool
    authenticated: bool


@dataclass
class Recorder:
    """What the server side saw: connections, plaintext bytes, AUTH attempts, accepted messages."""

    connections: int = 0
    plaintext: bytearray = field(default_factory=bytearray)
    auth_attempts: list[AuthAttempt] = field(default_factory=list)
    messages: list[ReceivedMessage] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    answered: list[tuple[str, float]] = field(default_factory=list)  # (MAIL/RCPT/DATA, time.time() of the reply)
    open_sessions: int = 0
    peak_sessions: int = 0  # the most connections open at the same time

    @property
    def auth_over_tls(self) -> bool | None:
        """True if every AUTH attempt was encrypted, False if one was not, None if nobody tried."""
        return all(a.over_tls for a in self.auth_attempts) if self.auth_attempts else None

    def credentials_in_plaintext(self, *secrets: str) -> bool:
        """Whether any secret appears in the unencrypted bytes, as is or inside a base64 token (AUTH PLAIN/LOGIN)."""
        raw = bytes(self.plaintext)
        wanted = [s.encode() for s in secrets if s]
        if any(secret in raw for secret in wanted):
            return True
        for token in raw.split():
            with contextlib.suppress(binascii.Error, ValueError):
                decoded = base64.b64decode(token + b'=' * (-len(token) % 4), validate=True)
                if any(secret in decoded for secret in wanted):
                    return True
        return False


@dataclass(frozen=True)
class ServerInfo:
    host: str
    port: int
    recorder: Recorder


class _RecordingSMTP(SMTP):
    """aiosmtpd's SMTP that records plaintext bytes and treats an implicit-TLS connection as encrypted.

    It takes an AUTH line as long as RFC 4954 allows and real servers take (a Microsoft access token is a JWT of about
    2 kB); other commands keep their 512 octets."""

    line_length_limit = 12288

    def __init__(
        self, handler: Any, *, recorder: Recorder, implicit_tls: bool, tasks: set[asyncio.Task[None]], **kwargs: Any
    ) -> None:
        super().__init__(handler, **kwargs)
        self.tasks = tasks  # the server's session tasks, each awaited when the server stops
        self.command_size_limits = collections.defaultdict(lambda: SMTP.command_size_limit, {'AUTH': 12288})
        self.recorder = recorder
        self.implicit_tls = implicit_tls
        if implicit_tls:
            self._auth_require_tls = False  # the whole connection is encrypted

    @property
    def encrypted(self) -> bool:
        return self.implicit_tls or self._tls_protocol is not None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None:
            self.recorder.connections += 1
            self.recorder.open_sessions += 1
            self.recorder.peak_sessions = max(self.recorder.peak_sessions, self.recorder.open_sessions)
        super().connection_made(transport)
        if self._handler_coroutine is not None:
            self.tasks.add(self._handler_coroutine)
            self._handler_coroutine.add_done_callback(self.tasks.discard)

    def connection_lost(self, exc: Exception | None) -> None:
        self.recorder.open_sessions -= 1  # once per connection, STARTTLS or not
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if not self.encrypted:
            self.recorder.plaintext.extend(data)
        for line in data.decode('utf-8', 'replace').splitlines():
            if line.strip():
                self.recorder.commands.append(line.split(' ', 1)[0].upper())
        super().data_received(data)


TOO_MANY_RECIPIENTS = '452 4.5.3 Error: too many recipients'


@dataclass
class _Handler:
    """Accepts mail (or answers with the configured replies) and records it."""

    recorder: Recorder
    mail_reply: str | None = None
    rcpt_reply: str | None = None
    data_reply: str | None = None
    rcpt_delay: float = 0.0
    refuse: dict[str, str] = field(default_factory=dict)
    rcpt_limit: int | None = None
    session_rcpt_limit: int | None = None
    data_delay: float = 0.0  # seconds between taking the message and answering: a slow upstream queue

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self.recorder.answered.append(('MAIL', time.time()))
        if self.mail_reply:
            return self.mail_reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return '250 OK'

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_delay:
            await asyncio.sleep(self.rcpt_delay)
        self.recorder.answered.append(('RCPT', time.time()))
        if self.rcpt_reply:
            return self.rcpt_reply
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        if self.rcpt_limit is not None and len(envelope.rcpt_tos) >= self.rcpt_limit:
            return TOO_MANY_RECIPIENTS
        taken = getattr(session, 'recipients_taken', 0)
        if self.session_rcpt_limit is not None and taken >= self.session_rcpt_limit:
            return TOO_MANY_RECIPIENTS
        session.recipients_taken = taken + 1  # type: ignore[attr-defined]
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.recorder.answered.append(('DATA', time.time()))
        if self.data_reply:
            return self.data_reply
        encrypted = isinstance(server, _RecordingSMTP) and server.encrypted
        content = envelope.original_content or b''
        self.recorder.messages.append(
            ReceivedMessage(
                envelope.mail_from or '', tuple(envelope.rcpt_tos), content, encrypted, bool(session.authenticated)
            )
        )
        if self.data_delay:
            await asyncio.sleep(self.data_delay)
        return '250 2.0.0 Ok: queued as TEST123'


XOAUTH2_ERROR = '{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}'


@dataclass
class _OAuthHandler(_Handler):
    """Offers XOAUTH2 (aiosmtpd advertises every `auth_*` method of the handler) and checks the token with a callback,
    answering a bad one as Gmail does: a 334 challenge holding a base64 JSON error, then 535 after the empty line."""

    check_token: Callable[[str, str], bool] | None = None
    refusal: str = '535 5.7.8 Username and Password not accepted'

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        blob = args[1] if len(args) > 1 else ''
        text = base64.b64decode(blob + '=' * (-len(blob) % 4)).decode('utf-8', 'replace')
        fields = dict(part.split('=', 1) for part in text.split('\x01') if '=' in part)
        user, token = fields.get('user', ''), fields.get('auth', '').removeprefix('Bearer ')
        ok = self.check_token is not None and self.check_token(user, token)
        encrypted = isinstance(server, _RecordingSMTP) and server.encrypted
        self.recorder.auth_attempts.append(AuthAttempt('XOAUTH2', user, token, encrypted, ok))
        if ok:
            return AuthResult(success=True, auth_data=LoginPassword(user.encode(), b''))
        await server.challenge_auth(base64.b64encode(XOAUTH2_ERROR.encode()), encode_to_b64=False)
        return AuthResult(success=False, handled=False, message=self.refusal)


def _authenticator(
    recorder: Recorder, accounts: dict[str, str], failure_reply: str | None
) -> Callable[[SMTP, Session, Envelope, str, Any], AuthResult]:
    def authenticate(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        ok = failure_reply is None and accounts.get(login) == password
        encrypted = isinstance(server, _RecordingSMTP) and server.encrypted
        recorder.auth_attempts.append(AuthAttempt(mechanism, login, password, encrypted, ok))
        if ok:
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False, message=failure_reply or '535 5.7.8 Authentication failed')

    return authenticate


@dataclass(frozen=True)
class SmtpServerOptions:
    """How the aiosmtpd server behaves; the defaults accept any message without AUTH on a plain port."""

    tls: TlsMode = 'none'
    cert: CertPair | None = None
    require_starttls: bool = False
    accounts: dict[str, str] | None = None  # login -> password; None means AUTH is not offered
    auth_required: bool = False
    auth_require_tls: bool = True
    auth_failure_reply: str | None = None  # e.g. '534 5.7.9 Application-specific password required'
    auth_exclude: tuple[str, ...] = ()
    size_limit: int = 33_554_432
    mail_reply: str | None = None
    rcpt_reply: str | None = None
    data_reply: str | None = None
    rcpt_delay: float = 0.0
    data_delay: float = 0.0
    hostname: str = 'mx.test.invalid'
    refuse: dict[str, str] = field(default_factory=dict)  # lower-case address -> RCPT reply; a test may change it
    rcpt_limit: int | None = None  # recipients per transaction; the next ones get 452 (RFC 5321 4.5.3.1.10)
    session_rcpt_limit: int | None = None  # recipients per connection, for servers that count that way
    smtputf8: bool = False  # offer SMTPUTF8 (international letters before the @)
    check_token: Callable[[str, str], bool] | None = None  # offer XOAUTH2, accepting (user, token) when this says so
    xoauth2_refusal: str = '535 5.7.8 Username and Password not accepted'


def _protocol_factory(
    options: SmtpServerOptions, recorder: Recorder, tasks: set[asyncio.Task[None]]
) -> Callable[[], SMTP]:
    if options.tls != 'none' and options.cert is None:
        raise ValueError('a TLS server needs a certificate')
    tls_context = options.cert.server_context() if options.cert and options.tls == 'starttls' else None
    handler_class = _OAuthHandler if options.check_token is not None else _Handler
    handler = handler_class(
        recorder,
        options.mail_reply,
        options.rcpt_reply,
        options.data_reply,
        options.rcpt_delay,
        data_delay=options.data_delay,
        refuse=options.refuse,
        rcpt_limit=options.rcpt_limit,
        session_rcpt_limit=options.session_rcpt_limit,
    )
    if isinstance(handler, _OAuthHandler):
        handler.check_token, handler.refusal = options.check_token, options.xoauth2_refusal
    auth: dict[str, Any] = {}
    if options.accounts is not None:
        auth = {
            'authenticator': _authenticator(recorder, options.accounts, options.auth_failure_reply),
            'auth_required': options.auth_required,
            'auth_require_tls': options.auth_require_tls,
            'auth_exclude_mechanism': options.auth_exclude,
        }
    else:
        auth = {'auth_exclude_mechanism': ('LOGIN', 'PLAIN'), 'auth_require_tls': False}

    def factory() -> SMTP:
        return _RecordingSMTP(
            handler,
            recorder=recorder,
            implicit_tls=options.tls == 'implicit',
            tasks=tasks,
            hostname=options.hostname,
            tls_context=tls_context,
            require_starttls=options.require_starttls,
            data_size_limit=options.size_limit,
            enable_SMTPUTF8=options.smtputf8,
            timeout=30,
            **auth,
        )

    return factory


class _Running:
    """A started server and its session tasks."""

    def __init__(self, server: asyncio.Server, tasks: set[asyncio.Task[None]]) -> None:
        self.server, self.tasks = server, tasks

    @property
    def port(self) -> int:
        return _port(self.server)

    async def stop(self) -> None:
        """Stop listening, then end every session and wait for its task. Python 3.11's `wait_closed` does not wait
        for them: a session cancelled before its task first ran would otherwise be left pending when the loop closes
        ("coroutine '_handle_client' was never awaited")."""
        self.server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.server.wait_closed(), 2)
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=2)


def _port(server: asyncio.Server) -> int:
    return int(server.sockets[0].getsockname()[1])


async def _start(options: SmtpServerOptions, recorder: Recorder) -> _Running:
    ssl_context = options.cert.server_context() if options.cert and options.tls == 'implicit' else None
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()
    factory = _protocol_factory(options, recorder, tasks)
    return _Running(await loop.create_server(factory, '127.0.0.1', 0, ssl=ssl_context), tasks)


@contextlib.asynccontextmanager
async def smtp_server(options: SmtpServerOptions | None = None, **overrides: Any) -> AsyncIterator[ServerInfo]:
    """An aiosmtpd server on 127.0.0.1 on a free port, in the running event loop."""
    opts = _merge(options, overrides)
    recorder = Recorder()
    running = await _start(opts, recorder)
    try:
        yield ServerInfo('127.0.0.1', running.port, recorder)
    finally:
        await running.stop()


@contextlib.contextmanager
def threaded_smtp_server(options: SmtpServerOptions | None = None, **overrides: Any) -> Iterator[ServerInfo]:
    """The same server in its own thread and loop, for synchronous tests (browser, subprocess CLI)."""
    opts = _merge(options, overrides)
    recorder = Recorder()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    running = asyncio.run_coroutine_threadsafe(_start(opts, recorder), loop).result(10)
    try:
        yield ServerInfo('127.0.0.1', running.port, recorder)
    finally:
        with contextlib.suppress(TimeoutError):
            asyncio.run_coroutine_threadsafe(running.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def _merge(options: SmtpServerOptions | None, overrides: dict[str, Any]) -> SmtpServerOptions:
    return replace(options or SmtpServerOptions(), **overrides)


# Raw scripted servers: for behaviour no real SMTP server library would produce (silence, odd banners, cuts).

RawHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class _RecordingStreamProtocol(asyncio.StreamReaderProtocol):
    def __init__(self, recorder: Recorder, encrypted: bool, handler: RawHandler) -> None:
        loop = asyncio.get_running_loop()
        super().__init__(asyncio.StreamReader(loop=loop), handler, loop=loop)
        self._recorder = recorder
        self._encrypted = encrypted

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._recorder.connections += 1
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self._encrypted:
            self._recorder.plaintext.extend(data)
        super().data_received(data)


@contextlib.asynccontextmanager
async def raw_server(handler: RawHandler, *, ssl_context: ssl.SSLContext | None = None) -> AsyncIterator[ServerInfo]:
    """A TCP (or implicit TLS) server on 127.0.0.1 that runs `handler(reader, writer)` for each connection."""
    recorder = Recorder()
    tasks: set[asyncio.Task[None]] = set()

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            writer.close()

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _RecordingStreamProtocol(recorder, ssl_context is not None, guarded), '127.0.0.1', 0, ssl=ssl_context
    )
    try:
        yield ServerInfo('127.0.0.1', _port(server), recorder)
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.wait_closed(), 2)


CLOSE = '<close>'  # as a scripted reply: hang up without answering


def scripted(replies: dict[str, str], *, banner: str = '220 scripted.test ESMTP') -> RawHandler:
    """A line-based SMTP talker: `replies` maps a command word (EHLO, MAIL...) to its full reply or CLOSE.

    A reply may span lines ('250-a\n250 b'). Unknown commands get '250 OK'; QUIT closes the connection.
    """

    async def talk(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if banner != CLOSE:
            writer.write(f'{banner}\r\n'.encode())
            await writer.drain()
        while line := await reader.readline():
            word = line.decode('utf-8', 'replace').strip().split(' ', 1)[0].upper()
            reply = replies.get(word, '221 Bye' if word == 'QUIT' else '250 OK')
            if reply == CLOSE:
                return
            writer.write(reply.replace('\n', '\r\n').encode() + b'\r\n')
            await writer.drain()
            if word == 'QUIT':
                return

    return talk


async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accepts the connection and says nothing until the client gives up."""
    await reader.read()


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (for 'connection refused')."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return int(sock.getsockname()[1])
