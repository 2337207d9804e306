"""The HTTP protocol's steps: dns, connect, tls (https) and one request in Manager's wire format."""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

import httpx

from core.causes import classify_reply
from core.diagnostics.events import Step
from core.diagnostics.net import open_connection, resolve
from core.diagnostics.probe import Probe, StepFailure
from core.diagnostics.tls_check import tls_handshake
from core.http_wire import error_summary, wire_fields
from core.message import OutgoingMessage
from core.settings import EmailSettings
from core.transport.http import http_error
from core.transport.tls import https_context, smtp_context

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
        async with self.probe.step(Step.CONNECT, f'Connecting to port {self.port}') as scope:
            _, writer, address = await open_connection(self.probe, scope, addresses, self.port)
            scope.ok(f'Connected to {address} port {self.port}.')
        try:
            if self.https:
                await self.tls(writer, address)
            else:
                self.probe.skipped(Step.TLS, 'http:// address: the connection is not encrypted.')
        finally:
            writer.close()
        if send:
            await self.post()
        else:
            self.probe.skipped(Step.HTTP, 'Nothing sent (check without sending).')

    async def tls(self, writer: asyncio.StreamWriter, address: str) -> None:
        async with self.probe.step(Step.TLS, 'Starting HTTPS encryption') as scope:
            scope.details['Mode'] = 'HTTPS'
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
                    _, second = await asyncio.open_connection(
                        address, self.port, ssl=context, server_hostname=self.host
                    )
                try:
                    ssl_object = second.get_extra_info('ssl_object')
                    return ssl_object.getpeercert(binary_form=True) if ssl_object else None
                finally:
                    second.close()

            await tls_handshake(
                scope, host=self.host, verify=self.verify, handshake=handshake, refetch=refetch, http=True
            )

    async def post(self) -> None:
        async with self.probe.step(Step.HTTP, 'Sending the test email over HTTP') as scope:
            fields = wire_fields(self.message)
            t = self.probe.transcript
            t.sent(f'POST {self.url} (multipart/form-data)', encrypted=self.https)
            for name, value in fields.items():
                t.sent(
                    f'  {name} = {value if name != "body" else f"[{len(value)} characters of HTML]"}',
                    encrypted=self.https,
                )
            timeout = self.probe.budget(self.probe.timeouts.data)
            try:
                async with httpx.AsyncClient(
                    verify=https_context(self.verify), timeout=timeout, follow_redirects=False
                ) as client:
                    response = await client.post(
                        self.url,
                        files=[(name, (None, value.encode())) for name, value in fields.items()],
                        headers={'User-Agent': 'Mailroom settings test'}
                        | ({'Authorization': f'Bearer {self.settings.http_token}'} if self.settings.http_token else {}),
                    )
            except httpx.HTTPError as error:
                failure = http_error(error)  # the same cause as sending gets
                said = failure.detail if failure.detail.endswith('.') else f'The request failed: {failure.detail}.'
                raise StepFailure(failure.cause, said) from None
            status_line = (
                f'HTTP/{response.http_version.removeprefix("HTTP/")} {response.status_code} {response.reason_phrase}'
            )
            t.received(status_line, encrypted=self.https)
            body = ' '.join(response.text.split())
            if body:
                t.received(body[:BODY_SHOWN], encrypted=self.https)
            scope.details['Status'] = f'{response.status_code} {response.reason_phrase}'
            if body:
                scope.details['Response'] = body[:BODY_SHOWN]
            if not response.is_success:
                summary = error_summary(response.status_code, response.reason_phrase, response.text)
                cause = classify_reply(response.status_code, response.text, 'http')
                if location := response.headers.get('location'):
                    scope.details['Moved to'] = location
                raise StepFailure(cause, f'The service answered {response.status_code}.', reply=summary)
            self.probe.sent = True
            scope.ok(f'The service accepted the test email ({response.status_code} {response.reason_phrase}).')
