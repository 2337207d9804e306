"""The SMTP settings test: the transport's own session (core/transport/smtp.py), watched step by step.

The session connects, greets, encrypts, signs in, gives MAIL, RCPT and DATA, and says QUIT exactly as sending does;
this module is its observer and turns each call into a StepEvent and transcript lines. It adds only what a test needs:
the DNS and connect steps (every address tried and shown), the TLS probe of a silent port, the certificate and
capability details, and the failures in the words of the step where they happened.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiosmtplib import SMTP, SMTPResponse

from core.causes import Cause, Step
from core.diagnostics.events import SettingsChange, step_title
from core.diagnostics.net import is_ip, open_socket, resolve
from core.diagnostics.probe import Probe, StepFailure, StepScope, describe_error, no_answer, step_failure
from core.diagnostics.tls_check import describe_tls, handshake_failure
from core.diagnostics.transcript import REDACTED, Transcript
from core.ehlo import ehlo_name, local_fqdn
from core.i18n import N_, _, format_count, format_tenths, ngettext
from core.message import BuiltMessage, MessageError, OutgoingMessage, build_mime
from core.oauth.claims import token_claims
from core.oauth.providers import PROVIDER_LABELS, oauth_provider
from core.oauth.tokens import TokenCache
from core.settings import EmailSettings, Security
from core.transport.base import TransportError
from core.transport.smtp import SmtpSession, SmtpTransport, choose_mechanism, find_queue_id
from core.transport.tls import smtp_context

# Ports where servers may hold their greeting back on purpose (Postfix's postscreen) and where a TLS handshake before
# the greeting looks like a spam robot: there a silent port is probed only when the greeting wait is over.
_GREETING_DELAY_PORTS = frozenset({25, 587})

SETTLE_AFTER = 0.001
"""Seconds the session may wait before the check writes up what it was told (the next command usually goes first)."""

_STARTING = {
    Step.GREETING: N_('Waiting for the server to say hello'),
    Step.AUTH: N_('Signing in'),
    Step.MAIL: N_('Giving the sender address'),
    Step.RCPT: N_('Giving the recipient address'),
    Step.DATA: N_('Sending the test message'),
    Step.QUIT: N_('Saying goodbye'),
}
_REFUSED = {
    Step.GREETING: N_('The server greeted with a refusal ({code}).'),
    Step.EHLO: N_('The server refused EHLO ({code}).'),
    Step.TLS: N_('The server refused STARTTLS ({code}).'),
    Step.AUTH: N_('The server refused the sign-in ({code}).'),
    Step.DATA: N_('The server refused the message ({code}).'),
}


@dataclass(frozen=True)
class Capabilities:
    server_name: str
    keywords: dict[str, str]  # EHLO keyword -> its parameters

    @classmethod
    def parse(cls, reply: SMTPResponse | None) -> Capabilities:
        lines = reply.message.split('\n') if reply else []
        keywords: dict[str, str] = {}
        for line in lines[1:]:
            word, _space, params = line.strip().partition(' ')
            keywords[word.upper()] = params.strip()
        return cls(lines[0].split(' ', 1)[0] if lines else '', keywords)

    @property
    def auth_mechanisms(self) -> tuple[str, ...]:
        return tuple(self.keywords.get('AUTH', '').upper().split()) if 'AUTH' in self.keywords else ()

    @property
    def size_limit(self) -> int | None:
        value = self.keywords.get('SIZE', '')
        return int(value) if value.isdigit() and int(value) > 0 else None

    def has(self, keyword: str) -> bool:
        return keyword in self.keywords

    def details(self, *, encrypted: bool, starttls_expected: bool) -> dict[str, str]:
        size = self.size_limit
        auth = ' '.join(self.auth_mechanisms)
        if not auth:
            auth = _('not offered yet (normal before encryption starts)')
            auth = auth if not encrypted and starttls_expected else _('not offered')
        return {
            N_('Server name'): self.server_name,
            N_('Size limit'): _megabytes(size) if size else _('not announced'),
            'STARTTLS': _('offered') if self.has('STARTTLS') else _('not offered'),
            N_('Sign-in methods (AUTH)'): auth,
            '8BITMIME': _yes(self.has('8BITMIME')),
            'SMTPUTF8': _yes(self.has('SMTPUTF8')),
            'PIPELINING': _yes(self.has('PIPELINING')),
        }


def _yes(flag: bool) -> str:
    return _('yes') if flag else _('no')


def _megabytes(size: int) -> str:
    return f'{format_tenths(size / 1_048_576)} MB'


def _bytes(size: int) -> str:
    return ngettext('{bytes} byte', '{bytes} bytes', size).format(bytes=format_count(size))


class _Wire:
    """The transcript lines of the session's traffic: sign-in payloads hidden, of the message only its headers."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self._incoming = bytearray()
        self._in_auth = False
        self._message_next = False

    def received(self, data: bytes, encrypted: bool, at: float) -> None:
        """`at`: when the bytes came, in seconds since the epoch."""
        self._incoming.extend(data)
        *lines, rest = self._incoming.split(b'\n')
        self._incoming = bytearray(rest)
        for raw in lines:
            line = raw.decode('utf-8', 'replace').rstrip('\r')
            self.transcript.received(line, encrypted=encrypted, at=at)
            self._in_auth = self._in_auth and line.startswith('334')
            self._message_next = self._message_next and line.startswith('354')

    def sent(self, data: bytes, encrypted: bool, at: float) -> None:
        """`at`: when the bytes went, in seconds since the epoch."""
        if self._message_next:
            self._message_next = False
            self._show_message(data, encrypted, at)
            return
        for line in data.decode('utf-8', 'replace').split('\r\n')[:-1]:
            self.transcript.sent(self._shown(line), encrypted=encrypted, at=at)
        self._message_next = data == b'DATA\r\n'

    def _shown(self, line: str) -> str:
        if self._in_auth:
            return REDACTED
        words = line.split(' ')
        if words[0].upper() != 'AUTH':
            return line
        self._in_auth = True
        return ' '.join(words[:2]) + (f' {REDACTED}' if len(words) > 2 else '')

    def _show_message(self, data: bytes, encrypted: bool, at: float) -> None:
        head, _sep, _body = data.partition(b'\r\n\r\n')
        for header_line in head.decode('utf-8', 'replace').split('\r\n'):
            self.transcript.sent(header_line, encrypted=encrypted, at=at)
        self.transcript.sent(f'[message body: {len(data)} bytes in all]', encrypted=encrypted, at=at)
        self.transcript.sent('.', encrypted=encrypted, at=at)


