"""Upstream sessions: at most a few open at once, kept between requests (TLS and sign-in once per connection)."""

from __future__ import annotations

import asyncio
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


class UpstreamBusy(Exception):
    """Every upstream session stayed in use for the whole wait."""


class SessionPool:
    """At most `max_sessions` upstream sessions open at once, idle ones included; a request waits up to `wait`
    seconds for one, then gets UpstreamBusy. At most `size` idle sessions are kept; a failed one is closed.

    A slot is taken before a session is used and given back only after the session is idle or closed, and an idle
    session is taken in the same step as the slot, so slots in use plus idle sessions never exceed the cap.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        size: int = 4,
        max_sessions: int = 8,
        wait: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._transport = transport
        self._size = min(size, max_sessions)
        self._slots = asyncio.Semaphore(max_sessions)
        self._wait = wait
        self._clock = clock
        self._idle: list[_Pooled] = []

    async def send(self, message: OutgoingMessage) -> Receipt:
        try:
            async with asyncio.timeout(self._wait):
                await self._slots.acquire()
        except TimeoutError:
            raise UpstreamBusy from None
        try:
            return await self._send(message)
        finally:
            self._slots.release()

    async def _send(self, message: OutgoingMessage) -> Receipt:
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
