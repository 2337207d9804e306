"""Upstream sessions kept between requests: TLS and sign-in once per connection, not once per message."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

from core.message import OutgoingMessage
from core.transport import Receipt, Sender, Transport

IDLE_SECONDS = 30.0  # well under the usual server idle timeouts (60-300 s), so a kept connection is rarely stale


@dataclass
class _Pooled:
    stack: AsyncExitStack
    sender: Sender
    last_used: float


class SessionPool:
    """At most `size` idle sessions; a session that failed is closed, never reused. Holds no message state."""

    def __init__(self, transport: Transport, *, size: int = 4, clock: Callable[[], float] = time.monotonic) -> None:
        self._transport = transport
        self._size = size
        self._clock = clock
        self._idle: list[_Pooled] = []

    async def send(self, message: OutgoingMessage) -> Receipt:
        pooled = await self._acquire()
        try:
            receipt = await pooled.sender.send(message)
        except BaseException:
            await _close(pooled)
            raise
        pooled.last_used = self._clock()
        if len(self._idle) < self._size:
            self._idle.append(pooled)
        else:
            await _close(pooled)
        return receipt

    async def _acquire(self) -> _Pooled:
        now = self._clock()
        while self._idle:
            pooled = self._idle.pop()
            if now - pooled.last_used < IDLE_SECONDS:
                return pooled
            await _close(pooled)
        stack = AsyncExitStack()
        sender = await stack.enter_async_context(self._transport.session())
        return _Pooled(stack, sender, now)

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for pooled in idle:
            await _close(pooled)


async def _close(pooled: _Pooled) -> None:
    """Closing says QUIT; a connection that is already gone is no error worth reporting."""
    with contextlib.suppress(Exception):
        await pooled.stack.aclose()
