"""A minimal SMTP client over asyncio streams that writes every line to the transcript: the test sees each step."""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass

from core.diagnostics.transcript import Transcript

MAX_REPLY_LINES = 200


class ProtocolError(Exception):
    """The server sent something that is not an SMTP reply."""


@dataclass(frozen=True)
class Reply:
    code: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return '\n'.join(self.lines)

    @property
    def one_line(self) -> str:
        return f'{self.code} {" ".join(self.lines)}'.strip()

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 400


class SmtpWire:
    """One connection. Reads raise TimeoutError, ProtocolError, or ConnectionError when the server hangs up."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, transcript: Transcript) -> None:
        self.reader = reader
        self.writer = writer
        self.transcript = transcript

    @property
    def encrypted(self) -> bool:
        return self.writer.get_extra_info('ssl_object') is not None

    async def read_reply(self, timeout: float) -> Reply:
        async with asyncio.timeout(timeout):
            return await self._read_reply()

    async def _read_reply(self) -> Reply:
        code: int | None = None
        lines: list[str] = []
        while len(lines) < MAX_REPLY_LINES:
            raw = await self.reader.readline()
            if not raw:
                raise ConnectionResetError('the server closed the connection')
            line = raw.decode('utf-8', 'replace').rstrip('\r\n')
            self.transcript.received(line, encrypted=self.encrypted)
            if len(line) < 3 or not line[:3].isdigit() or (len(line) > 3 and line[3] not in ' -'):
                raise ProtocolError(f'not an SMTP reply: {line[:80]!r}')
            if code is not None and int(line[:3]) != code:
                raise ProtocolError('reply lines with different codes')
            code = int(line[:3])
            lines.append(line[4:])
            if len(line) == 3 or line[3] == ' ':
                return Reply(code, tuple(lines))
        raise ProtocolError('reply too long')

    async def send(self, line: str, *, shown: str | None = None) -> None:
        """Send one command; `shown` replaces it in the transcript (AUTH payloads)."""
        self.transcript.sent(line if shown is None else shown, encrypted=self.encrypted)
        self.writer.write(line.encode('utf-8') + b'\r\n')
        await self.writer.drain()

    async def command(self, line: str, timeout: float, *, shown: str | None = None) -> Reply:
        async with asyncio.timeout(timeout):
            await self.send(line, shown=shown)
            return await self._read_reply()

    async def send_data(self, message: bytes, timeout: float) -> Reply:
        """The message after 354, dot-stuffed, then the final reply. Only the headers go to the transcript."""
        head, _, _ = message.partition(b'\r\n\r\n')
        for header_line in head.decode('utf-8', 'replace').split('\r\n'):
            self.transcript.sent(header_line, encrypted=self.encrypted)
        self.transcript.sent(f'[message body: {len(message)} bytes in all]', encrypted=self.encrypted)
        self.transcript.sent('.', encrypted=self.encrypted)
        lines = message.split(b'\r\n')
        stuffed = b'\r\n'.join(b'.' + line if line.startswith(b'.') else line for line in lines)
        if not stuffed.endswith(b'\r\n'):
            stuffed += b'\r\n'
        async with asyncio.timeout(timeout):
            self.writer.write(stuffed + b'.\r\n')
            await self.writer.drain()
            return await self._read_reply()

    async def start_tls(self, context: ssl.SSLContext, server_hostname: str | None, timeout: float) -> None:
        await self.writer.start_tls(context, server_hostname=server_hostname, ssl_handshake_timeout=timeout)

    def close(self) -> None:
        """Start closing; the verdict does not wait for the server's side of the TLS shutdown."""
        self.writer.close()
