"""A tiny HTTP/1.1 server on 127.0.0.1 (plain or TLS) that records each form post and answers as told."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser

from tests.support.smtp_servers import ServerInfo, raw_server


@dataclass
class FormPost:
    path: str
    content_type: str
    fields: dict[str, str]


@dataclass
class HttpRecorder:
    posts: list[FormPost] = field(default_factory=list)


def parse_form(content_type: str, body: bytes) -> dict[str, str]:
    message = BytesParser(policy=policy.default).parsebytes(f'Content-Type: {content_type}\r\n\r\n'.encode() + body)
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param('name', header='content-disposition')
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            fields[name] = payload.decode() if isinstance(payload, bytes) else ''
    return fields


@contextlib.asynccontextmanager
async def http_server(
    status: int = 200, body: str = 'OK', *, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[ServerInfo, HttpRecorder]]:
    recorder = HttpRecorder()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b'\r\n\r\n')
        request_line, *header_lines = head.decode('latin-1').split('\r\n')
        headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(':') for h in header_lines if h)}
        data = await reader.readexactly(int(headers.get('content-length', '0')))
        content_type = headers.get('content-type', '')
        fields = parse_form(content_type, data) if content_type.startswith('multipart/') else {}
        recorder.posts.append(FormPost(request_line.split(' ')[1], content_type, fields))
        payload = body.encode()
        writer.write(
            f'HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {len(payload)}\r\n'
            'Connection: close\r\n\r\n'.encode()
            + payload
        )
        await writer.drain()

    async with raw_server(handle, ssl_context=ssl_context) as server:
        yield server, recorder
