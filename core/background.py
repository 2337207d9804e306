"""Loops that run beside the pages in the app's own event loop (the outbox, the reminders): started, woken, stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from typing import Any


class BackgroundTask:
    """One task in the running event loop: `start` runs it once (again only after it ended), `stop` cancels it."""

    def __init__(self, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self._run = run
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task


async def sleep_or_wake(sleep: Callable[[float], Awaitable[None]], wake: asyncio.Event, seconds: float) -> None:
    """A background loop's pause: over after `seconds`, or as soon as `wake` is set."""
    sleeper = asyncio.ensure_future(sleep(seconds))
    waker = asyncio.ensure_future(wake.wait())
    try:
        await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
        waker.cancel()
