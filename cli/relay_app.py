"""The relay's HTTP server side: a Starlette app that reads Manager's form posts and answers them.

The rules (rate limits, tokens, size limits, the relay's own From, delivery) live in core/relay/service.py; this
module reads the request within its size and time limits, parses the form, and turns the outcome into a response.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from typing import Any

from python_multipart.exceptions import MultipartParseError
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message

from core.http_wire import RELAY_REPLY_TYPE, WireMessage, parse_wire
from core.i18n import DEFAULT_LANGUAGE, using_language
from core.message import Attachment, MessageError
from core.relay.config import RelayConfig
from core.relay.service import LOG, Outcome, Rejected, Relay
from core.transport import Transport
from core.transport.smtp import SmtpTransport

FORM_TYPES = ('multipart/form-data', 'application/x-www-form-urlencoded')
MULTIPART_OVERHEAD = 256_000  # boundaries and part headers on top of the content limit
MAX_FIELDS = 50


class RelayEndpoints:
    """The routes of one relay: POST / takes a message, GET /status answers for health checks."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self.config = relay.config

    async def post(self, request: Request) -> Response:
        outcome = Outcome(client=request.client.host if request.client else '-')
        try:
            await self.relay.admit(outcome, request.headers.get('authorization', ''))
            reply = await self.relay.accept(await self._parse(request), outcome)
            response = Response(reply.to_json(), media_type=RELAY_REPLY_TYPE)
        except Rejected as rejection:
            response = PlainTextResponse(rejection.text, status_code=rejection.status, headers=rejection.headers)
        LOG.info(outcome.line(response.status_code))
        return response

    async def _parse(self, request: Request) -> WireMessage:
        content_type = request.headers.get('content-type', '').split(';')[0].strip().lower()
        if content_type not in FORM_TYPES:
            raise Rejected(415, 'Send the message as multipart/form-data or application/x-www-form-urlencoded.')
        limit = self.config.limits.max_message_bytes
        cap = limit + MULTIPART_OVERHEAD
        declared = request.headers.get('content-length', '')
        if declared.isdigit() and int(declared) > cap:
            raise Rejected(413, f'The message is too large: {declared} bytes, at most {limit} bytes.')
        try:
            async with asyncio.timeout(self.config.body_timeout):
                body = await _read_capped(request, cap)
        except TimeoutError:
            seconds = f'{self.config.body_timeout:g}'
            raise Rejected(408, f'The message did not arrive within {seconds} seconds; send it again.') from None
        if body is None:
            raise Rejected(413, f'The message is too large: at most {limit} bytes.')
        try:
            form = await Request(request.scope, _replay(body)).form(
                max_files=self.config.limits.max_attachments, max_fields=MAX_FIELDS, max_part_size=cap
            )
        except (HTTPException, MultiPartException, MultipartParseError, ValueError, KeyError) as error:
            text = getattr(error, 'detail', None) or getattr(error, 'message', None) or str(error)
            if 'files' in str(text).lower():
                raise Rejected(400, f'Too many attachments: at most {self.config.limits.max_attachments}.') from None
            first = str(text).splitlines()[0] if str(text).strip() else type(error).__name__
            raise Rejected(400, f'Malformed form data: {first.split(".")[0]}.') from None
        fields: dict[str, list[str]] = {}
        files: list[Attachment] = []
        try:
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    data = await value.read()
                    files.append(Attachment(value.filename or 'attachment', value.content_type or '', data))
                else:
                    fields.setdefault(name, []).append(value)
        finally:
            await form.close()  # uploads are spooled to temporary files
        try:
            with using_language(DEFAULT_LANGUAGE):  # the relay's API answers in English, whatever the server's LANG
                return parse_wire(fields, [_with_type(a) for a in files])
        except MessageError as error:
            raise Rejected(400, f'Field {error.field}: {error.said.english()}') from None

    async def status(self, request: Request) -> Response:
        return JSONResponse(
            {'status': 'ok', 'service': 'mailroom-relay', 'auth_required': bool(self.config.tokens)}
            | {'limits': asdict(self.config.limits)}
        )

    async def index(self, request: Request) -> Response:
        return PlainTextResponse("Mailroom Relay: POST messages in Manager's format here; GET /status for health.")


def _with_type(attachment: Attachment) -> Attachment:
    return attachment if attachment.content_type else attachment._replace(content_type='application/octet-stream')


async def _read_capped(request: Request, cap: int) -> bytes | None:
    """The body, or None as soon as it passes `cap`: a huge upload is cut off, not buffered."""
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > cap:
            return None
        chunks.append(chunk)
    return b''.join(chunks)


def _replay(body: bytes) -> Callable[[], Awaitable[Message]]:
    async def receive() -> Message:
        return {'type': 'http.request', 'body': body, 'more_body': False}

    return receive


def build_app(config: RelayConfig, *, transport: Transport | None = None, **relay_options: Any) -> Starlette:
    """The ASGI app; `transport` defaults to SMTP delivery to the configured upstream."""
    relay = Relay(config, transport or SmtpTransport(config.upstream, timeout=config.upstream_timeout), **relay_options)
    endpoints = RelayEndpoints(relay)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await relay.pool.aclose()

    return Starlette(
        lifespan=lifespan,
        routes=[
            Route('/', endpoints.post, methods=['POST']),
            Route('/', endpoints.index, methods=['GET', 'HEAD']),
            Route('/status', endpoints.status, methods=['GET', 'HEAD']),
        ],
    )
