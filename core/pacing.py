"""Pacing: when the next email may go so that the provider's sending limits are never exceeded.

Providers count messages per minute and recipients per day, and answer a sender who goes faster with a 421 or a
4.7.x "too many" reply, or by suspending the account for a day. The pacer spaces messages evenly within the
per-minute limit (a batch never bursts), keeps a rolling day of recipients, and backs off when the server says
"slow down". It is pure: the caller passes the time, so tests and the benchmark need no waiting.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

from core.causes import Failure
from core.providers import SendingLimits

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
FIRST_COOL_DOWN = timedelta(minutes=1)
LONGEST_COOL_DOWN = timedelta(minutes=30)


# A temporary reply about rate, volume or too many messages (Gmail's "421 4.7.0 Try again later" is one).
# Greylisting ("451 4.7.1 Greylisted, try again later") is not: it is retried on the usual schedule. Nor is
# "452 4.5.3 too many recipients", the per-message limit that the outbox already splits, nor a plain "421 Service
# not available".
_RATE_WORDS = re.compile(
    r'^421[ -]4\.7\.0|too many (messages|mails|emails|connections|sessions|requests)|\brate\b|throttl|quota'
    r'|volume|exceeded|slow down|sending limit',
    re.I,
)


def is_rate_limited(failure: Failure) -> bool:
    """The server asks us to slow down: a temporary refusal that waiting fixes, not a fault of the message."""
    reply = failure.reply.strip()
    return failure.transient and reply[:1] == '4' and bool(_RATE_WORDS.search(reply))


class Pacer:
    """Hands out send times; `reserve` records one. Recipients of the last day are kept to enforce the daily limit."""

    def __init__(self, limits: SendingLimits | None = None, history: Iterable[tuple[datetime, int]] = ()) -> None:
        self.limits = limits
        self._sent: deque[tuple[datetime, int]] = deque(sorted(history))
        self._day_total = sum(count for _, count in self._sent)
        self._last: datetime | None = self._sent[-1][0] if self._sent else None
        self._cool_until: datetime | None = None
        self._cool_down = FIRST_COOL_DOWN

    @property
    def gap(self) -> timedelta:
        """The even spacing between two messages that keeps within the per-minute limit."""
        per_minute = self.limits.per_minute if self.limits else None
        return MINUTE / per_minute if per_minute else timedelta(0)

    def next_slot(self, now: datetime, recipients: int = 1) -> datetime:
        """The earliest time a message to `recipients` addresses may start."""
        slot = now
        if self._cool_until is not None and self._cool_until > slot:
            slot = self._cool_until
        if self._last is not None and self._last + self.gap > slot:
            slot = self._last + self.gap
        return self._within_day(slot, recipients)

    def reserve(self, at: datetime, recipients: int = 1) -> None:
        """This message goes at `at`: later messages are spaced from it and its recipients count for a day."""
        self._sent.append((at, recipients))
        self._day_total += recipients
        self._last = at if self._last is None else max(self._last, at)

    def slow_down(self, now: datetime) -> datetime:
        """The server said "too many": wait, twice as long each time it happens again (up to half an hour)."""
        self._cool_until = now + self._cool_down
        self._cool_down = min(self._cool_down * 2, LONGEST_COOL_DOWN)
        return self._cool_until

    def recovered(self) -> None:
        """A message went through after a slow-down: the next one starts from the first wait again."""
        self._cool_down = FIRST_COOL_DOWN

    def schedule(self, start: datetime, recipients: Iterable[int]) -> list[datetime]:
        """The send times for messages queued at `start`, on a copy: what the dialog shows as the finish time."""
        trial = Pacer(self.limits, self._sent)
        trial._cool_until = self._cool_until
        times = []
        for count in recipients:
            slot = trial.next_slot(start, count)
            trial.reserve(slot, count)
            times.append(slot)
        return times

    def _within_day(self, slot: datetime, recipients: int) -> datetime:
        """Later, if needed, until enough of the last day's recipients have aged out to make room for these."""
        per_day = self.limits.per_day if self.limits else None
        self._forget_before(slot - DAY)
        if not per_day or self._day_total + recipients <= per_day:
            return slot
        total = self._day_total
        for sent_at, count in self._sent:
            total -= count
            if total + recipients <= per_day:
                return max(slot, sent_at + DAY)
        return slot  # a single message above the whole daily limit: the server will say so

    def _forget_before(self, moment: datetime) -> None:
        while self._sent and self._sent[0][0] <= moment:
            self._day_total -= self._sent.popleft()[1]


def earliest_finish(count: int, limits: SendingLimits) -> timedelta:
    """The least time the limits allow for `count` one-recipient messages sent in full-minute bursts."""
    if not limits.per_minute or count == 0:
        return timedelta(0)
    return MINUTE * (math.ceil(count / limits.per_minute) - 1)
