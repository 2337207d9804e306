"""The relay's rules for one request: rate limits, the API token, size limits, its own From, delivery with retries.

It knows nothing of HTTP: the front end (cli/relay_app.py) reads the request, hands over the parsed message and
turns a `Rejected` into an answer.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.causes import Cause
from core.http_wire import FILE_FIELD, RelayReply, WireMessage
from core.i18n import DEFAULT_LANGUAGE, using_language
from core.message import MessageError, OutgoingMessage, validate_message
from core.relay.config import RelayConfig
from core.relay.limits import LimitStoreDown, RateLimits, Rule, reply_to_key, token_key
from core.relay.pool import SessionPool, UpstreamBusy
from core.transport import Receipt, Transport, TransportError

LOG = logging.getLogger('mailroom.relay')
BUSY_RETRY_AFTER = 5  # seconds; a message on 127.0.0.1 or a nearby provider takes well under one
STORE_DOWN_RETRY_AFTER = 30
_ADDRESS_LIKE = re.compile(r'\S*@\S*')
_NAME_NOISE = re.compile(r'[<>"\\()\[\]]')


class Rejected(Exception):
    """An answer other than success: the status, a short text body for the client, maybe headers."""

    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.headers = headers or {}


@dataclass
class Outcome:
    """The facts of one request, for its single log line: never a body, a token or a password."""

    client: str
    reply_to: str = '-'
    recipients: int = 0
    size: int = 0
    upstream: str = ''

    def line(self, status: int) -> str:
        return (
            f'client={self.client} reply_to={self.reply_to} recipients={self.recipients} size={self.size} '
            f'status={status} upstream={json.dumps(self.upstream, ensure_ascii=False)}'
        )


def display_name(client_name: str, label: str) -> str:
    """The client's name without anything address-like, then the label: the relay's From can't impersonate."""
    name = ' '.join(_NAME_NOISE.sub(' ', _ADDRESS_LIKE.sub(' ', client_name)).split())[:64].strip()
    return f'{name} {label}'.strip() if name else label.removeprefix('via ').strip()


