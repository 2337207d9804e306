"""The HTTP protocol's steps: dns, connect, tls (https) and one request in Manager's wire format."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import replace
from urllib.parse import urlsplit

import httpx

from core.causes import Cause, Step
from core.diagnostics.net import open_connection, resolve
from core.diagnostics.probe import Probe, StepFailure, step_failure
from core.diagnostics.tls_check import tls_handshake
from core.diagnostics.transcript import Transcript
from core.http_wire import wire_fields
from core.i18n import N_, _
from core.message import OutgoingMessage
from core.settings import EmailSettings
from core.transport.base import TransportError
from core.transport.http import HttpTransport
from core.transport.tls import smtp_context

BODY_SHOWN = 300


class HttpCheck:
    def __init__(self, probe: Probe, settings: EmailSettings, message: OutgoingMessage) -> None:
        self.probe = probe
        self.settings = settings
        self.message = message
        self.url = settings.http_server
        parts = urlsplit(self.url)
        self.https = parts.scheme == 'https'
        self.host = parts.hostname or ''
        self.port = parts.port or (443 if self.https else 80)
        self.verify = not settings.skip_tls_verify

    async def run(self, *, send: bool) -> None:
        addresses = await resolve(self.probe, self.host, self.port)
        async with self.probe.step(Step.CONNECT, _('Connecting to port {port}').format(port=self.port)) as scope:
            _reader, writer, address = await open_connection(self.probe, scope, addresses, self.port)
            scope.ok(_('Connected to {address} port {port}.').format(address=address, port=self.port))
        try:
            if self.https:
                await self.tls(writer, address)
            else:
                self.probe.skipped(Step.TLS, _('http:// address: the connection is not encrypted.'))
        finally:
            writer.close()
        if send:
            await self.post()
        else:
            self.probe.skipped(Step.HTTP, _('Nothing sent (check without sending).'))

    async def tls(self, writer: asyncio.StreamWriter, address: str) -> None:
        async with self.probe.step(Step.TLS, _('Starting HTTPS encryption')) as scope:
            scope.details[N_('Mode')] = 'HTTPS'
            timeout = self.probe.budget(self.probe.timeouts.tls)

            async def handshake(context: ssl.SSLContext) -> ssl.SSLObject:
                await writer.start_tls(context, server_hostname=self.host, ssl_handshake_timeout=timeout)
                ssl_object = writer.get_extra_info('ssl_object')
                if ssl_object is None:
                    raise ssl.SSLError('no TLS session after the handshake')
                return ssl_object

            async def refetch() -> bytes | None:
                context = smtp_context(verify=False)
                async with asyncio.timeout(timeout):
                    _reader, second = await asyncio.open_connection(
                        address, self.port, ssl=context, server_hostname=self.host
                    )
                try:
                    ssl_object = second.get_extra_info('ssl_object')
                    return ssl_object.getpeercert(binary_form=True) if ssl_object else None
                finally:
                    second.close()

            await tls_handshake(scope, host=self.host, verify=self.verify, handshake=handshake, refetch=refetch)

    async def post(self) -> None:
        async with self.probe.step(Step.HTTP, _('Sending the test email over HTTP')) as scope:
            transport = HttpTransport(self.settings, timeout=self.probe.budget(self.probe.timeouts.data))
            watch = _Watch(self.probe.transcript, scope.details, self.message, encrypted=self.https)
            try:
                async with transport.session(watch) as session:  # the client and request that send, watched
                    receipt = await session.send(self.message)
            except TransportError as error:
                if error.reply_code is not None:
                    message = _('The service answered {code}.').format(code=error.reply_code)
                elif error.detail.endswith('.'):
                    message = error.detail
                else:
                    message = _('The request failed: {reason}.').format(reason=error.detail)
                raise StepFailure(replace(error.failure, reply=error.server_reply), message) from None
            if receipt.refused:
                address, reply = next(iter(receipt.refused.items()))
                message = _('The service did not accept {address}.').format(address=address)
                raise step_failure(Step.HTTP, Cause.RECIPIENT_REJECTED, message, reply=reply)
            self.probe.sent = True
            scope.ok(_('The service accepted the test email ({reply}).').format(reply=receipt.server_reply))


class _Watch:
    """The transcript lines and details of one POST, from the sending client's own request and response."""

    def __init__(
        self, transcript: Transcript, details: dict[str, str], message: OutgoingMessage, *, encrypted: bool
    ) -> None:
        self.transcript = transcript
        self.details = details
        self.message = message
        self.encrypted = encrypted

    async def request(self, request: httpx.Request) -> None:
        kind = request.headers.get('content-type', '').partition(';')[0]
        self.transcript.sent(f'{request.method} {request.url} ({kind})', encrypted=self.encrypted)
        for name, value in wire_fields(self.message).items():
            shown = value if name != 'body' else f'[{len(value)} characters of HTML]'
            self.transcript.sent(f'  {name} = {shown}', encrypted=self.encrypted)

    async def response(self, response: httpx.Response) -> None:
        await response.aread()
        version = response.http_version.removeprefix('HTTP/')
        self.transcript.received(
            f'HTTP/{version} {response.status_code} {response.reason_phrase}', encrypted=self.encrypted
        )
        self.details[N_('Status')] = f'{response.status_code} {response.reason_phrase}'
        if body := ' '.join(response.text.split()):
            self.transcript.received(body[:BODY_SHOWN], encrypted=self.encrypted)
            self.details[N_('Response')] = body[:BODY_SHOWN]
        if location := response.headers.get('location'):
            self.details[N_('Moved to')] = location