class SmtpCheck:
    """One SMTP session of the settings test; the transport calls back at each step (see `SmtpObserver`).

    The check never holds up the session: each call reads at once what it needs from the connection and leaves the
    rest (the step's wording and details, its transcript lines and events) for when the next command has gone out, or
    the session has waited a moment for the server, in the order the calls came (`_later`). The check's own code
    settles what is pending before it reads what those calls set.
    """

    def __init__(
        self,
        probe: Probe,
        settings: EmailSettings,
        message: OutgoingMessage,
        recipient: str,
        tokens: TokenCache | None = None,
    ) -> None:
        self.probe = probe
        self.settings = settings
        self.outgoing = message
        self.message: BuiltMessage | None = None  # built while the connection opens
        self.recipient = recipient
        self.transport = SmtpTransport(settings, tokens=tokens)
        self.host = self.transport.hostname
        self.port = settings.port
        self.security = settings.effective_security
        self.verify = not settings.skip_tls_verify
        self.session: SmtpSession | None = None
        self.address = ''
        self.capabilities = Capabilities('', {})
        self.scope: StepScope | None = None
        self.stopped = False  # after the failing step nothing more is reported (sending still says QUIT)
        self.wire_lines = _Wire(probe.transcript)
        self._ehlos = 0
        self._began = 0.0
        self._pending: deque[tuple[Callable[..., None], tuple[Any, ...], float]] = deque()
        self._settling: asyncio.TimerHandle | None = None  # settles what is pending if the session waits a while
        self._now = 0.0  # when the transport made the call being settled (time.perf_counter)
        self._epoch = time.time() - time.perf_counter()  # turns `_now` into the transcript's clock
        self._fault: Exception | None = None  # what a pending call raised: raised where the check next settles
        self._silence: asyncio.Task[None] | None = None  # the TLS probe of a port that keeps its greeting back
        self._speaks_tls_first = False
        self._probed = False  # the TLS probe of a silent port ran

    @property
    def t(self) -> Transcript:
        return self.probe.transcript

    async def run(self, *, send: bool) -> None:
        warm = asyncio.create_task(local_fqdn())  # the reverse lookup runs while the DNS and connect steps go on
        sock: socket.socket | None = None
        try:
            addresses = await resolve(self.probe, self.host, self.port)
            sock = await self.connect(addresses)
            async with self.transport.session(self, sock=sock) as session:
                self.session, sock = session, None  # the session owns the socket now
                try:
                    await self._open(session)
                    self.message = self._built()
                    await session.deliver(self.message, data=send)
                    if not send:
                        self._settled()
                        self.probe.skipped(
                            Step.DATA, _('Nothing sent: stopped after the recipient with RSET, as asked.')
                        )
                except (TransportError, StepFailure) as error:
                    await self._stop(error)
                except asyncio.CancelledError:
                    session.abort()  # stop at once: no QUIT
                    raise
            try:
                self._settled()  # QUIT's own write-up (the steps before it were written up as QUIT went out)
            except StepFailure as error:
                await self._stop(error)
            if self.scope is not None and self.scope.step is Step.QUIT:
                self.scope.warn(_('The server did not answer QUIT; this does not affect sending.'))
                self.probe.end(self.scope)
        finally:
            warm.cancel()
            self._settle()  # a cancel: the step under way is known, so that it ends as cancelled
            self._let_go()
            if sock is not None:
                sock.close()  # connected, but never handed over

    async def introduce(self, addresses: list[str]) -> None:
        """Connect, encrypt and EHLO, then QUIT: with no password in the settings nothing is signed in or sent. Find
        my settings tries servers this way; a failing step raises RunStopped, as in `run`."""
        sock: socket.socket | None = await self.connect(addresses)
        try:
            async with self.transport.session(self, sock=sock) as session:
                self.session, sock = session, None  # the session owns the socket now
                try:
                    await self._open(session)
                    self._settled()
                except (TransportError, StepFailure) as error:
                    await self._stop(error)
        finally:
            self._settle()
            self._let_go()
            if sock is not None:
                sock.close()

    async def connect(self, addresses: list[str]) -> socket.socket:
        async with self.probe.step(Step.CONNECT, _('Connecting to port {port}').format(port=self.port)) as scope:
            sock, self.address = await open_socket(self.probe, scope, addresses, self.port)
            scope.ok(_('Connected to {address} port {port}.').format(address=_show(self.address), port=self.port))
        return sock

    def _built(self) -> BuiltMessage:
        """Built after the sign-in, where sending builds it. (In a thread, to overlap the network waits, it cost more
        than it saved: the two threads took turns at the GIL, each wait for it longer than the build's share.)"""
        try:
            return build_mime(self.outgoing)
        except MessageError as error:  # validated already, so only a defect gets here; still say which field
            raise step_failure(Step.MAIL, Cause.INVALID_INPUT, error.problem) from None

    async def _open(self, session: SmtpSession) -> None:
        """The session up to the sign-in; a silent port that answers a TLS handshake stops the greeting wait."""
        opening = asyncio.ensure_future(session.open())
        try:
            await opening
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if not self._speaks_tls_first or (task is not None and task.cancelling()):
                raise
            raise self._tls_first_failure() from None

    # The observer: the transport calls these; all but `timeout` leave their work for `_later`.

    def timeout(self, step: Step) -> float:
        t = self.probe.timeouts
        seconds = {Step.GREETING: t.greeting, Step.TLS: t.tls, Step.DATA: t.data}.get(step, t.command)
        if step is Step.QUIT or self.stopped:  # saying goodbye never fails the test
            left = self.probe.deadline - asyncio.get_running_loop().time()
            return max(0.1, min(seconds, 5.0, left))
        return self.probe.budget(seconds)

    def wire(self, data: bytes, *, sent: bool, encrypted: bool) -> None:
        self._later(self._wire, data, sent, encrypted)
        if sent:  # a command is on its way: write up what is pending while the server reads it
            self._settle()

    def started(self, step: Step) -> None:
        if self.stopped:
            return
        if step is Step.GREETING and self.security is not Security.SSL and self.port not in _GREETING_DELAY_PORTS:
            # At once: the silence is timed from now, and the task to stop is the session's.
            self._silence = asyncio.create_task(self._probe_after_silence(asyncio.current_task()))
        self._later(self._started, step, self._encrypted() if step is Step.AUTH else False)

    def replied(self, step: Step, reply: SMTPResponse) -> None:
        self._later(self._replied, step, reply)

    def done(self, step: Step) -> None:
        if self.stopped:
            return
        if step is Step.TLS:
            self._later(self._finish, step, self._client().get_transport_info('ssl_object'))
        elif step is Step.EHLO:  # read now: by the time it is written up the connection may be gone
            client = self._client()
            self._later(self._finish, step, client.last_ehlo_response, client.local_hostname or '', self._encrypted())
        elif step is Step.AUTH:
            self._later(self._finish, step, self._encrypted())
        else:
            self._later(self._finish, step)

    def _later(self, call: Callable[..., None], *args: Any) -> None:
        """Do `call(*args)` after what is pending, when the next command has gone out or the session has been quiet
        for `SETTLE_AFTER` seconds (waiting for a greeting, a TLS handshake, a token); `_now` then says when it was
        asked."""
        if self._fault is not None:  # the session is stopping
            return
        if self._settling is None:
            self._settling = asyncio.get_running_loop().call_later(SETTLE_AFTER, self._settle_when_quiet)
        self._pending.append((call, args, time.perf_counter()))

    def _settle_when_quiet(self) -> None:
        self._settling = None
        quiet = time.perf_counter() - self._pending[-1][2] if self._pending else SETTLE_AFTER
        if quiet < SETTLE_AFTER:  # told something since the timer was set: the session is busy, not waiting
            self._settling = asyncio.get_running_loop().call_later(SETTLE_AFTER - quiet, self._settle_when_quiet)
        else:
            self._settle()

    def _settle(self) -> None:
        """Do what is pending, in order. What one of them raises (a step failure its details found, or a defect)
        stops the session, and `_settled` or `_stop` raises it."""
        if self._settling is not None:
            self._settling.cancel()
            self._settling = None
        try:
            while self._pending:
                call, args, self._now = self._pending.popleft()
                call(*args)
        except Exception as error:
            self._pending.clear()
            self._fault = error
            if self.session is not None:
                self.session.abort()

    def _settled(self) -> None:
        """Settle before the check reads what the pending calls set (the step under way, the capabilities)."""
        self._settle()
        if self._fault is not None:
            fault, self._fault = self._fault, None
            raise fault

    def _wire(self, data: bytes, sent: bool, encrypted: bool) -> None:
        """The transcript lines of a chunk, timed when it went or came."""
        (self.wire_lines.sent if sent else self.wire_lines.received)(data, encrypted, self._now + self._epoch)

    def _started(self, step: Step, encrypted: bool) -> None:
        self._began = self._now
        if step is Step.EHLO:
            self._ehlos += 1
            again = self._ehlos > 1
            title = (
                _('Introducing ourselves again over the encrypted connection') if again else _('Introducing ourselves')
            )
        elif step is Step.TLS and self.security is Security.SSL:
            title = _('Starting SSL/TLS (encrypted from the first byte)')
        elif step is Step.TLS:
            title = _('Switching on encryption (STARTTLS)')
        elif step is Step.TOKEN:
            title = _('Getting a sign-in token from {provider}').format(provider=oauth_provider(self.settings).name)
        else:
            title = _(_STARTING[step]) if step in _STARTING else step_title(step)
        scope = self.scope = self.probe.begin(step, title, at=self._now)
        if step is Step.TLS:
            ssl_first = self.security is Security.SSL
            scope.details[N_('Mode')] = (
                _('SSL/TLS from the start (implicit TLS)')
                if ssl_first
                else _('STARTTLS (plain connection upgraded to TLS)')
            )
        elif step is Step.TOKEN:
            provider = oauth_provider(self.settings)
            scope.details[N_('Provider')] = _(PROVIDER_LABELS.get(provider.key, provider.name))
            scope.details[N_('Token address')] = provider.token_url
        elif step is Step.AUTH:
            offered = self.capabilities.auth_mechanisms
            scope.details[N_('Offered')] = ' '.join(offered) or _('nothing')
            if self.settings.uses_oauth:
                scope.details[N_('Method used')] = 'XOAUTH2'
            elif mechanism := choose_mechanism(offered, encrypted=encrypted):
                scope.details[N_('Method used')] = mechanism
            scope.details[N_('Username')] = self.settings.username
        elif step is Step.MAIL and self.message is not None:
            size, limit = len(self.message.as_bytes()), self.capabilities.size_limit
            scope.details[N_('Sender')] = self.outgoing.sender_address
            scope.details[N_('Test message size')] = _bytes(size)
            if limit:
                scope.details[N_('Size limit')] = f'{_bytes(limit)} ({_megabytes(limit)})'
        elif step is Step.RCPT:
            scope.details[N_('Recipient')] = self.recipient

    def _replied(self, step: Step, reply: SMTPResponse) -> None:
        scope = self.scope
        if self.stopped or scope is None or scope.step is not step:
            return
        one_line = f'{reply.code} {" ".join(reply.message.splitlines())}'.strip()
        if step is Step.GREETING:
            scope.details[N_('Banner')] = one_line
            scope.details[N_('Delay')] = f'{(self._now - self._began) * 1000:.0f} ms'
        elif step is Step.DATA:
            scope.details[N_('Final reply')] = one_line
            if queue_id := find_queue_id(reply.message):
                scope.details[N_('Queue id')] = queue_id
        elif step is Step.QUIT:
            scope.details[N_('Reply')] = one_line

    def _finish(self, step: Step, *facts: Any) -> None:
        """The step is done: its details (`facts`: what `done` read from the connection), then its event."""
        scope = self.scope
        if self.stopped or scope is None:
            return
        describe: Callable[..., None] | None = getattr(self, f'_{step.value}_done', None)
        if describe is not None:
            describe(scope, *facts)
        self.scope = None
        self.probe.end(scope, at=self._now)
        if step is Step.EHLO and self._ehlos == 1 and self.security is Security.NONE:
            self.probe.skipped(
                Step.TLS,
                _('No encryption: you chose security None. The server offers STARTTLS: choose it.')
                if self.capabilities.has('STARTTLS')
                else _('No encryption: you chose security None.'),
            )

    # What each step shows when it is done.

    def _tls_done(self, scope: StepScope, ssl_object: ssl.SSLObject | None) -> None:
        if ssl_object is None:
            raise step_failure(Step.TLS, Cause.TLS_HANDSHAKE_FAILED, _('There is no TLS session after the handshake.'))
        describe_tls(scope, ssl_object, host=self.host, verify=self.verify, seconds=self._now - self._began)

    def _greeting_done(self, scope: StepScope) -> None:
        self._end_silence_probe()
        scope.ok(_('The server said hello: {banner}').format(banner=scope.details.get(N_('Banner'), '')[:80]))

    def _ehlo_done(self, scope: StepScope, reply: SMTPResponse | None, name: str, encrypted: bool) -> None:
        before, self.capabilities = self.capabilities, Capabilities.parse(reply)
        scope.details[N_('EHLO name used')] = name
        scope.details.update(
            self.capabilities.details(encrypted=encrypted, starttls_expected=self.security is Security.STARTTLS)
        )
        if self._ehlos > 1:
            changes = scope.details[N_('Changed after TLS')] = _changes(before, self.capabilities)
            scope.ok(_('Again over the encrypted connection: {changes}.').format(changes=changes))
        else:
            offered = ', '.join(k for k in ('STARTTLS', 'AUTH', 'SIZE') if self.capabilities.has(k))
            server = self.capabilities.server_name or _('The server')
            if offered:
                scope.ok(_('{server} offers {keywords}.').format(server=server, keywords=offered))
            else:
                scope.ok(_('{server} offers nothing.').format(server=server))

    def _token_done(self, scope: StepScope) -> None:
        """The token's facts: refreshed or kept, time left, scopes, audience, and whose it is."""
        fresh = self.session.token if self.session else None
        if fresh is None:
            return
        token = fresh.token
        self.t.hide(token.access_token)
        self.t.info(
            _('Access token refreshed now.') if fresh.refreshed else _('Access token kept from earlier, still valid.'),
            at=self._now + self._epoch,
        )
        claims = token_claims(token.access_token)
        scope.details[N_('Access token')] = (
            _('refreshed now') if fresh.refreshed else _('still valid (kept from earlier)')
        )
        scope.details[N_('Expires in')] = _('{minutes} min').format(minutes=token.expires_in(time.time()) // 60)
        scope.details[N_('Scopes granted')] = token.scope or str(claims.get('scp', '')) or _('not stated')
        if audience := claims.get('aud'):
            scope.details[N_('Audience')] = str(audience)
        scope.details[N_('Account')] = token.account or _('not stated by the provider')
        user = self.settings.username
        if token.account and token.account.lower() != user.lower():
            scope.warn(
                _(
                    'The token is for {account}, the Username is {user}: this works only if {account} may send as '
                    '{user} (a shared mailbox); otherwise sign in as {user}.'
                ).format(account=token.account, user=user)
            )
        else:
            scope.ok(_('Signed in as {account}; the token is valid.').format(account=token.account or user))

    def _auth_done(self, scope: StepScope, encrypted: bool) -> None:
        if self.settings.uses_oauth:
            scope.ok(_('Signed in as {username} with the token.').format(username=self.settings.username))
        elif not encrypted:
            scope.warn(_('Signed in, but your password crossed the network unencrypted.'))
        else:
            scope.ok(_('Signed in as {username}.').format(username=self.settings.username))

    def _mail_done(self, scope: StepScope) -> None:
        scope.ok(_('Sender {address} accepted.').format(address=self.outgoing.sender_address))

    def _rcpt_done(self, scope: StepScope) -> None:
        scope.ok(_('Recipient {address} accepted.').format(address=self.recipient))

    def _data_done(self, scope: StepScope) -> None:
        self.probe.sent = True
        if queue_id := scope.details.get(N_('Queue id'), ''):
            scope.ok(_('The server accepted the test message (queue id {queue_id}).').format(queue_id=queue_id))
        else:
            scope.ok(_('The server accepted the test message.'))

    def _quit_done(self, scope: StepScope) -> None:
        scope.ok(_('Goodbye.'))

    # Failures, in the words of the step where they happened.

    async def _stop(self, error: TransportError | StepFailure) -> None:
        """The step under way failed; a failure found while writing up a step (`_settle`) is the one that counts."""
        try:
            self._settled()
        except StepFailure as found:
            error = found
        self._end_silence_probe()
        scope = self.scope or self.probe.begin(error.failure.step, step_title(error.failure.step))
        self.scope = None
        if isinstance(error, TransportError):
            error = await self._step_failure(scope, error)
        self.stopped = True
        self.probe.fail(scope, error)

    async def _step_failure(self, scope: StepScope, error: TransportError) -> StepFailure:
        failure, code, exc = error.failure, error.reply_code, error.__cause__
        if getattr(exc, 'code', None) == -1:  # aiosmtplib's mark for a line that is no SMTP reply at all
            said = str(getattr(exc, 'message', '')).removeprefix('Malformed SMTP response line: ')[:80].strip()
            return StepFailure(failure, _('The server answered something that is not SMTP: {said}').format(said=said))
        probe_now = failure.cause is Cause.NO_GREETING and self.security is not Security.SSL and not self._probed
        if probe_now and await self._speaks_tls():
            return self._tls_first_failure()
        if scope.step is Step.TLS and code is None and exc is not None:
            return await handshake_failure(scope, exc, host=self.host, refetch=self._refetch, cause=failure.cause)
        if scope.step is Step.RCPT and code is not None:
            return self._rcpt_failure(error)
        if code is not None:
            if scope.step in _REFUSED:
                return StepFailure(failure, _(_REFUSED[scope.step]).format(code=code))
            refused = _('The server refused the sender {address} ({code}).')
            return StepFailure(failure, refused.format(address=self.outgoing.sender_address, code=code))
        if exc is None:  # one of the transport's own checks, already in plain words
            return StepFailure(failure, error.detail)
        if isinstance(exc, TimeoutError) or failure.cause in (Cause.TIMEOUT, Cause.NO_GREETING):
            return StepFailure(failure, no_answer(scope.step))
        return StepFailure(failure, describe_error(exc))

    def _rcpt_failure(self, error: TransportError) -> StepFailure:
        """A refusal at RCPT in the words of what it was about: the sender, the relaying, or the recipient."""
        failure, code, recipient = error.failure, error.reply_code, self.recipient
        if failure.step is Step.MAIL:
            return StepFailure(
                failure,
                _('The server refused the sender {address} once it was given a recipient ({code}).').format(
                    address=self.settings.sender_address, code=code
                ),
                instead=_(
                    'Not reached: the server refused the sender, so it said nothing about {recipient} itself.'
                ).format(recipient=recipient),
            )
        domain = recipient.rpartition('@')[2].rstrip('>')
        messages = {
            Cause.RELAY_DENIED: N_('The server will not pass mail for {domain} on from this account ({code}).'),
            Cause.SIGN_IN_REQUIRED: N_('The server passes mail for {domain} on only after a sign-in ({code}).'),
        }
        refused = N_('The server refused the recipient {recipient} ({code}).')
        message = _(messages.get(failure.cause, refused)).format(domain=domain, recipient=recipient, code=code)
        return StepFailure(failure, message)

    def _tls_first_failure(self) -> StepFailure:
        return step_failure(
            Step.GREETING,
            Cause.TLS_MODE_MISMATCH,
            _(
                'No greeting, but port {port} answered a TLS handshake: it expects SSL/TLS from the start. Set '
                'Connection security to SSL/TLS.'
            ).format(port=self.port),
            change=SettingsChange('security', 'ssl', _('Switch to SSL/TLS')),
        )

    async def _probe_after_silence(self, session_task: asyncio.Task[object] | None) -> None:
        """On ports other than 25 and 587, a greeting that keeps silent for a moment may mean the port expects SSL/TLS
        from the first byte: a second connection finds out while the greeting is still awaited."""
        await asyncio.sleep(self.probe.timeouts.tls_first)
        if await self._speaks_tls() and session_task is not None:
            self._speaks_tls_first = True
            session_task.cancel()

    def _end_silence_probe(self) -> None:
        if self._silence is not None:
            self._silence.cancel()
            self._silence = None

    def _let_go(self) -> None:
        """The session (whose observer is this check) and the cancelled probe task (whose traceback holds it) would
        each make a reference cycle, and the whole run (events, transcript, message) would wait for the garbage
        collector: letting go of them when the session is over frees it at once."""
        self._end_silence_probe()
        self.session = None

    async def _speaks_tls(self) -> bool:
        """A second connection that tries a TLS handshake: did the silent port expect SSL/TLS from the start?"""
        self.t.info(_('No greeting: trying a TLS handshake on the same port.'))
        try:
            timeout = self.probe.budget(self.probe.timeouts.tls_probe)
            async with asyncio.timeout(timeout):
                _reader, writer = await asyncio.open_connection(
                    self.address, self.port, ssl=smtp_context(verify=False), server_hostname=self._sni()
                )
        except (OSError, TimeoutError, ssl.SSLError, StepFailure):
            self._probed = True
            self.t.info(_('The TLS handshake failed too.'))
            return False
        writer.close()
        self._probed = True
        self.t.info(_('The port answered a TLS handshake.'))
        return True

    async def _refetch(self) -> bytes | None:
        """The certificate, fetched over a second connection without verification, to show what failed."""
        self.t.info(_('Second connection without verification, only to show the certificate.'))
        context = smtp_context(verify=False)
        timeout = self.probe.budget(self.probe.timeouts.tls)
        async with asyncio.timeout(timeout):
            if self.security is Security.SSL:
                _reader, writer = await asyncio.open_connection(
                    self.address, self.port, ssl=context, server_hostname=self._sni()
                )
            else:
                smtp = SMTP(hostname=self.address, port=self.port, timeout=timeout, start_tls=False)
                try:
                    await smtp.connect(local_hostname=ehlo_name(await local_fqdn(), None))
                    await smtp.ehlo()
                    await smtp.starttls(tls_context=context, server_hostname=self._sni())
                    ssl_object = smtp.get_transport_info('ssl_object')
                    return ssl_object.getpeercert(binary_form=True) if ssl_object else None
                finally:
                    smtp.close()
        try:
            ssl_object = writer.get_extra_info('ssl_object')
            return ssl_object.getpeercert(binary_form=True) if ssl_object else None
        finally:
            writer.close()

    def _client(self) -> SMTP:
        if self.session is None or self.session.client is None:
            raise step_failure(Step.CONNECT, Cause.SERVER_DISCONNECTED, _('The server closed the connection.'))
        return self.session.client

    def _encrypted(self) -> bool:
        client = self.session.client if self.session else None
        return client is not None and client.is_connected and client.get_transport_info('ssl_object') is not None

    def _sni(self) -> str | None:
        return None if is_ip(self.host) else self.host


def _changes(before: Capabilities, after: Capabilities) -> str:
    added = [k for k in after.keywords if k not in before.keywords]
    removed = [k for k in before.keywords if k not in after.keywords]
    changed = [k for k in after.keywords if k in before.keywords and after.keywords[k] != before.keywords[k]]
    parts = [_('now offered: {keywords}').format(keywords=' '.join(added))] if added else []
    parts += [_('no longer listed: {keywords}').format(keywords=' '.join(removed))] if removed else []
    listed = ', '.join(f'{k} {after.keywords[k]}' for k in changed)
    parts += [_('changed: {keywords}').format(keywords=listed)] if changed else []
    return '; '.join(parts) or _('nothing')


def _show(address: str) -> str:
    return f'[{address}]' if ':' in address else address
