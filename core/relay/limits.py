"""Rate limits per client IP, API token and reply_to address, in this process or shared by several relays in Redis.

Each limit is a moving window of `burst` requests per `burst / rate` seconds: at most `burst` at once and `rate`
sustained. The windows live in a storage of the `limits` library, so relays that share one Redis share one budget.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the `limits` library loads with the relay's first limiter, not with every import of the config
    from limits import RateLimitItem
    from limits.aio.storage import Storage

MEMORY = 'memory'
REDIS_SCHEMES = ('redis://', 'rediss://')
REDIS_CONNECTIONS = 16  # per relay; requests queue for one rather than open a descriptor each
REDIS_TIMEOUT = 2.0  # seconds for a Redis connection or answer: a stuck store must not hold requests
KEY_PREFIX = 'mailroom-relay'


class LimitStoreDown(Exception):
    """The shared rate-limit store did not answer, so no request can be counted."""


@dataclass(frozen=True)
class Rule:
    burst: int
    per_second: float

    @property
    def item(self) -> RateLimitItem:
        from limits import RateLimitItemPerSecond

        seconds = math.ceil(self.burst / self.per_second) if self.per_second > 0 else 86_400
        return RateLimitItemPerSecond(max(1, self.burst), max(1, seconds), namespace=KEY_PREFIX)


class RateLimits:
    """`take(rule, kind, key)` is 0 when allowed, else the seconds until the next one is (the Retry-After value)."""

    def __init__(self, storage_url: str = MEMORY) -> None:
        from limits.aio.strategies import MovingWindowRateLimiter

        self._limiter = MovingWindowRateLimiter(open_storage(storage_url))

    async def take(self, rule: Rule, kind: str, key: str) -> int:
        from limits.errors import StorageError

        item = rule.item
        try:
            if await self._limiter.hit(item, kind, key):
                return 0
            stats = await self._limiter.get_window_stats(item, kind, key)
        except StorageError as error:
            raise LimitStoreDown(str(error.storage_error)) from error
        return max(1, math.ceil(stats.reset_time - time.time()))


def open_storage(url: str) -> Storage:
    """Memory by default; `redis://host:port[/db]` (or `rediss://`) for a budget shared between relays."""
    from limits.aio.storage import MemoryStorage, RedisStorage

    if url == MEMORY:
        return MemoryStorage(wrap_exceptions=True)
    import redis.asyncio

    timeouts = {'socket_timeout': REDIS_TIMEOUT, 'socket_connect_timeout': REDIS_TIMEOUT}
    pool = redis.asyncio.BlockingConnectionPool.from_url(
        url, max_connections=REDIS_CONNECTIONS, timeout=REDIS_TIMEOUT, **timeouts
    )
    options: dict[str, Any] = {'connection_pool': pool}
    return RedisStorage(
        f'async+{url}', implementation='redispy', wrap_exceptions=True, key_prefix=KEY_PREFIX, **options
    )


def reply_to_key(address: str) -> str:
    """One budget per mailbox: `Office+June@Acme.example` counts as `office@acme.example`."""
    local, at, domain = address.strip().lower().rpartition('@')
    return f'{local.split("+", 1)[0]}@{domain}' if at else domain


def token_key(token: str) -> str:
    """A digest, so the token itself never lands in a shared store."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]
