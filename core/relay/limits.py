"""Token buckets per key (client IP, reply_to address): bursts allowed, sustained floods answered with 429."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`take(key)` returns 0 when allowed, else the seconds until a token is back (the Retry-After value).

    State lives in this process only: several relays behind a load balancer each apply the limit on their own.
    """

    def __init__(
        self, *, capacity: int, per_second: float, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000
    ) -> None:
        self.capacity = max(1, capacity)
        self.per_second = per_second
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str) -> int:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.capacity), now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second)
        bucket.updated = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0
        if self.per_second <= 0:
            return 3600
        return max(1, math.ceil((1 - bucket.tokens) / self.per_second))

    def _forget_idle(self, now: float) -> None:
        """Keep memory bounded: a full bucket carries no information, so it can go."""
        if len(self._buckets) < self._max_keys:
            return
        refill = self.per_second
        for key in [k for k, b in self._buckets.items() if b.tokens + (now - b.updated) * refill >= self.capacity]:
            del self._buckets[key]
        if len(self._buckets) >= self._max_keys:
            oldest = min(self._buckets, key=lambda k: self._buckets[k].updated)
            del self._buckets[oldest]
