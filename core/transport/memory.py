"""An in-memory transport for tests: the same validation and MIME building as SMTP, no sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from core.causes import Cause
from core.delivery import Delivery, RecipientOutcome, address_key, refusal, reply_code
from core.message import BuiltMessage, MessageError, OutgoingMessage, build_mime
from core.transport.base import Receipt, SessionTransport, TransportError, input_error


@dataclass(frozen=True)
class Delivered:
    message: OutgoingMessage
    built: BuiltMessage


class MemoryTransport(SessionTransport):
    """Keeps what it was given in `delivered`; `failures` are raised, in order, by the next sends.

    `refuse` maps an address to the reply its RCPT gets ('550 5.1.1 No such user'): refused like SMTP refuses, the
    message going to the others, or a failure at rcpt when nobody is left.
    """

    def __init__(self, failures: Iterable[TransportError] = (), refuse: dict[str, str] | None = None) -> None:
        self.delivered: list[Delivered] = []
        self.failures = list(failures)
        self.refuse = dict(refuse or {})
        self.sessions = 0

    @asynccontextmanager
    async def session(self) -> AsyncIterator[MemoryTransport]:
        self.sessions += 1
        yield self

    async def send(self, message: OutgoingMessage) -> Receipt:
        try:
            built = build_mime(message)
        except MessageError as error:
            raise input_error(error) from error
        if self.failures:
            raise self.failures.pop(0)
        refused = {address_key(a): reply for a, reply in self.refuse.items()}
        outcomes = [self._outcome(address, refused.get(address_key(address))) for address in built.envelope_recipients]
        if not any(o.accepted for o in outcomes):
            first = outcomes[0]
            text = first.reply.partition(' ')[2] if first.reply_code else first.reply
            raise TransportError(
                'rcpt',
                Cause.RECIPIENT_REJECTED,
                reply_code=first.reply_code,
                reply_text=text,
                recipients=tuple(outcomes),
            )
        self.delivered.append(Delivered(message, built))
        reply = f'250 queued as mem-{len(self.delivered)}'
        return Receipt(
            message_id=built.message_id,
            server_reply=reply,
            recipients=tuple(o if o.reply else RecipientOutcome(o.address, o.delivery, reply) for o in outcomes),
            queue_id=f'mem-{len(self.delivered)}',
            size=len(built.as_bytes()),
        )

    @staticmethod
    def _outcome(address: str, reply: str | None) -> RecipientOutcome:
        return (
            RecipientOutcome(address, Delivery.ACCEPTED)
            if reply is None
            else refusal(address, reply_code(reply), reply)
        )
