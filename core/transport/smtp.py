"""SMTP delivery with aiosmtplib: connect, greet, encrypt, sign in once, then send any number of messages.

This is the one SMTP sequence in Mailroom. The settings test runs it too, passing an `SmtpObserver` that the session
tells where it is (step started, reply received, step done) and that sees each chunk on the wire; sending without an
observer pays nothing for it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
import socket
import ssl
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, Protocol

from aiosmtplib import (
    SMTP,
    SMTPConnectResponseError,
    SMTPException,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponse,
    SMTPResponseException,
)
from aiosmtplib.auth import auth_xoauth2_encode
from aiosmtplib.protocol import SMTPProtocol
from aiosmtplib.typing import Default

from core.causes import Cause, Step, classify_smtp_error, classify_xoauth2_refusal, failed_step, smtp_reply
from core.delivery import Delivery, RecipientOutcome, refusal
from core.diagnostics.transcript import redactor
from core.ehlo import ehlo_name, local_fqdn
from core.i18n.phrase import phrase
from core.message import BuiltMessage, MessageError, OutgoingMessage, build_mime, human_size
from core.oauth.tokens import FreshToken, TokenCache
from core.oauth.values import OAuthFailure
from core.settings import EmailSettings, Security, secrets_of
from core.transport.base import Receipt, SessionTransport, TransportError, input_error
from core.transport.tls import smtp_context

_QUEUE_ID = re.compile(r'(?:queued as|id=|<)\s*([A-Za-z0-9._@-]+)|\b([0-9A-F]{8,})\b', re.IGNORECASE)
_NETWORK_ERRORS = (SMTPException, OSError, TimeoutError, EOFError)
_TOO_MANY = re.compile(r'5\.5\.3|too many recipients', re.IGNORECASE)


class SmtpObserver(Protocol):
    """Watches one session step by step (the settings test); it may raise to stop the session, which then closes."""

    def timeout(self, step: Step) -> float:
        """Seconds the step may take."""
        ...

    def started(self, step: Step) -> None: ...

    def replied(self, step: Step, reply: SMTPResponse) -> None: ...

    def done(self, step: Step) -> None: ...

    def wire(self, data: bytes, *, sent: bool, encrypted: bool) -> None:
        """Every chunk written or received, as it goes (the transcript); sign-in payloads included, so hide them."""
        ...


class _Unobserved:
    """Sending's observer: one timeout for every step, and nothing watched."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def timeout(self, step: Step) -> float:
        return self.seconds

    def started(self, step: Step) -> None:
        pass

    def replied(self, step: Step, reply: SMTPResponse) -> None:
        pass

    def done(self, step: Step) -> None:
        pass

    def wire(self, data: bytes, *, sent: bool, encrypted: bool) -> None:
        pass


def smtp_error(
    exc: BaseException, step: Step, *, signed_in: bool = True, starttls: bool = False, settings: EmailSettings
) -> TransportError:
    """One aiosmtplib/OS/TLS failure as a TransportError; the text comes from the server, never from us, and a server
    that echoes the AUTH line in its refusal gets the password hidden (the email log must never keep it).

    The step is the one under way (a TLS error while connecting is the TLS step's); a disconnect during the handshake,
    or plain text after STARTTLS was accepted, is a broken handshake rather than a wrong port choice."""
    if isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__ or exc.__context__, ssl.SSLError):
        step = Step.TLS
    code, text = smtp_reply(exc)
    cause = classify_smtp_error(exc, step, signed_in=signed_in)
    broken = cause is Cause.SERVER_DISCONNECTED or (starttls and cause is Cause.TLS_MODE_MISMATCH)
    if step is Step.TLS and code is None and broken:
        cause = Cause.TLS_HANDSHAKE_FAILED
    recipients: tuple[RecipientOutcome, ...] = ()
    if isinstance(exc, SMTPRecipientsRefused):
        recipients = tuple(refusal(r.recipient, r.code, f'{r.code} {r.message}') for r in exc.recipients)
    redact = redactor(secrets_of(settings), settings.username)
    return TransportError(
        failed_step(cause, step),
        cause,
        reply_code=code,
        reply_text=redact(text),
        detail='' if code is not None else redact(str(exc) or type(exc).__name__),
        recipients=recipients,
    )


