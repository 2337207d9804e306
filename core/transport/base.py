"""The seam between Mailroom and the network: one `send(message) -> Receipt`, failures as one error type."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Protocol

from core.causes import Cause, Failure, Step, explain, is_transient
from core.delivery import RecipientOutcome
from core.i18n.phrase import Phrase, literal
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
    """A send that failed, as its `Failure` (where, why, the server's reply and what happened instead, whether to
    try again later), plus what the failure value does not keep: the detail worded now, and each refused recipient's
    own reply."""

    def __init__(
        self,
        step: str,
        cause: Cause,
        *,
        reply_code: int | None = None,
        reply_text: str = '',
        transient: bool | None = None,
        detail: str | Phrase = '',
        recipients: tuple[RecipientOutcome, ...] = (),
        outcome_unknown: bool = False,
    ) -> None:
        reply = reply_text if reply_code is None else f'{reply_code} {reply_text}'.strip()
        transient = is_transient(cause, reply_code) if transient is None else transient
        said = (detail if isinstance(detail, Phrase) else literal(detail)) if detail else None
        self.failure = Failure(Step(step), cause, reply, transient, said=said)
        self.detail = str(detail)  # in the language of the moment, for whoever handles the error now
        self.recipients = recipients  # each refused recipient's own reply, when the server refused them all
        if outcome_unknown:
            self.mark_outcome_unknown()
        super().__init__(self.summary())

    @property
    def step(self) -> Step:
        return self.failure.step

    @property
    def cause(self) -> Cause:
        return self.failure.cause

    @property
    def transient(self) -> bool:
        return self.failure.transient

    @property
    def outcome_unknown(self) -> bool:
        return self.failure.outcome_unknown

    @property
    def reply_code(self) -> int | None:
        return self.failure.reply_code

    @property
    def server_reply(self) -> str:
        """What the server said; empty when it said nothing (the failure then says what happened instead)."""
        return self.failure.reply

    def mark_outcome_unknown(self) -> None:
        """The message data reached the server but no answer came back: it may have been delivered, so sending it
        again risks a duplicate, and it is not retried on its own."""
        self.failure = replace(self.failure, cause=Cause.OUTCOME_UNKNOWN, transient=False, outcome_unknown=True)

    def summary(self) -> str:
        """One line for logs and the email log: step, cause, then the server's reply or the detail."""
        said = self.failure.reply or self.detail
        return f'{self.step}: {self.cause.value}' + (f' ({said})' if said else '')

    def explanation(self, host: str = '') -> str:
        """What happened -> why -> what to do, with the server's reply kept for the expert."""
        base = explain(self.cause, reply=self.server_reply, host=host, step=self.step).text()
        return f'{base} {self.detail}' if self.detail else base


def input_error(error: MessageError) -> TransportError:
    """Bad input found while building the message: permanent, and nothing reached the network."""
    return TransportError('input', Cause.INVALID_INPUT, transient=False, detail=error.said)


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
