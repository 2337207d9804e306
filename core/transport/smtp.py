"""SMTP delivery with aiosmtplib: connect, greet, encrypt, sign in once, then send any number of messages."""

from __future__ import annotations

import re
import ssl
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from aiosmtplib import (
    SMTP,
    SMTPException,
    SMTPRecipientsRefused,
    SMTPResponse,
    SMTPResponseException,
)

from core.causes import Cause, classify_smtp_error, failed_step, smtp_reply
from core.delivery import Delivery, RecipientOutcome, refusal
from core.diagnostics.transcript import redactor
from core.ehlo import ehlo_name, local_fqdn
from core.message import BuiltMessage, MessageError, OutgoingMessage, build_mime, human_size
from core.settings import EmailSettings, Security
from core.transport.base import Receipt, SessionTransport, TransportError, input_error
from core.transport.tls import smtp_context

_QUEUE_ID = re.compile(r'(?:queued as|id=|<)\s*([A-Za-z0-9._@-]+)|\b([0-9A-F]{8,})\b', re.IGNORECASE)
_NETWORK_ERRORS = (SMTPException, OSError, TimeoutError)
_TOO_MANY = re.compile(r'5\.5\.3|too many recipients', re.IGNORECASE)


def smtp_error(exc: BaseException, step: str, *, signed_in: bool = True) -> TransportError:
    """One aiosmtplib/OS/TLS failure as a TransportError; the text comes from the server, never from us.

    Classified as the settings test classifies the same reply, and charged to the same step."""
    if isinstance(exc, ssl.SSLError) or isinstance(exc.__cause__ or exc.__context__, ssl.SSLError):
        step = 'tls'
    code, text = smtp_reply(exc)
    detail = '' if code is not None else (str(exc) or type(exc).__name__)
    cause = classify_smtp_error(exc, step, signed_in=signed_in)
    recipients: tuple[RecipientOutcome, ...] = ()
    if isinstance(exc, SMTPRecipientsRefused):
        recipients = tuple(refusal(r.recipient, r.code, f'{r.code} {r.message}') for r in exc.recipients)
    return TransportError(
        failed_step(cause, step),
        cause,
        reply_code=code,
        reply_text=text,
        detail=detail,
        recipients=recipients,
    )


def _without_secrets(error: TransportError, settings: EmailSettings) -> TransportError:
    """A server may echo the AUTH line in its refusal; the email log must never keep the password."""
    redact = redactor((settings.password,), settings.username)
    return TransportError(
        error.step,
        error.cause,
        reply_code=error.reply_code,
        reply_text=redact(error.reply_text),
        transient=error.transient,
        detail=redact(error.detail),
        recipients=error.recipients,
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
        detail=f'The message is {human_size(size)} ({size} bytes) but the server accepts at most '
        f'{human_size(limit)} ({limit} bytes).',
    )


