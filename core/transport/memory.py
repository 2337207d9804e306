"""An in-memory transport for tests: the same validation and MIME building as SMTP, no sockets."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from core.message import BuiltMessage, MessageError, OutgoingMessage, build_mime
from core.transport.base import Receipt, SessionTransport, TransportError, input_error


@dataclass(frozen=True)
class Delivered:
    message: OutgoingMessage
    built: BuiltMessage


class MemoryTransport(SessionTransport):
    """Keeps what it was given in `delivered`; `failures` are raised, in order, by the next sends."""

    def __init__(self, failures: Iterable[TransportError] = ()) -> None:
        self.delivered: list[Delivered] = []
        self.failures = list(failures)
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
        self.delivered.append(Delivered(message, built))
        return Receipt(
            message_id=built.message_id,
            accepted=tuple(built.envelope_recipients),
            server_reply=f'250 queued as mem-{len(self.delivered)}',
            queue_id=f'mem-{len(self.delivered)}',
            size=len(built.as_bytes()),
        )
