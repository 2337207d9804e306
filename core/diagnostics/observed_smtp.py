"""aiosmtplib's own client, watched: every line both ways goes to the transcript while the commands run unchanged.

The settings test speaks SMTP with this, so what it proves is what sending does; only the socket it starts from is
the test's own (it tries each address in turn and shows each attempt).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable
from dataclasses import dataclass

from aiosmtplib import SMTP, SMTPResponse, SMTPResponseException
from aiosmtplib.protocol import SMTPProtocol

from core.diagnostics.transcript import REDACTED, Transcript


class ProtocolError(Exception):
    """The server sent something that is not an SMTP reply."""


@dataclass(frozen=True)
class Reply:
    code: int
    lines: tuple[str, ...]

    @classmethod
    def of(cls, response: SMTPResponse | SMTPResponseException) -> Reply:
        if response.code < 0:  # aiosmtplib's mark for a line that is no SMTP reply at all
            raise ProtocolError(response.message.removeprefix('Malformed SMTP response line: ')[:80].strip())
        return cls(response.code, tuple(response.message.split('\n')))

    @property
    def text(self) -> str:
        return '\n'.join(self.lines)

    @property
    def one_line(self) -> str:
        return f'{self.code} {" ".join(self.lines)}'.strip()


class ObservedProtocol(SMTPProtocol):
    """Writes each line sent and received to the transcript; sign-in payloads are shown as hidden."""

    def __init__(self, transcript: Transcript, loop: asyncio.AbstractEventLoop, smtp: SMTP) -> None:
        super().__init__(loop=loop, connection_lost_callback=smtp._on_connection_lost)
        self.transcript = transcript
        self._incoming = bytearray()
        self._in_auth = False
        self._message_next = False

    @property
    def encrypted(self) -> bool:
        return self.transport is not None and self.transport.get_extra_info('ssl_object') is not None

    def data_received(self, data: bytes) -> None:
        self._incoming.extend(data)
        *lines, rest = self._incoming.split(b'\n')
        self._incoming = bytearray(rest)
        for raw in lines:
            line = raw.decode('utf-8', 'replace').rstrip('\r')
            self.transcript.received(line, encrypted=self.encrypted)
            self._in_auth = self._in_auth and line.startswith('334')
        super().data_received(data)

    def write(self, data: bytes) -> None:
        if self._message_next and data != b'DATA\r\n':
            self._message_next = False
            self._show_message(data)
        else:
            for line in data.decode('utf-8', 'replace').split('\r\n')[:-1]:
                self.transcript.sent(self._shown(line), encrypted=self.encrypted)
        super().write(data)

    async def execute_data_command(self, message: bytes, timeout: float | None = None) -> SMTPResponse:
        self._message_next = True
        try:
            return await super().execute_data_command(message, timeout)
        finally:
            self._message_next = False

    def _shown(self, line: str) -> str:
        if self._in_auth:
            return REDACTED
        words = line.split(' ')
        if words[0].upper() != 'AUTH':
            return line
        self._in_auth = True
        return ' '.join(words[:2]) + (f' {REDACTED}' if len(words) > 2 else '')

    def _show_message(self, data: bytes) -> None:
        """Only the headers go to the transcript."""
        head, _, _ = data.partition(b'\r\n\r\n')
        for header_line in head.decode('utf-8', 'replace').split('\r\n'):
            self.transcript.sent(header_line, encrypted=self.encrypted)
        self.transcript.sent(f'[message body: {len(data)} bytes in all]', encrypted=self.encrypted)
        self.transcript.sent('.', encrypted=self.encrypted)


class ObservedSMTP(SMTP):
    """aiosmtplib's SMTP client on a socket the test connected itself; the greeting is read as a step of its own."""

    def __init__(self, transcript: Transcript, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.transcript = transcript
        self.attached = False  # from then on the transport owns the socket and closes it

    @property
    def encrypted(self) -> bool:
        return isinstance(self.protocol, ObservedProtocol) and self.protocol.encrypted

    async def attach(
        self, sock: socket.socket, *, timeout: float, tls_context: ssl.SSLContext | None, server_hostname: str | None
    ) -> None:
        """Take over the connected socket, with TLS from the first byte when a context is given."""
        self.loop = asyncio.get_running_loop()
        protocol = ObservedProtocol(self.transcript, self.loop, self)
        connect = self.loop.create_connection(
            lambda: protocol,
            sock=sock,
            ssl=tls_context,
            server_hostname=(server_hostname or '') if tls_context else None,  # '': no SNI for an IP address
            ssl_handshake_timeout=timeout if tls_context else None,
        )
        transport, _ = await asyncio.wait_for(connect, timeout)
        self.protocol, self.transport, self.attached = protocol, transport, True

    async def greeting(self, timeout: float) -> Reply:
        if self.protocol is None:
            raise ConnectionResetError('the server closed the connection')
        return await reply_of(self.protocol.read_response(timeout=timeout))


async def reply_of(command: Awaitable[SMTPResponse]) -> Reply:
    """The server's reply to an aiosmtplib command, a refusal included (aiosmtplib raises those)."""
    try:
        response = await command
    except SMTPResponseException as refusal:
        return Reply.of(refusal)
    return Reply.of(response)
