"""Manager-compatible HTTP delivery: one form POST per message, and the blind copy sent apart when unconfirmed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Protocol

import httpx

from core import addresses
from core.causes import Cause, classify_reply, classify_smtp_error
from core.delivery import Delivery, RecipientOutcome, address_key, refusal
from core.http_wire import RelayReply, error_summary, parse_relay_reply, wire_fields, wire_files
from core.i18n import _
from core.i18n.phrase import phrase
from core.message import MessageError, OutgoingMessage, validate_message
from core.settings import EmailSettings
from core.transport.base import Receipt, SessionTransport, TransportError, input_error
from core.transport.tls import https_context

STEP = 'http'


class Observer(Protocol):
    """Watches the one client that sends, request by request."""

    async def request(self, request: httpx.Request) -> None: ...

    async def response(self, response: httpx.Response) -> None: ...


def http_error(exc: httpx.HTTPError) -> TransportError:
    """Network-level failures keep the shared causes (DNS, refused, TLS, timeout), explained in HTTP's words; an
    answer that is not HTTP, or none, is the service failing."""
    if isinstance(exc, httpx.ConnectTimeout):
        return TransportError(STEP, Cause.CONNECTION_TIMEOUT, detail=phrase('The service did not answer in time.'))
    if isinstance(exc, httpx.TimeoutException):
        return TransportError(STEP, Cause.TIMEOUT, detail=phrase('The service stopped answering.'))
    cause = classify_smtp_error(exc, 'connect' if isinstance(exc, httpx.ConnectError) else STEP)
    cause = Cause.HTTP_FAILED if cause is Cause.SERVER_DISCONNECTED else cause
    return TransportError(STEP, cause, detail=type(exc).__name__)


def only_pending(message: OutgoingMessage) -> OutgoingMessage:
    """A retry to some recipients only: the form has no envelope, so the fields name just them (To filled first)."""
    if not message.deliver_to:
        return message
    wanted = {address_key(a) for a in message.deliver_to}
    to, cc, bcc = ([a for a in field if address_key(a) in wanted] for field in (message.to, message.cc, message.bcc))
    if not to:
        to, cc = cc, []
    if not to:
        to, bcc = bcc, []
    return replace(message, to=tuple(to), cc=tuple(cc), bcc=tuple(bcc), deliver_to=())


class HttpSession:
    """One HTTP client (kept-alive connections) for many messages."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self._client = client
        self._url = url

    async def send(self, message: OutgoingMessage) -> Receipt:
        try:
            message = only_pending(validate_message(message).with_message_id())
        except MessageError as error:
            raise input_error(error) from error
        reply, status_line = await self._post(message, include_bcc=True)
        upstream = f' ({reply.upstream_reply})' if reply and reply.upstream_reply else ''
        shown = [addresses.envelope_of(a) for a in (*message.to, *message.cc)]  # outcomes name plain addresses
        blind = [addresses.envelope_of(a) for a in message.bcc]
        outcomes = {a: RecipientOutcome(a, Delivery.ACCEPTED, f'{status_line}{upstream}') for a in shown}
        if reply and reply.accepted:  # a Mailroom relay says whom its upstream server took
            taken = {address_key(a) for a in reply.accepted}
            for address in outcomes:
                if address_key(address) not in taken:
                    refused = _('{status}: the service did not accept this address').format(status=status_line)
                    outcomes[address] = refusal(address, None, f'{refused}{upstream}')
        if message.bcc and not (reply and reply.bcc_delivered):
            # The service did not confirm the blind copy (Manager's drops it): deliver it as its own message.
            copy = replace(message, to=message.bcc, cc=(), bcc=())
            try:
                _copy_reply, copy_status = await self._post(copy, include_bcc=False)
                outcomes |= {a: RecipientOutcome(a, Delivery.ACCEPTED, copy_status) for a in blind}
            except TransportError as error:
                outcomes |= {a: refusal(a, error.reply_code, error.summary(), transient=error.transient) for a in blind}
        else:
            outcomes |= {a: RecipientOutcome(a, Delivery.ACCEPTED, f'{status_line}{upstream}') for a in blind}
        return Receipt(
            message_id=reply.message_id if reply and reply.message_id else message.message_id,
            server_reply=f'{status_line}{upstream}',
            recipients=tuple(outcomes.values()),
        )

    async def _post(self, message: OutgoingMessage, *, include_bcc: bool) -> tuple[RelayReply | None, str]:
        fields = wire_fields(message, include_bcc=include_bcc)
        # Always multipart, with or without files: the settings test's post is then the very request a document makes.
        parts = [(name, (None, value.encode(), None)) for name, value in fields.items()]
        try:
            response = await self._client.post(self._url, files=[*parts, *wire_files(message)])
        except httpx.HTTPError as exc:
            raise http_error(exc) from exc
        status_line = f'{response.status_code} {response.reason_phrase}'.strip()
        if not response.is_success:
            summary = error_summary(response.status_code, response.reason_phrase, response.text)
            reason = summary.removeprefix(str(response.status_code)).strip()
            location = response.headers.get('location', '')
            moved = phrase('The service moved to {location}: use that as the HTTP server address.', location=location)
            raise TransportError(
                STEP,
                classify_reply(response.status_code, response.text, STEP),
                reply_code=response.status_code,
                reply_text=reason,
                detail=moved if location else '',
            )
        return parse_relay_reply(response.headers.get('content-type', ''), response.text), status_line


class HttpTransport(SessionTransport):
    """Posts to `settings.http_server`; certificates verified unless the user chose otherwise.

    `settings.http_token` is sent as `Authorization: Bearer` for relays that require one (Manager's service does not).
    """

    def __init__(self, settings: EmailSettings, *, timeout: float = 30.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self.token = settings.http_token

    @asynccontextmanager
    async def session(self, observer: Observer | None = None) -> AsyncIterator[HttpSession]:
        """`observer` sees each request and response (the settings test writes its transcript from them)."""
        hooks: dict[str, list[Callable[..., Any]]] = (
            {'request': [observer.request], 'response': [observer.response]} if observer else {}
        )
        async with httpx.AsyncClient(
            timeout=self.timeout,
            verify=https_context(not self.settings.skip_tls_verify),
            follow_redirects=False,
            headers={'User-Agent': 'Mailroom'} | ({'Authorization': f'Bearer {self.token}'} if self.token else {}),
            event_hooks=hooks,
        ) as client:
            yield HttpSession(client, self.settings.http_server)