def find_queue_id(text: str) -> str:
    """The id the server filed the message under, as Postfix, Exim and Exchange word it."""
    match = _QUEUE_ID.search(text)
    return (match.group(1) or match.group(2) or '').strip('<>') if match else ''


def size_refusal(size: int, advertised: str) -> TransportError | None:
    """A message larger than the SIZE the server announced: refused before MAIL FROM rather than uploading megabytes
    the server has said it will reject."""
    limit = int(advertised) if advertised.strip().isdigit() else 0
    if not limit or size <= limit:
        return None
    return TransportError(
        'mail',
        Cause.MESSAGE_TOO_LARGE,
        transient=False,
        detail=phrase(
            'The message is {size} ({bytes} bytes) but the server accepts at most {limit} ({limit_bytes} bytes).',
            size=human_size(size),
            bytes=size,
            limit=human_size(limit),
            limit_bytes=limit,
        ),
    )


def choose_mechanism(offered: Iterable[str], *, encrypted: bool) -> str | None:
    """The one sign-in method, for the settings test and for sending alike (docs/sign-in.md says why).

    Over TLS: PLAIN, else LOGIN; CRAM-MD5 only when neither is offered, because it needs the password stored readable
    on the server, so servers that keep only a hash advertise it and then refuse it. Without TLS (only when the user
    chose None and allowed it): CRAM-MD5 first, the one method that never puts the password on the wire.
    """
    names = {name.upper() for name in offered}
    order = ('PLAIN', 'LOGIN', 'CRAM-MD5') if encrypted else ('CRAM-MD5', 'PLAIN', 'LOGIN')
    return next((name for name in order if name in names), None)


async def sign_in_xoauth2(smtp: SMTP, username: str, access_token: str, *, token_account: str = '') -> SMTPResponse:
    """One XOAUTH2 attempt with the access token, never a password. A refusal comes as a 334 challenge first (Google
    puts a base64 JSON error in it): it is answered with an empty line as RFC 7628 asks, and kept in the reply."""
    if 'XOAUTH2' not in {name.upper() for name in smtp.server_auth_methods}:
        raise TransportError(
            'auth',
            Cause.AUTH_UNAVAILABLE,
            transient=False,
            detail=phrase(
                'The server does not offer XOAUTH2, the sign-in method for a token; this server needs a password.'
            ),
        )
    response = await smtp.execute_command(b'AUTH', b'XOAUTH2', auth_xoauth2_encode(username, access_token))
    challenge = ''
    if response.code == 334:
        challenge = decode_challenge(response.message)
        response = await smtp.execute_command(b'')
    if response.code == 235:
        return response
    said = f'{response.message} (challenge: {challenge})' if challenge else response.message
    text = redactor((access_token,), username)(said)  # a server may echo what it was sent
    other = bool(token_account) and token_account.lower() != username.lower()
    cause = classify_xoauth2_refusal(response.code, text, other_account=other)
    detail = (
        phrase('The token belongs to {account}, the Username is {username}.', account=token_account, username=username)
        if other
        else ''
    )
    raise TransportError('auth', cause, reply_code=response.code, reply_text=text, detail=detail)


def decode_challenge(message: str) -> str:
    """The server's XOAUTH2 challenge as text (Google: `{"status":"400","schemes":"Bearer","scope":"…"}`)."""
    try:
        return base64.b64decode(message.strip(), validate=True).decode('utf-8', 'replace')
    except (binascii.Error, ValueError):
        return message.strip()


def recipient_limit_reached(response: SMTPResponse) -> bool:
    """The server's limit of recipients per message (RFC 5321 4.5.3.1.10: 452, or 552 from older servers)."""
    return response.code == 452 or (response.code == 552 and bool(_TOO_MANY.search(response.message)))