def starttls_missing(port: int) -> TransportError:
    """Security asks for STARTTLS and the server does not offer it: stop before the password goes anywhere."""
    return TransportError(
        'tls',
        Cause.STARTTLS_UNAVAILABLE,
        transient=False,
        detail=f'The server did not offer STARTTLS on port {port}. Mailroom stopped before signing in, so your '
        'password was not sent (a missing STARTTLS can be a downgrade attack).',
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


async def sign_in(smtp: SMTP, username: str, password: str, *, encrypted: bool) -> SMTPResponse:
    """Exactly one attempt with the chosen method (a loop over methods can lock the account)."""
    mechanism = choose_mechanism(smtp.server_auth_methods, encrypted=encrypted)
    if mechanism is None:
        raise TransportError(
            'auth',
            Cause.AUTH_UNAVAILABLE,
            transient=False,
            detail='The server offers no sign-in method Mailroom can use (PLAIN, LOGIN, CRAM-MD5).',
        )
    method = {'PLAIN': smtp.auth_plain, 'LOGIN': smtp.auth_login, 'CRAM-MD5': smtp.auth_crammd5}[mechanism]
    return await method(username, password)


def recipient_limit_reached(response: SMTPResponse) -> bool:
    """The server's limit of recipients per message (RFC 5321 4.5.3.1.10: 452, or 552 from older servers)."""
    return response.code == 452 or (response.code == 552 and bool(_TOO_MANY.search(response.message)))


def _check_smtputf8(smtp: SMTP, built: BuiltMessage) -> None:
    """An address with letters beyond ASCII before the @ goes only to a server that offers SMTPUTF8: say so plainly
    before MAIL FROM, rather than let the server refuse it in its own words (or mangle it)."""
    if built.smtputf8 and not smtp.supports_extension('smtputf8'):
        international = [a for a in (built.envelope_from, *built.envelope_recipients) if not a.isascii()]
        raise TransportError(
            'mail',
            Cause.SMTPUTF8_UNAVAILABLE,
            transient=False,
            detail=f'{smtp.hostname} does not offer SMTPUTF8, which '
            f'{", ".join(international) or "the Reply-To address"} needs.',
        )


class _StepSMTP(SMTP):
    """aiosmtplib's client, remembering which command of the transaction is under way.

    A timeout says nothing about where it struck; this does. Once DATA has begun the server may hold the message,
    so a lost answer from then on means the outcome is unknown rather than failed.
    """

    step = 'mail'

    async def mail(self, *args: Any, **kwargs: Any) -> SMTPResponse:
        self.step = 'mail'
        return await super().mail(*args, **kwargs)

    async def rcpt(self, *args: Any, **kwargs: Any) -> SMTPResponse:
        self.step = 'rcpt'
        return await super().rcpt(*args, **kwargs)

    async def data(self, *args: Any, **kwargs: Any) -> SMTPResponse:
        self.step = 'data'
        return await super().data(*args, **kwargs)


class SmtpSession:
    """One SMTP connection reused for many messages; reconnects when the server has closed an idle connection."""

    def __init__(self, transport: SmtpTransport) -> None:
        self._transport = transport
        self._smtp: _StepSMTP | None = None
        self._signed_in = False

    async def send(self, message: OutgoingMessage) -> Receipt:
        try:
            built = build_mime(message)
        except MessageError as error:
            raise input_error(error) from error
        data = built.as_bytes()
        reused = self._smtp is not None and self._smtp.is_connected
        smtp = self._smtp if reused and self._smtp is not None else await self._open()
        self._check_size(smtp, len(data))
        _check_smtputf8(smtp, built)
        recipients, utf8 = built.envelope_recipients, built.smtputf8
        try:
            refused, reply = await self._transaction(smtp, built.envelope_from, recipients, data, utf8=utf8)
        except TransportError as error:
            if not (reused and error.step == 'mail' and error.reply_code == 421):
                raise
            # The server ended a long session ("421 too many messages"): a fresh connection is the cure.
            await self.close()
            smtp = await self._open()
            self._check_size(smtp, len(data))
            _check_smtputf8(smtp, built)
            refused, reply = await self._transaction(smtp, built.envelope_from, recipients, data, utf8=utf8)
        outcomes = _outcomes(recipients, refused, reply)
        later = await self._over_the_limit(smtp, built.envelope_from, data, recipients, refused, outcomes, utf8=utf8)
        replies = [reply, *later]
        return Receipt(
            message_id=built.message_id,
            server_reply='; '.join(dict.fromkeys(f'250 {r}'.strip() for r in replies)),
            recipients=tuple(outcomes[address] for address in recipients),
            queue_id=find_queue_id(reply),
            size=len(data),
        )

    async def _over_the_limit(
        self,
        smtp: _StepSMTP,
        sender: str,
        data: bytes,
        tried: list[str],
        refused: dict[str, SMTPResponse],
        outcomes: dict[str, RecipientOutcome],
        *,
        utf8: bool,
    ) -> list[str]:
        """Recipients refused for the server's limit per message go in further transactions (RFC 5321 4.5.3.1.10),
        each at most as large as the last one it took; what still fails is recorded in `outcomes`. The DATA replies."""
        replies: list[str] = []
        waiting = [a for a in tried if a in refused and recipient_limit_reached(refused[a])]
        batch = len(tried) - len(refused)
        while waiting and batch:
            chunk, waiting = waiting[:batch], waiting[batch:]
            try:
                refused, reply = await self._transaction(smtp, sender, chunk, data, utf8=utf8)
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
        self, smtp: _StepSMTP, sender: str, recipients: list[str], data: bytes, *, utf8: bool
    ) -> tuple[dict[str, SMTPResponse], str]:
        smtp.step = 'mail'
        try:
            return await smtp.sendmail(sender, recipients, data, mail_options=['SMTPUTF8'] if utf8 else None)
        except _NETWORK_ERRORS as exc:
            if not isinstance(exc, SMTPResponseException | SMTPRecipientsRefused) or smtp_reply(exc)[0] == 421:
                await self.close()
            error = smtp_error(exc, smtp.step, signed_in=self._signed_in)
            error.outcome_unknown = error.step == 'data' and error.reply_code is None
            raise error from exc

    def _check_size(self, smtp: _StepSMTP, size: int) -> None:
        if refusal := size_refusal(size, smtp.esmtp_extensions.get('size', '')):
            raise refusal

    async def _open(self) -> _StepSMTP:
        settings = self._transport.settings
        security = settings.effective_security
        context = self._transport.tls_context() if security is not Security.NONE else None
        smtp = _StepSMTP(
            hostname=settings.host,
            port=settings.port,
            use_tls=security is Security.SSL,
            start_tls=False,
            validate_certs=not settings.skip_tls_verify,
            tls_context=context,
            timeout=self._transport.timeout,
        )
        step = 'connect'
        try:
            await smtp.connect()
            sockname = smtp.transport.get_extra_info('sockname') if smtp.transport else None
            smtp.local_hostname = ehlo_name(await local_fqdn(), str(sockname[0]) if sockname else None)
            step = 'ehlo'
            await smtp.ehlo()
            if security is Security.STARTTLS:
                step = 'tls'
                if not smtp.supports_extension('starttls'):
                    raise starttls_missing(settings.port)
                await smtp.starttls(tls_context=context)
                step = 'ehlo'
                await smtp.ehlo()
            if settings.username and settings.password:
                step = 'auth'
                if security is Security.NONE and not settings.allow_plaintext:
                    raise TransportError(
                        'auth',
                        Cause.AUTH_REQUIRES_TLS,
                        transient=False,
                        detail='The password would cross the network unencrypted; choose SSL/TLS or STARTTLS.',
                    )
                await sign_in(smtp, settings.username, settings.password, encrypted=context is not None)
                self._signed_in = True  # a refused relay then means "not for this account", not "sign in first"
        except TransportError:
            smtp.close()
            raise
        except _NETWORK_ERRORS as exc:
            smtp.close()
            if step == 'connect' and smtp_reply(exc)[0] is not None:  # the only reply while connecting is the greeting
                step = 'greeting'
            raise _without_secrets(smtp_error(exc, step), settings) from exc
        self._smtp = smtp
        return smtp

    async def close(self) -> None:
        """Say QUIT politely; a server that already left is not an error."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            if smtp.is_connected:
                await smtp.quit()
        except _NETWORK_ERRORS:
            smtp.close()


class SmtpTransport(SessionTransport):
    """Security from the settings' effective mode; certificates verified unless the user chose otherwise."""

    def __init__(self, settings: EmailSettings, *, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout

    def tls_context(self) -> ssl.SSLContext:
        return smtp_context(not self.settings.skip_tls_verify)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        session = SmtpSession(self)
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
