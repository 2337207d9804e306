"""The SMTP steps, one method each, in the order a mail program goes through them."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass

from aiosmtplib import SMTP

from core import addresses
from core.causes import Cause, Step, classify_reply, failed_step
from core.diagnostics.events import SettingsChange
from core.diagnostics.net import open_socket, resolve
from core.diagnostics.observed_smtp import ObservedSMTP, Reply, reply_of
from core.diagnostics.probe import Probe, StepFailure
from core.diagnostics.tls_check import tls_handshake
from core.diagnostics.transcript import Transcript
from core.ehlo import ehlo_name, local_fqdn
from core.settings import EmailSettings, Security
from core.transport.smtp import choose_mechanism, find_queue_id, sign_in, size_refusal, starttls_missing
from core.transport.tls import smtp_context

# Ports where servers may hold their greeting back on purpose (Postfix's postscreen) and where a TLS handshake before
# the greeting looks like a spam robot: there a silent port is probed only when the greeting wait is over.
_GREETING_DELAY_PORTS = frozenset({25, 587})
USE_SSL = SettingsChange('security', 'ssl', 'Switch to SSL/TLS')


@dataclass(frozen=True)
class Capabilities:
    server_name: str
    keywords: dict[str, str]  # EHLO keyword -> its parameters

    @classmethod
    def parse(cls, reply: Reply) -> Capabilities:
        keywords: dict[str, str] = {}
        for line in reply.lines[1:]:
            word, _, params = line.strip().partition(' ')
            keywords[word.upper()] = params.strip()
        return cls(reply.lines[0].split(' ', 1)[0] if reply.lines else '', keywords)

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
            auth = 'not offered' + (
                ' yet (normal before encryption starts)' if not encrypted and starttls_expected else ''
            )
        return {
            'Server name': self.server_name,
            'Size limit': f'{size / 1_048_576:.1f} MB' if size else 'not announced',
            'STARTTLS': 'offered' if self.has('STARTTLS') else 'not offered',
            'Sign-in methods (AUTH)': auth,
            '8BITMIME': _yes(self.has('8BITMIME')),
            'SMTPUTF8': _yes(self.has('SMTPUTF8')),
            'PIPELINING': _yes(self.has('PIPELINING')),
        }


def _yes(flag: bool) -> str:
    return 'yes' if flag else 'no'


class SmtpCheck:
    """One SMTP session of the settings test; each public coroutine is one step."""

    def __init__(self, probe: Probe, settings: EmailSettings, message: bytes, recipient: str) -> None:
        self.probe = probe
        self.settings = settings
        self.message = message
        self.local_name: asyncio.Task[str] | None = None
        self.recipient = recipient
        self.envelope_recipient = addresses.parse(recipient).envelope  # checked with the test message before
        self.host = settings.host.strip('[]')
        self.port = settings.port
        self.security = settings.effective_security
        self.verify = not settings.skip_tls_verify
        self.smtp = ObservedSMTP(probe.transcript, hostname=self.host, port=self.port)
        self.sock: socket.socket | None = None
        self.address = ''
        self.capabilities = Capabilities('', {})
        self.signed_in = False
        self.encoding = 'ascii'

    @property
    def t(self) -> Transcript:
        return self.probe.transcript

    def _wire(self) -> ObservedSMTP:
        if not self.smtp.is_connected:
            raise StepFailure(Cause.SERVER_DISCONNECTED, 'The server closed the connection.')
        return self.smtp

    async def run(self, *, send: bool) -> None:
        # The FQDN takes a reverse DNS lookup that blocks: it runs in a thread while the first steps wait.
        self.local_name = fqdn = asyncio.create_task(local_fqdn())
        try:
            addresses = await resolve(self.probe, self.host, self.port)
            await self.connect(addresses)
            if self.security is Security.SSL:
                await self.implicit_tls()
            await self.greeting()
            await self.ehlo()
            if self.security is Security.STARTTLS:
                await self.starttls()
                await self.ehlo(again=True)
            elif self.security is Security.NONE:
                offered = ' The server offers STARTTLS: choose it.' if self.capabilities.has('STARTTLS') else ''
                self.probe.skipped(Step.TLS, f'No encryption: you chose security None.{offered}')
            await self.auth()
            await self.mail()
            await self.rcpt()
            if send:
                await self.data()
            else:
                await self.reset()
            await self.quit()
        finally:
            fqdn.cancel()
            if not self.smtp.attached and self.sock is not None:
                self.sock.close()  # never handed over (a failed TLS handshake): no transport will close it
            self.smtp.close()

    async def connect(self, addresses: list[str]) -> None:
        async with self.probe.step(Step.CONNECT, f'Connecting to port {self.port}') as scope:
            self.sock, self.address = await open_socket(self.probe, scope, addresses, self.port)
            if self.security is not Security.SSL:
                timeout = self.probe.budget(self.probe.timeouts.connect)
                await self.smtp.attach(self.sock, timeout=timeout, tls_context=None, server_hostname=None)
            scope.ok(f'Connected to {_show(self.address)} port {self.port}.')

    async def implicit_tls(self) -> None:
        async with self.probe.step(Step.TLS, 'Starting SSL/TLS (encrypted from the first byte)') as scope:
            scope.details['Mode'] = 'SSL/TLS from the start (implicit TLS)'
            sock = self.sock
            if sock is None:
                raise StepFailure(Cause.SERVER_DISCONNECTED, 'There is no connection.')

            async def handshake(context: ssl.SSLContext) -> ssl.SSLObject:
                timeout = self.probe.budget(self.probe.timeouts.tls)
                await self.smtp.attach(sock, timeout=timeout, tls_context=context, server_hostname=self._sni())
                return _ssl_object(self.smtp)

            await tls_handshake(scope, host=self.host, verify=self.verify, handshake=handshake, refetch=self._refetch)

    async def greeting(self) -> None:
        async with self.probe.step(Step.GREETING, 'Waiting for the server to say hello') as scope:
            wire = self._wire()
            began = time.perf_counter()
            reply = await self._read_greeting(wire)
            scope.details['Banner'] = reply.one_line
            scope.details['Delay'] = f'{(time.perf_counter() - began) * 1000:.0f} ms'
            if reply.code != 220:
                cause = classify_reply(reply.code, reply.text, 'greeting')
                raise StepFailure(cause, f'The server greeted with a refusal ({reply.code}).', reply=reply.one_line)
            scope.ok(f'The server said hello: {reply.one_line[:80]}')

    async def _read_greeting(self, wire: ObservedSMTP) -> Reply:
        """The greeting; a port that stays silent may expect SSL/TLS from the first byte, which a second connection
        finds out. On other ports than 25 and 587 that second connection starts after a short silence, while the
        greeting is still awaited, so that a port speaking TLS first is found within seconds."""
        read = asyncio.ensure_future(wire.greeting(self.probe.budget(self.probe.timeouts.greeting)))
        probed = False
        try:
            if not wire.encrypted and self.port not in _GREETING_DELAY_PORTS:
                done, _ = await asyncio.wait({read}, timeout=self.probe.timeouts.tls_first)
                probed = not done
                if probed and await self._speaks_tls():
                    raise self._speaks_tls_first()
            return await read
        except TimeoutError:
            if not probed and not wire.encrypted and await self._speaks_tls():
                raise self._speaks_tls_first() from None
            raise
        finally:
            if not read.done():
                read.cancel()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError, OSError, EOFError):
                    await read

    def _speaks_tls_first(self) -> StepFailure:
        return StepFailure(
            Cause.TLS_MODE_MISMATCH,
            f'No greeting, but port {self.port} answered a TLS handshake: it expects SSL/TLS from the start. Set '
            'Connection security to SSL/TLS.',
            change=USE_SSL,
        )

    async def ehlo(self, *, again: bool = False) -> None:
        title = 'Introducing ourselves again over the encrypted connection' if again else 'Introducing ourselves'
        async with self.probe.step(Step.EHLO, title) as scope:
            wire = self._wire()
            name = await self._ehlo_name(wire)
            scope.details['EHLO name used'] = name
            reply = await reply_of(wire.ehlo(hostname=name, timeout=self.probe.budget(self.probe.timeouts.command)))
            if reply.code != 250:
                cause = classify_reply(reply.code, reply.text, 'ehlo')
                raise StepFailure(cause, f'The server refused EHLO ({reply.code}).', reply=reply.one_line)
            before, self.capabilities = self.capabilities, Capabilities.parse(reply)
            scope.details.update(
                self.capabilities.details(
                    encrypted=wire.encrypted, starttls_expected=self.security is Security.STARTTLS
                )
            )
            if again:
                changes = scope.details['Changed after TLS'] = _changes(before, self.capabilities)
                scope.ok(f'Again over the encrypted connection: {changes}.')
            else:
                offered = ', '.join(k for k in ('STARTTLS', 'AUTH', 'SIZE') if self.capabilities.has(k)) or 'nothing'
                scope.ok(f'{self.capabilities.server_name or "The server"} offers {offered}.')

    async def starttls(self) -> None:
        async with self.probe.step(Step.TLS, 'Switching on encryption (STARTTLS)') as scope:
            wire = self._wire()
            scope.details['Mode'] = 'STARTTLS (plain connection upgraded to TLS)'
            if not self.capabilities.has('STARTTLS'):
                raise StepFailure(Cause.STARTTLS_UNAVAILABLE, starttls_missing(self.port).detail)

            async def handshake(context: ssl.SSLContext) -> ssl.SSLObject:
                timeout = self.probe.budget(self.probe.timeouts.command)
                reply = await reply_of(wire.starttls(tls_context=context, server_hostname=self._sni(), timeout=timeout))
                if reply.code != 220:
                    cause = classify_reply(reply.code, reply.text, 'tls')
                    raise StepFailure(cause, f'The server refused STARTTLS ({reply.code}).', reply=reply.one_line)
                return _ssl_object(wire)

            await tls_handshake(
                scope, host=self.host, verify=self.verify, handshake=handshake, refetch=self._refetch, starttls=True
            )

    async def auth(self) -> None:
        async with self.probe.step(Step.AUTH, 'Signing in') as scope:
            wire = self._wire()
            offered = self.capabilities.auth_mechanisms
            scope.details['Offered'] = ' '.join(offered) or 'nothing'
            mechanism = choose_mechanism(offered, encrypted=wire.encrypted)
            if mechanism is None:
                cause = Cause.AUTH_UNAVAILABLE
                raise StepFailure(
                    cause, 'The server offers no sign-in method Mailroom can use (PLAIN, LOGIN, CRAM-MD5).'
                )
            if not wire.encrypted and self.security is not Security.NONE:
                raise StepFailure(Cause.AUTH_REQUIRES_TLS, 'Refusing to send the password over a plain connection.')
            scope.details['Method used'] = mechanism
            scope.details['Username'] = self.settings.username
            user = self.settings.username
            reply = await reply_of(sign_in(wire, user, self.settings.password, encrypted=wire.encrypted))
            if reply.code != 235:
                cause = classify_reply(reply.code, reply.text, 'auth')
                raise StepFailure(cause, f'The server refused the sign-in ({reply.code}).', reply=reply.one_line)
            self.signed_in = True
            if not wire.encrypted:
                scope.warn('Signed in, but your password crossed the network unencrypted.')
            else:
                scope.ok(f'Signed in as {user}.')

    async def mail(self) -> None:
        async with self.probe.step(Step.MAIL, 'Giving the sender address') as scope:
            wire = self._wire()
            sender = addresses.parse(self.settings.sender_address).envelope
            size, limit = len(self.message), self.capabilities.size_limit
            scope.details['Sender'] = sender
            scope.details['Test message size'] = f'{size:,} bytes'
            if limit:
                scope.details['Size limit'] = f'{limit:,} bytes ({limit / 1_048_576:.1f} MB)'
            if refusal := size_refusal(size, self.capabilities.keywords.get('SIZE', '')):
                raise StepFailure(refusal.cause, refusal.detail)
            options = [f'SIZE={size}'] if limit else []
            international = [a for a in (sender, self.envelope_recipient) if not a.isascii()]
            if international and not self.capabilities.has('SMTPUTF8'):
                raise StepFailure(
                    Cause.SMTPUTF8_UNAVAILABLE,
                    f'The server does not offer SMTPUTF8, which {" and ".join(international)} needs.',
                )
            options += ['SMTPUTF8'] if international else []
            self.encoding = 'utf-8' if international else 'ascii'
            timeout = self.probe.budget(self.probe.timeouts.command)
            reply = await reply_of(wire.mail(sender, options=options, encoding=self.encoding, timeout=timeout))
            if reply.code != 250:
                cause = classify_reply(reply.code, reply.text, 'mail', signed_in=self.signed_in)
                raise StepFailure(
                    cause, f'The server refused the sender {sender} ({reply.code}).', reply=reply.one_line
                )
            scope.ok(f'Sender {sender} accepted.')

    async def rcpt(self) -> None:
        async with self.probe.step(Step.RCPT, 'Giving the recipient address') as scope:
            wire = self._wire()
            scope.details['Recipient'] = self.recipient
            timeout = self.probe.budget(self.probe.timeouts.command)
            reply = await reply_of(wire.rcpt(self.envelope_recipient, encoding=self.encoding, timeout=timeout))
            if reply.code not in (250, 251):
                cause = classify_reply(reply.code, reply.text, 'rcpt', signed_in=self.signed_in)
                raise self._rcpt_failure(cause, reply)
            scope.ok(f'Recipient {self.recipient} accepted.')

    def _rcpt_failure(self, cause: Cause, reply: Reply) -> StepFailure:
        """A refusal at RCPT in the words of what it was about: the sender, the relaying, or the recipient."""
        code, recipient = reply.code, self.recipient
        if failed_step(cause, Step.RCPT) == Step.MAIL:
            return StepFailure(
                cause,
                f'The server refused the sender {self.settings.sender_address} once it was given a recipient ({code}).',
                reply=reply.one_line,
                belongs_to=Step.MAIL,
                instead=f'Not reached: the server refused the sender, so it said nothing about {recipient} itself.',
            )
        domain = self.envelope_recipient.rpartition('@')[2]
        messages = {
            Cause.RELAY_DENIED: f'The server will not pass mail for {domain} on from this account ({code}).',
            Cause.SIGN_IN_REQUIRED: f'The server passes mail for {domain} on only after a sign-in ({code}).',
        }
        message = messages.get(cause, f'The server refused the recipient {recipient} ({code}).')
        return StepFailure(cause, message, reply=reply.one_line)

    async def data(self) -> None:
        async with self.probe.step(Step.DATA, 'Sending the test message') as scope:
            wire = self._wire()
            reply = await reply_of(wire.data(self.message, timeout=self.probe.budget(self.probe.timeouts.data)))
            scope.details['Final reply'] = reply.one_line
            if reply.code != 250:
                cause = classify_reply(reply.code, reply.text, 'data')
                raise StepFailure(cause, f'The server refused the message ({reply.code}).', reply=reply.one_line)
            self.probe.sent = True
            queue_id = find_queue_id(reply.text)
            if queue_id:
                scope.details['Queue id'] = queue_id
            scope.ok(f'The server accepted the test message{f" (queue id {queue_id})" if queue_id else ""}.')

    async def reset(self) -> None:
        async with self.probe.step(Step.DATA, 'Not sending (check without sending)') as scope:
            reply = await reply_of(self._wire().rset(timeout=self.probe.budget(self.probe.timeouts.command)))
            scope.details['RSET reply'] = reply.one_line
            scope.skip('Nothing sent: stopped after the recipient with RSET, as asked.')

    async def quit(self) -> None:
        async with self.probe.step(Step.QUIT, 'Saying goodbye') as scope:
            try:
                timeout = self.probe.budget(min(self.probe.timeouts.command, 5.0))
                reply = await reply_of(self._wire().quit(timeout=timeout))
            except (TimeoutError, OSError, EOFError):
                scope.warn('The server did not answer QUIT; this does not affect sending.')
                return
            scope.details['Reply'] = reply.one_line
            scope.ok('Goodbye.')

    async def _ehlo_name(self, wire: SMTP) -> str:
        """The FQDN looked up in the background; a lookup slower than a second is not worth waiting for."""
        fqdn, lookup = '', self.local_name
        if lookup is not None:
            with contextlib.suppress(TimeoutError, OSError):
                # Usually done by now: take the result without a wait_for round through the event loop.
                fqdn = lookup.result() if lookup.done() else await asyncio.wait_for(asyncio.shield(lookup), 1.0)
        sockname = wire.get_transport_info('sockname')
        return ehlo_name(fqdn, str(sockname[0]) if sockname else None)

    def _sni(self) -> str | None:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return self.host
        return None

    async def _speaks_tls(self) -> bool:
        """A second connection that tries a TLS handshake: did the silent port expect SSL/TLS from the start?"""
        self.t.info('No greeting: trying a TLS handshake on the same port.')
        context = smtp_context(verify=False)
        try:
            timeout = self.probe.budget(self.probe.timeouts.tls_probe)
            async with asyncio.timeout(timeout):
                _, writer = await asyncio.open_connection(
                    self.address, self.port, ssl=context, server_hostname=self._sni()
                )
        except (OSError, TimeoutError, ssl.SSLError, StepFailure):
            self.t.info('The TLS handshake failed too.')
            return False
        writer.close()
        self.t.info('The port answered a TLS handshake.')
        return True

    async def _refetch(self) -> bytes | None:
        """The certificate, fetched over a second connection without verification, to show what failed."""
        self.t.info('Second connection without verification, only to show the certificate.')
        context = smtp_context(verify=False)
        timeout = self.probe.budget(self.probe.timeouts.tls)
        async with asyncio.timeout(timeout):
            if self.security is Security.SSL:
                _, writer = await asyncio.open_connection(
                    self.address, self.port, ssl=context, server_hostname=self._sni()
                )
            else:
                smtp = SMTP(hostname=self.address, port=self.port, timeout=timeout, start_tls=False)
                try:
                    await smtp.connect()
                    await smtp.ehlo(hostname=await self._ehlo_name(smtp))
                    await smtp.starttls(tls_context=context, server_hostname=self._sni())
                    return _ssl_object(smtp).getpeercert(binary_form=True)
                finally:
                    smtp.close()
        try:
            ssl_object = writer.get_extra_info('ssl_object')
            return ssl_object.getpeercert(binary_form=True) if ssl_object else None
        finally:
            writer.close()


def _ssl_object(smtp: SMTP) -> ssl.SSLObject:
    ssl_object = smtp.get_transport_info('ssl_object')
    if ssl_object is None:
        raise ssl.SSLError('no TLS session after the handshake')
    return ssl_object


def _changes(before: Capabilities, after: Capabilities) -> str:
    added = [k for k in after.keywords if k not in before.keywords]
    removed = [k for k in before.keywords if k not in after.keywords]
    changed = [k for k in after.keywords if k in before.keywords and after.keywords[k] != before.keywords[k]]
    parts = [f'now offered: {" ".join(added)}'] if added else []
    parts += [f'no longer listed: {" ".join(removed)}'] if removed else []
    parts += [f'changed: {", ".join(f"{k} {after.keywords[k]}" for k in changed)}'] if changed else []
    return '; '.join(parts) or 'nothing'


def _show(address: str) -> str:
    return f'[{address}]' if ':' in address else address