class _WatchedProtocol(SMTPProtocol):
    """aiosmtplib's protocol, showing the observer every chunk both ways; used only when someone watches."""

    def __init__(self, client: SmtpClient, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(loop=loop, connection_lost_callback=client._on_connection_lost)
        self._observer = client.observer

    def _encrypted(self) -> bool:
        return self.transport is not None and self.transport.get_extra_info('ssl_object') is not None

    def data_received(self, data: bytes) -> None:
        self._observer.wire(data, sent=False, encrypted=self._encrypted())
        super().data_received(data)

    def write(self, data: bytes) -> None:
        watched = self.transport is not None and not self.transport.is_closing()
        encrypted = watched and self._encrypted()
        super().write(data)
        if watched:  # once the bytes are on their way: the transcript is written while the server reads them
            self._observer.wire(data, sent=True, encrypted=encrypted)


class SmtpClient(SMTP):
    """aiosmtplib's client, knowing which step of the session is under way.

    A timeout or a lost connection says nothing about where it struck; `step` does, and the observer hears of each
    step as it starts, the server's reply, and its end. Once DATA has begun the server may hold the message, so a lost
    answer from then on means the outcome is unknown rather than failed.
    """

    def __init__(self, observer: SmtpObserver, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.observer = observer
        self.watched = not isinstance(observer, _Unobserved)
        self.step = Step.CONNECT
        self.took_socket = False  # a socket handed over belongs to the connection from then on, which closes it

    @contextmanager
    def running(self, step: Step) -> Iterator[None]:
        """The step under way: told to the observer when it starts and, if nothing was raised, when it is done."""
        self.step = step
        self.observer.started(step)
        yield
        self.observer.done(step)

    def timeout_for(self, step: Step | None = None) -> float:
        return self.observer.timeout(step or self.step)

    async def execute_command(self, *args: bytes, timeout: Any = Default.token) -> SMTPResponse:
        """Every command's reply reaches the observer, a refusal included (aiosmtplib raises those)."""
        seconds = self.timeout_for() if timeout is Default.token or timeout is None else timeout
        response = await super().execute_command(*args, timeout=seconds)
        self.observer.replied(self.step, response)
        return response

    async def _create_connection(self, timeout: float | None) -> SMTPResponse:
        """aiosmtplib's, with the TLS handshake and the greeting as steps of their own, each with its own timeout.

        Sending connects by name; the settings test hands over the socket it connected itself (it tries and shows
        every address), so that only SSL/TLS from the first byte and the greeting remain."""
        loop = asyncio.get_running_loop()
        protocol = _WatchedProtocol(self, loop) if self.watched else SMTPProtocol(loop, self._on_connection_lost)
        context = self.tls_context if self.use_tls else None
        where: dict[str, Any] = {'sock': self.sock} if self.sock else {'host': self.hostname, 'port': self.port}
        step = Step.TLS if context is not None and self.sock else Step.CONNECT
        self.step = step
        if step is Step.TLS:
            self.observer.started(step)
        seconds = self.timeout_for(step)
        self.took_socket = self.sock is not None
        connect = loop.create_connection(
            lambda: protocol,
            ssl=context,
            server_hostname=self.hostname if context is not None else None,
            ssl_handshake_timeout=seconds if context is not None else None,
            **where,
        )
        transport, _protocol = await asyncio.wait_for(connect, seconds)
        self.protocol, self.transport = protocol, transport
        if step is Step.TLS:
            self.observer.done(step)
        with self.running(Step.GREETING):
            response = await protocol.read_response(timeout=self.timeout_for())
            self.observer.replied(Step.GREETING, response)
            if response.code != 220:
                raise SMTPConnectResponseError(response.code, response.message)
        return response


class SmtpSession:
    """One SMTP connection reused for many messages; reconnects when the server has closed an idle connection."""

    def __init__(
        self, transport: SmtpTransport, observer: SmtpObserver | None = None, sock: socket.socket | None = None
    ) -> None:
        self._transport = transport
        self._observer = observer or _Unobserved(transport.timeout)
        self._sock = sock  # connected by the settings test; used for the first connection only
        self.client: SmtpClient | None = None
        self.signed_in = False
        self.token: FreshToken | None = None  # the sign-in's access token, once the token step got it
        self._delivered = 0  # messages sent over the current connection

    async def send(self, message: OutgoingMessage) -> Receipt:
        try:
            built = build_mime(message)
        except MessageError as error:
            raise input_error(error) from error
        return await self.deliver(built)

    async def deliver(self, built: BuiltMessage, *, data: bool = True) -> Receipt:
        """Send a built message; with `data=False` stop after the recipients (RSET): what the server would take."""
        body = built.as_bytes()
        smtp = self.client if self.client is not None and self.client.is_connected else await self.open()
        reused = self._delivered > 0
        try:
            refused, reply = await self._transaction(smtp, built, built.envelope_recipients, body, data=data)
        except TransportError as error:
            if not (reused and error.step == 'mail' and error.reply_code == 421):
                raise
            # The server ended a long session ("421 too many messages"): a fresh connection is the cure.
            await self.close()
            smtp = await self.open()
            refused, reply = await self._transaction(smtp, built, built.envelope_recipients, body, data=data)
        self._delivered += 1
        recipients = built.envelope_recipients
        outcomes = _outcomes(recipients, refused, reply)
        later = await self._over_the_limit(smtp, built, body, recipients, refused, outcomes) if data else []
        replies = [reply, *later]
        return Receipt(
            message_id=built.message_id,
            server_reply='; '.join(dict.fromkeys(f'250 {r}'.strip() for r in replies)),
            recipients=tuple(outcomes[address] for address in recipients),
            queue_id=find_queue_id(reply),
            size=len(body),
        )

    async def _over_the_limit(
        self,
        smtp: SmtpClient,
        built: BuiltMessage,
        body: bytes,
        tried: list[str],
        refused: dict[str, SMTPResponse],
        outcomes: dict[str, RecipientOutcome],
    ) -> list[str]:
        """Recipients refused for the server's limit per message go in further transactions (RFC 5321 4.5.3.1.10),
        each at most as large as the last one it took; what still fails is recorded in `outcomes`. The DATA replies."""
        replies: list[str] = []
        waiting = [a for a in tried if a in refused and recipient_limit_reached(refused[a])]
        batch = len(tried) - len(refused)
        while waiting and batch:
            chunk, waiting = waiting[:batch], waiting[batch:]
            try:
                refused, reply = await self._transaction(smtp, built, chunk, body)
            except TransportError as error:
                outcomes |= {o.address: o for o in error.recipients}
                told = {o.address for o in error.recipients}
                later = [a for a in (*chunk, *waiting) if a not in told]
                outcomes |= {a: refusal(a, error.reply_code, error.summary(), transient=error.transient) for a in later}
                break
            outcomes |= _outcomes(chunk, refused, reply)
            replies.append(reply)
            waiting = [a for a in chunk if a in refused and recipient_limit_reached(refused[a])] + waiting
            batch = len(chunk) - len(refused)
        return replies

    async def _transaction(
        self, smtp: SmtpClient, built: BuiltMessage, recipients: list[str], body: bytes, *, data: bool = True
    ) -> tuple[dict[str, SMTPResponse], str]:
        """MAIL, RCPT for each recipient, then DATA (or RSET when `data` is false); RSET after a refusal, as
        aiosmtplib's sendmail does. The refused recipients (when some were taken) and the DATA reply."""
        utf8 = built.smtputf8
        encoding = 'utf-8' if utf8 else 'ascii'
        options = ([f'SIZE={len(body)}'] if smtp.supports_extension('size') else []) + (['SMTPUTF8'] if utf8 else [])
        try:
            with smtp.running(Step.MAIL):
                if too_large := size_refusal(len(body), smtp.esmtp_extensions.get('size', '')):
                    raise too_large
                _check_smtputf8(smtp, built)
                await smtp.mail(built.envelope_from, options=options, encoding=encoding)
            refused: dict[str, SMTPResponse] = {}
            errors: list[SMTPRecipientRefused] = []
            for address in recipients:
                try:
                    with smtp.running(Step.RCPT):
                        await smtp.rcpt(address, encoding=encoding)
                except SMTPRecipientRefused as exc:
                    errors.append(exc)
                    refused[address] = SMTPResponse(exc.code, exc.message)
            if len(errors) == len(recipients):
                raise SMTPRecipientsRefused(errors)
            if not data:
                await smtp.rset()
                return refused, ''
            with smtp.running(Step.DATA):
                response = await smtp.data(body, timeout=smtp.timeout_for())
                smtp.observer.replied(Step.DATA, response)
            return refused, response.message
        except (SMTPResponseException, SMTPRecipientsRefused) as exc:
            if smtp_reply(exc)[0] == 421:
                smtp.close()
            elif smtp.is_connected:
                with suppress(*_NETWORK_ERRORS):
                    await smtp.rset()
            raise self._error(exc, smtp) from exc
        except _NETWORK_ERRORS as exc:
            smtp.close()
            raise self._error(exc, smtp) from exc

    def _error(self, exc: BaseException, smtp: SmtpClient) -> TransportError:
        error = smtp_error(exc, smtp.step, signed_in=self.signed_in, settings=self._transport.settings)
        if error.step == 'data' and error.reply_code is None:
            error.mark_outcome_unknown()
        return error

    async def open(self) -> SmtpClient:
        """Connect, greet, EHLO, STARTTLS and EHLO again when asked for, and sign in: the session ready for MAIL."""
        settings = self._transport.settings
        security = settings.effective_security
        context = self._transport.tls_context() if security is not Security.NONE else None
        sock, self._sock = self._sock, None
        smtp = SmtpClient(
            self._observer,
            hostname=self._transport.hostname,
            port=None if sock else settings.port,
            sock=sock,
            use_tls=security is Security.SSL,
            start_tls=False,
            validate_certs=not settings.skip_tls_verify,
            tls_context=context,
            local_hostname=ehlo_name(await local_fqdn(), None),  # aiosmtplib would look the name up again
            timeout=self._transport.timeout,
        )
        self.client, self._delivered = smtp, 0  # an observer may look at it while it opens
        try:
            await smtp.connect()
            if smtp.local_hostname and smtp.local_hostname.startswith('['):
                sockname = smtp.get_transport_info('sockname')  # no usable FQDN: the address this side connected from
                smtp.local_hostname = ehlo_name('', str(sockname[0]) if sockname else None)
            with smtp.running(Step.EHLO):
                await smtp.ehlo()
            if security is Security.STARTTLS:
                with smtp.running(Step.TLS):
                    if not smtp.supports_extension('starttls'):
                        raise starttls_missing(settings.port)
                    reply = await smtp.starttls(tls_context=context, timeout=smtp.timeout_for())
                    smtp.observer.replied(Step.TLS, reply)
                with smtp.running(Step.EHLO):
                    await smtp.ehlo()
            if settings.uses_oauth:
                with smtp.running(Step.TOKEN):
                    self.token = fresh = await self._transport.access_token()
                with smtp.running(Step.AUTH):
                    token = fresh.token
                    await sign_in_xoauth2(smtp, settings.username, token.access_token, token_account=token.account)
                self.signed_in = True
            elif settings.username and settings.password:
                with smtp.running(Step.AUTH):
                    await self._sign_in(smtp, settings, encrypted=context is not None)
        except _NETWORK_ERRORS as exc:
            self.abort()
            starttls = security is Security.STARTTLS
            raise smtp_error(exc, smtp.step, starttls=starttls, settings=settings) from exc
        except BaseException:
            smtp.close()
            raise
        self.client = smtp
        return smtp

    async def _sign_in(self, smtp: SmtpClient, settings: EmailSettings, *, encrypted: bool) -> None:
        """Exactly one attempt with the chosen method (a loop over methods can lock the account)."""
        if not encrypted and not settings.allow_plaintext:
            raise TransportError(
                'auth',
                Cause.AUTH_REQUIRES_TLS,
                transient=False,
                detail=phrase('The password would cross the network unencrypted; choose SSL/TLS or STARTTLS.'),
            )
        mechanism = choose_mechanism(smtp.server_auth_methods, encrypted=encrypted)
        if mechanism is None:
            raise TransportError(
                'auth',
                Cause.AUTH_UNAVAILABLE,
                transient=False,
                detail=phrase('The server offers no sign-in method Mailroom can use (PLAIN, LOGIN, CRAM-MD5).'),
            )
        method = {'PLAIN': smtp.auth_plain, 'LOGIN': smtp.auth_login, 'CRAM-MD5': smtp.auth_crammd5}[mechanism]
        await method(settings.username, settings.password)
        self.signed_in = True  # a refused relay then means "not for this account", not "sign in first"

    def abort(self) -> None:
        """Drop the connection at once, without QUIT (the settings test was cancelled)."""
        if self._sock is not None:  # handed over but never used
            self._sock.close()
            self._sock = None
        smtp, self.client = self.client, None
        if smtp is not None:
            smtp.close()

    async def close(self) -> None:
        """Say QUIT politely; a server that already left, or does not answer, is not an error."""
        if self._sock is not None:
            self.abort()
        smtp, self.client = self.client, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                with smtp.running(Step.QUIT):
                    await smtp.quit(timeout=smtp.timeout_for(Step.QUIT))
        except _NETWORK_ERRORS:
            pass
        finally:
            smtp.close()


def starttls_missing(port: int) -> TransportError:
    """Security asks for STARTTLS and the server does not offer it: stop before the password goes anywhere."""
    return TransportError(
        'tls',
        Cause.STARTTLS_UNAVAILABLE,
        transient=False,
        detail=phrase(
            'The server did not offer STARTTLS on port {port}. Mailroom stopped before signing in, so your password '
            'was not sent (a missing STARTTLS can be a downgrade attack).',
            port=port,
        ),
    )


def _check_smtputf8(smtp: SMTP, built: BuiltMessage) -> None:
    """An address with letters beyond ASCII before the @ goes only to a server that offers SMTPUTF8: say so plainly
    before MAIL FROM, rather than let the server refuse it in its own words (or mangle it)."""
    if built.smtputf8 and not smtp.supports_extension('smtputf8'):
        international = [a for a in (built.envelope_from, *built.envelope_recipients) if not a.isascii()]
        raise TransportError(
            'mail',
            Cause.SMTPUTF8_UNAVAILABLE,
            transient=False,
            detail=phrase(
                '{host} does not offer SMTPUTF8, which {addresses} needs.',
                host=smtp.hostname or '',
                addresses=', '.join(international) or phrase('the Reply-To address'),
            ),
        )


class SmtpTransport(SessionTransport):
    """Security from the settings' effective mode; certificates verified unless the user chose otherwise."""

    def __init__(self, settings: EmailSettings, *, timeout: float = 30.0, tokens: TokenCache | None = None) -> None:
        self.settings = settings
        self.timeout = timeout
        self.hostname = settings.host.strip('[]')  # an IPv6 address may be typed in brackets
        self.tokens = tokens if tokens is not None else TokenCache()

    async def access_token(self) -> FreshToken:
        """The sign-in's access token, refreshed first when it is about to expire; a refusal names its cause."""
        try:
            return await self.tokens.access_token(self.settings)
        except OAuthFailure as failure:
            transient = failure.cause is Cause.OAUTH_PROVIDER_FAILED
            raise TransportError('token', failure.cause, transient=transient, detail=failure.said) from None

    def tls_context(self) -> ssl.SSLContext:
        return smtp_context(not self.settings.skip_tls_verify)

    @asynccontextmanager
    async def session(
        self, observer: SmtpObserver | None = None, *, sock: socket.socket | None = None
    ) -> AsyncIterator[SmtpSession]:
        """`observer` watches every step (the settings test); `sock`, already connected, replaces connecting by name."""
        session = SmtpSession(self, observer, sock)
        try:
            yield session
        finally:
            await session.close()


def _outcomes(recipients: list[str], refused: dict[str, SMTPResponse], reply: str) -> dict[str, RecipientOutcome]:
    """One transaction's word on each recipient: refused with the RCPT reply, or accepted with the DATA reply."""
    return {
        address: refusal(address, refused[address].code, f'{refused[address].code} {refused[address].message}')
        if address in refused
        else RecipientOutcome(address, Delivery.ACCEPTED, f'250 {reply}'.strip())
        for address in recipients
    }
