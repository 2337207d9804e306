"""One bounded way for a test to wait for something that happens in the background (a server, a task, a page)."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

WAIT_SECONDS = 20.0  # long enough for a loaded machine, short enough that a hang fails instead of stalling the run


async def wait_until(
    condition: Callable[[], object | Awaitable[object]],
    *,
    timeout: float = WAIT_SECONDS,
    interval: float = 0.02,
    message: str,
) -> None:
    """Check `condition` (a function, or a coroutine function) every `interval` s until it is true.

    After `timeout` s the test fails naming `message`, what it waited for. An interval of 0 lets exactly one turn
    of the event loop pass between checks, for tests whose clock is fake.
    """
    deadline = asyncio.timeout(timeout)
    try:
        async with deadline:
            while not await _holds(condition):
                await asyncio.sleep(interval)
    except TimeoutError:
        if deadline.expired():
            raise AssertionError(f'waited {timeout:g} s for {message}, in vain') from None
        raise  # a timeout of the condition's own, not ours


def wait_until_sync(
    condition: Callable[[], object], *, timeout: float = WAIT_SECONDS, interval: float = 0.05, message: str
) -> None:
    """`wait_until` for code without an event loop (fixtures that start processes, browser tests)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f'waited {timeout:g} s for {message}, in vain')
        time.sleep(interval)


async def _holds(condition: Callable[[], object | Awaitable[object]]) -> bool:
    result = condition()
    if inspect.isawaitable(result):
        result = await result
    return bool(result)
