"""The pacer: never above the provider's limits, spread evenly, slower after a "too many" reply."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.causes import Cause, Failure, Step
from core.pacing import DAY, MINUTE, Pacer, earliest_finish, is_rate_limited
from core.providers import DEFAULT_SENDING_LIMITS, SENDING_LIMITS, SendingLimits, sending_limits_for

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
M365 = SENDING_LIMITS['microsoft365']


def most_in_any_window(times: list[datetime], window: timedelta) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_microsoft_365_schedule_never_exceeds_30_a_minute_and_finishes_within_five_percent_of_the_limit() -> None:
    times = Pacer(M365).schedule(START, [1] * 500)
    assert most_in_any_window(times, MINUTE) == 30
    fastest = earliest_finish(500, M365)
    assert fastest <= times[-1] - START <= fastest * 1.05


def test_the_daily_recipient_limit_moves_the_rest_to_the_next_day() -> None:
    limits = SendingLimits(per_minute=None, per_day=10)
    times = Pacer(limits).schedule(START, [3] * 5)  # 15 recipients: the fourth message would make 12
    assert times[:3] == [START] * 3
    assert times[3] == START + DAY
    assert sum(3 for t in times if t < START + DAY) <= 10


def test_yesterdays_sends_still_count_after_a_restart() -> None:
    limits = SendingLimits(per_minute=None, per_day=5)
    history = [(START - timedelta(hours=2), 5)]  # the log's sent emails, given to a fresh pacer
    assert Pacer(limits, history).next_slot(START) == START - timedelta(hours=2) + DAY
    assert Pacer(limits, [(START - DAY - timedelta(seconds=1), 5)]).next_slot(START) == START


def test_a_too_many_reply_pauses_and_each_repeat_pauses_twice_as_long_until_one_goes_through() -> None:
    pacer = Pacer(M365)
    assert pacer.slow_down(START) == START + timedelta(minutes=1)
    assert pacer.next_slot(START) == START + timedelta(minutes=1)
    assert pacer.slow_down(START) == START + timedelta(minutes=2)
    pacer.recovered()
    assert pacer.slow_down(START) == START + timedelta(minutes=1)


def rate_failure(reply: str, transient: bool = True) -> Failure:
    return Failure(Step.DATA, Cause.DATA_REJECTED, reply, transient)


def test_rate_replies_are_told_apart_from_greylisting_and_the_recipients_per_message_limit() -> None:
    assert is_rate_limited(rate_failure('421 4.7.0 Try again later, closing connection. (TS01)'))
    assert is_rate_limited(rate_failure('450 4.7.1 Too many messages, slow down'))
    assert is_rate_limited(rate_failure('452 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded'))
    assert not is_rate_limited(rate_failure('451 4.7.1 Greylisted, please try again later'))
    assert not is_rate_limited(rate_failure('452 4.5.3 Error: too many recipients'))
    assert not is_rate_limited(rate_failure('421 4.3.2 Service not available, closing transmission channel'))
    assert not is_rate_limited(rate_failure('550 5.4.5 Daily sending quota exceeded', transient=False))


def test_limits_come_from_the_provider_and_an_unknown_server_gets_the_conservative_default() -> None:
    assert sending_limits_for('smtp.office365.com') == M365
    assert (M365.per_minute, M365.per_day) == (30, 10_000)
    assert sending_limits_for('smtp.gmail.com', 'me@gmail.com').per_day == 500
    assert sending_limits_for('smtp.gmail.com', 'me@company.example').per_day == 2_000  # Google Workspace
    assert sending_limits_for('mail.example-hosting.net') == DEFAULT_SENDING_LIMITS