class Relay:
    def __init__(
        self,
        config: RelayConfig,
        transport: Transport,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.config = config
        self.pool = SessionPool(
            transport,
            size=config.upstream_connections,
            max_sessions=config.max_upstream_sessions,
            wait=config.upstream_wait,
        )
        self.sleep = sleep
        limits = config.limits
        self.rate_limits = RateLimits(config.rate_limit_storage)
        self.ip_rule = Rule(limits.ip_burst, limits.ip_per_minute / 60)
        self.token_rule = Rule(limits.token_burst, limits.token_per_hour / 3600)
        self.reply_to_rule = Rule(limits.reply_to_burst, limits.reply_to_per_hour / 3600)

    async def admit(self, outcome: Outcome, authorization: str) -> None:
        """The client IP's limit first, before the token check, so that guessing tokens is slow too."""
        await self._limit(self.ip_rule, 'ip', outcome.client, f'Too many requests from {outcome.client}')
        if token := self._authorize(authorization):
            await self._limit(self.token_rule, 'token', token_key(token), 'Too many requests with this API token')

    async def accept(self, wire: WireMessage, outcome: Outcome) -> RelayReply:
        """Check the parsed message against the limits, send it from the relay's own address, say what came of it."""
        outcome.reply_to, outcome.recipients, outcome.size = wire.reply_to, wire.recipient_count, wire.size
        self._check_limits(wire)
        reply_to = f'Too many messages for reply_to {wire.reply_to}'
        await self._limit(self.reply_to_rule, 'reply_to', reply_to_key(wire.reply_to), reply_to)
        message = self._message(wire)
        receipt = await self._deliver(message, outcome)
        outcome.upstream = receipt.server_reply
        return RelayReply(
            message_id=receipt.message_id,
            accepted=receipt.accepted,
            bcc_delivered=all(address in receipt.accepted for address in message.bcc),
            upstream_reply=receipt.server_reply,
        )

    def _message(self, wire: WireMessage) -> OutgoingMessage:
        """The relay's own From, the client's name as display name only, and everything checked before sending."""
        message = OutgoingMessage(
            sender_name=display_name(wire.from_name, self.config.sender_label),
            sender_address=self.config.sender,
            to=wire.to,
            cc=wire.cc,
            bcc=wire.bcc,
            reply_to=wire.reply_to,
            subject=wire.subject,
            html_body=wire.body,
            attachments=wire.attachments,
        )
        try:
            with using_language(DEFAULT_LANGUAGE):  # the relay's API answers in English, whatever the server's LANG
                return validate_message(message).with_message_id()
        except MessageError as error:
            field = FILE_FIELD if error.field == 'attachments' else error.field
            raise Rejected(400, f'Field {field}: {error.said.english()}') from None

    async def _limit(self, rule: Rule, kind: str, key: str, refusal: str) -> None:
        try:
            wait = await self.rate_limits.take(rule, kind, key)
        except LimitStoreDown as error:
            LOG.error('rate-limit storage did not answer: %s', error)
            text = 'The relay cannot check its rate limits right now (its shared store does not answer); try again.'
            raise Rejected(503, text, _retry_after(STORE_DOWN_RETRY_AFTER)) from None
        if wait:
            raise Rejected(429, f'{refusal}; try again later.', _retry_after(wait))

    def _authorize(self, authorization: str) -> str:
        """The client's valid token, '' when the relay needs none; anything else is 401."""
        if not self.config.tokens:
            return ''
        scheme, _, given = authorization.partition(' ')
        token = given.strip().encode()
        valid = scheme.lower() == 'bearer' and any(hmac.compare_digest(token, t.encode()) for t in self.config.tokens)
        if not valid:
            headers = {'WWW-Authenticate': 'Bearer realm="mailroom-relay"'}
            raise Rejected(401, 'A valid API token is required (Authorization: Bearer <token>).', headers)
        return given.strip()

    def _check_limits(self, wire: WireMessage) -> None:
        limits = self.config.limits
        if wire.recipient_count > limits.max_recipients:
            raise Rejected(400, f'Too many recipients: {wire.recipient_count}, at most {limits.max_recipients}.')
        if len(wire.attachments) > limits.max_attachments:
            raise Rejected(400, f'Too many attachments: {len(wire.attachments)}, at most {limits.max_attachments}.')
        if wire.size > limits.max_message_bytes:
            raise Rejected(413, f'The message is too large: {wire.size} bytes, at most {limits.max_message_bytes}.')

    async def _deliver(self, message: OutgoingMessage, outcome: Outcome) -> Receipt:
        """Temporary failures before DATA are retried with doubling pauses; from DATA on nothing is sent twice."""
        for attempt in range(self.config.retries + 1):
            try:
                return await self.pool.send(message)
            except UpstreamBusy:
                outcome.upstream = 'busy'
                raise Rejected(503, self._busy_text(), _retry_after(BUSY_RETRY_AFTER)) from None
            except TransportError as error:
                outcome.upstream = error.summary()
                if error.cause is Cause.INVALID_INPUT:
                    raise Rejected(400, error.detail or error.summary()) from None
                if error.outcome_unknown:
                    raise Rejected(502, _unknown_outcome_text(error)) from None
                if not error.transient or error.step == 'data' or attempt == self.config.retries:
                    when = 'temporary; try again later' if error.transient else 'permanent'
                    raise Rejected(502, f'Upstream mail server failed ({when}): {error.summary()}') from None
                await self.sleep(self.config.retry_delay * 2**attempt)
        raise AssertionError('unreachable: the loop returns or raises')

    def _busy_text(self) -> str:
        sessions, wait = self.config.max_upstream_sessions, f'{self.config.upstream_wait:g}'
        return (
            f'The relay is busy: all {sessions} connections to the upstream mail server stayed in use for {wait} '
            f'seconds. Nothing was sent; try again in {BUSY_RETRY_AFTER} seconds.'
        )


def _unknown_outcome_text(error: TransportError) -> str:
    return (
        f'Upstream mail server outcome unknown: the message was handed over but no answer came ({error.summary()}). '
        'It may have been delivered, so the relay did not send it again; check with the recipient before resending.'
    )


def _retry_after(seconds: int) -> dict[str, str]:
    return {'Retry-After': str(seconds)}
