"""The seam between Mailroom and the network: one `send(message) -> Receipt`, failures as one error type."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from core.causes import Cause, Failure, Step, explain, is_transient
from core.delivery import RecipientOutcome
from core.message import MessageError, OutgoingMessage


@dataclass(frozen=True)
class Receipt:
    """What the server took responsibility for: its final reply and the outcome for every recipient.

    A message can be taken for some recipients and refused for others; the outbox decides from `recipients` whether
    the document counts as sent.
    """

    message_id: str
    server_reply: str
    recipients: tuple[RecipientOutcome, ...] = ()
    queue_id: str = ''
    size: int = 0

    @property
    def accepted(self) -> tuple[str, ...]:
        return tuple(o.address for o in self.recipients if o.accepted)

    @property
    def refused(self) -> dict[str, str]:
        """Every address the server did not take (permanently or for now), with its reply."""
        return {o.address: o.reply for o in self.recipients if not o.accepted}


class TransportError(Exception):
    """A send that failed: where (step), why (stable cause), what the server said, and whether to try again later."""

    def __init__(
        self,
        step: str,
        cause: Cause,
        *,
        reply_code: int | None = None,
        reply_text: str = '',
        transient: bool | None = None,
        detail: str = '',
        recipients: tuple[RecipientOutcome, ...] = (),
        outcome_unknown: bool = False,
    ) -> None:
        self.step = Step(step)
        self.cause = cause
        self.reply_code = reply_code
        self.reply_text = reply_text
        self.transient = is_transient(cause, reply_code) if transient is None else transient
        self.detail = detail
        self.recipients = recipients  # each refused recipient's own reply, when the server refused them all
        # The message data reached the server but no answer came back: it may have been delivered, so sending it
        # again risks a duplicate.
        self.outcome_unknown = outcome_unknown
        super().__init__(self.summary())

    @property
    def server_reply(self) -> str:
        if self.reply_code is None:
            return self.reply_text
        return f'{self.reply_code} {self.reply_text}'.strip()

    @property
    def failure(self) -> Failure:
        """The one failure value the outbox and the email log keep; a lost answer after DATA is not retried."""
        if self.outcome_unknown:
            return Failure(self.step, Cause.OUTCOME_UNKNOWN, self.server_reply or self.detail, False, True)
        return Failure(self.step, self.cause, self.server_reply or self.detail, self.transient)

    def summary(self) -> str:
        """One line for logs and the email log: step, cause, then the server's reply or the detail."""
        said = self.server_reply or self.detail
        return f'{self.step}: {self.cause.value}' + (f' ({said})' if said else '')

    def explanation(self, host: str = '') -> str:
        """What happened -> why -> what to do, with the server's reply kept for the expert."""
        base = explain(self.cause, reply=self.server_reply, host=host, step=self.step).text()
        return f'{base} {self.detail}' if self.detail else base


def input_error(error: MessageError) -> TransportError:
    """Bad input found while building the message: permanent, and nothing reached the network."""
    return TransportError('input', Cause.INVALID_INPUT, transient=False, detail=str(error))


class Sender(Protocol):
    """An open session: sends one message after another over whatever connection the transport keeps."""

    async def send(self, message: OutgoingMessage) -> Receipt: ...


class Transport(Protocol):
    """Everything that sends mail speaks only to this."""

    def session(self) -> AbstractAsyncContextManager[Sender]: ...

    async def send(self, message: OutgoingMessage) -> Receipt: ...


class SessionTransport:
    """`send` as a one-message session, so each transport writes only `session()`."""

    def session(self) -> AbstractAsyncContextManager[Sender]:
        raise NotImplementedError

    async def send(self, message: OutgoingMessage) -> Receipt:
        async with self.session() as session:
            return await session.send(message)
