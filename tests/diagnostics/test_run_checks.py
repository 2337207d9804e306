"""The settings test's good paths, its modes, its transcript, and cancelling it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from dataclasses import replace
from typing import Any

import pytest

from core.causes import Cause, Step
from core.diagnostics.events import Status, StepEvent, Verdict
from core.diagnostics.runner import contradictions, run_checks
from core.diagnostics.smtp_checks import SmtpCheck
from core.diagnostics.transcript import REDACTED, Mark
from core.settings import EmailSettings, Security
from tests.diagnostics.conftest import ACCOUNTS, FAST, PASSWORD, USER, run, smtp_settings
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server
from tests.support.waiting import wait_until

SMTP_STEPS_STARTTLS = [
    'input',
    'dns',
    'connect',
    'greeting',
    'ehlo',
    'tls',
    'ehlo',
    'auth',
    'mail',
    'rcpt',
    'data',
    'quit',
]


async def test_starttls_auth_send_passes_and_the_message_arrives_encrypted(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port), to='customer@example.com', business_name='Acme Ltd')
    assert result.verdict.passed and result.verdict.sent, result.verdict.message
    assert [s for s, _ in result.statuses()] == SMTP_STEPS_STARTTLS
    assert all(status in ('ok', 'skipped') for _, status in result.statuses())
    (message,) = server.recorder.messages
    assert message.rcpt_tos == ('customer@example.com',) and message.over_tls and message.authenticated
    assert b'From: Acme Ltd <owner@example.com>' in message.content
    assert server.recorder.auth_over_tls is True
    assert not server.recorder.credentials_in_plaintext(PASSWORD)
    data = next(e for e in result.finished() if e.step is Step.DATA)
    assert data.details['Queue id'] == 'TEST123'
    assert {step for step, _ in result.verdict.timings} >= {Step.CONNECT, Step.TLS, Step.AUTH, Step.DATA}


async def test_every_running_event_is_followed_by_its_finish(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    started = [e.seq for e in result.events if e.status is Status.RUNNING]
    finished = [e.seq for e in result.finished()]
    assert set(started) <= set(finished) and finished == sorted(finished)


async def test_implicit_tls_on_465_with_auto_security(trusted: TestPKI) -> None:
    async with smtp_server(tls='implicit', cert=trusted.good(), accounts=ACCOUNTS) as server:
        settings = smtp_settings(server.port, Security.SSL)
        result = await run(settings)
    assert result.verdict.passed, result.verdict.message
    assert [s for s, _ in result.statuses()][:5] == ['input', 'dns', 'connect', 'tls', 'greeting']
    tls = next(e for e in result.finished() if e.step is Step.TLS)
    assert tls.details['TLS version'].startswith('TLSv1.')
    assert tls.details['Host name check'].startswith('passed') and tls.details['Authority check (CA)'].startswith(
        'passed'
    )


async def test_check_without_sending_stops_after_rcpt_with_rset(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port), send=False)
    assert result.verdict.passed and not result.verdict.sent
    assert server.recorder.messages == []
    assert 'RSET' in server.recorder.commands and 'DATA' not in server.recorder.commands
    assert ('data', 'skipped') in result.statuses()


async def test_login_mechanism_when_plain_is_not_offered(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, auth_exclude=('PLAIN',)) as server:
        result = await run(smtp_settings(server.port))
    assert result.verdict.passed
    assert [a.mechanism for a in server.recorder.auth_attempts] == ['LOGIN']
    assert 'AUTH LOGIN' in result.transcript


async def test_second_ehlo_shows_what_changed_after_tls(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    first, second = [e for e in result.finished() if e.step is Step.EHLO]
    assert 'normal before encryption' in first.details['Sign-in methods (AUTH)']
    assert 'AUTH' in second.details['Changed after TLS'] and 'STARTTLS' in second.details['Changed after TLS']
    assert not first.details['EHLO name used'].lower().startswith('localhost')


async def test_transcript_is_swaks_style_and_never_contains_credentials(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    text = result.transcript
    plain_token = base64.b64encode(f'\0{USER}\0{PASSWORD}'.encode()).decode()
    assert PASSWORD not in text and plain_token not in text
    assert f'~> AUTH PLAIN {REDACTED}' in text
    for mark in ('-> EHLO', '<- 220', '~> EHLO', '<~ 235', '=== '):
        assert mark in text
    assert all(line[2] == ':' and line[8] == '.' for line in text.splitlines())  # HH:MM:SS.mmm on every line


async def test_plaintext_mode_chosen_explicitly_warns(trusted: TestPKI) -> None:
    async with smtp_server(accounts=ACCOUNTS, auth_require_tls=False) as server:
        result = await run(smtp_settings(server.port, Security.NONE, allow_plaintext=True))
    assert result.verdict.passed
    statuses = dict(result.statuses())
    assert statuses['input'] == 'warn' and statuses['tls'] == 'skipped' and statuses['auth'] == 'warn'
    assert PASSWORD not in result.transcript


@pytest.mark.parametrize(
    ('changes', 'fragment'),
    [
        ({'port': 465, 'security': Security.STARTTLS}, 'Port 465 expects SSL/TLS'),
        ({'port': 587, 'security': Security.SSL}, 'Port 587 normally starts in plain text'),
        ({'host': 'aspmx.l.google.com'}, 'smtp.gmail.com'),
        ({'host': 'contoso-com.mail.protection.outlook.com'}, 'MX'),
    ],
)
def test_contradictions_are_flagged(changes: dict[str, object], fragment: str) -> None:
    settings = replace(smtp_settings(587), **changes)  # type: ignore[arg-type]
    assert any(fragment in warning for warning in contradictions(settings)), contradictions(settings)


async def test_invalid_input_fails_before_any_network_step() -> None:
    result = await run(EmailSettings(host='smtp.example.com:587', username='', password=''))
    assert (result.verdict.step, result.verdict.cause) == (Step.INPUT, Cause.INVALID_INPUT)
    assert [s for s, _ in result.statuses()] == ['input']
    assert set(result.finished()[0].details) >= {'SMTP server', 'Username', 'Password'}


async def test_unknown_name_is_dns_not_found() -> None:
    result = await run(smtp_settings(587, host='no-such-host.invalid'))
    assert (result.verdict.step, result.verdict.cause) == (Step.DNS, Cause.DNS_NOT_FOUND)


async def test_localhost_skips_dns_and_falls_back_between_families(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port, host='localhost'))
    assert result.verdict.passed
    assert ('dns', 'skipped') in result.statuses()


async def test_closing_the_iterator_cancels_at_once_and_closes_the_connection(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=30) as server:
        events: list[StepEvent] = []
        async with asyncio.timeout(5):
            async with contextlib.aclosing(run_checks(smtp_settings(server.port), timeouts=FAST)) as stream:
                async for event in stream:
                    assert isinstance(event, StepEvent)
                    events.append(event)
                    if event.step is Step.RCPT and event.status is Status.RUNNING:
                        break
        assert events[-1].step is Step.RCPT
        assert server.recorder.messages == []


async def test_cancelling_the_consuming_task_stops_the_test(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=30) as server:
        seen: list[StepEvent] = []

        async def consume() -> None:
            async with contextlib.aclosing(run_checks(smtp_settings(server.port))) as stream:
                async for event in stream:
                    seen.append(event)  # type: ignore[arg-type]

        task = asyncio.create_task(consume())
        await wait_until(lambda: any(e.step is Step.RCPT for e in seen), message='the test to reach RCPT')
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 2)
    assert server.recorder.messages == []


async def test_cancel_ends_the_test_with_a_cancelled_verdict_naming_the_step_under_way(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=30) as server:
        cancel = asyncio.Event()
        items: list[StepEvent | Verdict] = []
        async with asyncio.timeout(5):
            async with contextlib.aclosing(
                run_checks(smtp_settings(server.port), timeouts=FAST, cancel=cancel)
            ) as stream:
                async for item in stream:
                    items.append(item)
                    if isinstance(item, StepEvent) and item.step is Step.RCPT and item.status is Status.RUNNING:
                        cancel.set()
    verdict = items[-1]
    assert isinstance(verdict, Verdict) and not verdict.passed
    assert (verdict.step, verdict.cause) == (Step.RCPT, Cause.CANCELLED)
    assert verdict.explanation is not None and verdict.message == 'The test was cancelled.'
    rcpt = [e for e in items if isinstance(e, StepEvent) and e.step is Step.RCPT]
    assert [e.status for e in rcpt] == [Status.RUNNING, Status.SKIPPED] and rcpt[-1].seq == rcpt[0].seq
    assert '*** cancelled by the user' in verdict.transcript_text()
    assert server.recorder.messages == []


async def test_a_test_cancelled_before_it_starts_still_ends_with_a_cancelled_verdict() -> None:
    cancel = asyncio.Event()
    cancel.set()
    async with asyncio.timeout(5):
        async with contextlib.aclosing(run_checks(smtp_settings(25), timeouts=FAST, cancel=cancel)) as stream:
            items = [item async for item in stream]
    verdict = items[-1]
    assert isinstance(verdict, Verdict) and verdict.cause is Cause.CANCELLED and not verdict.passed


async def test_the_test_message_never_goes_to_the_copy_address(trusted: TestPKI) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        settings = smtp_settings(server.port, bcc_enabled=True, bcc='copies@example.com')
        result = await run(settings, to='customer@example.com')
    assert result.verdict.passed, result.verdict.message
    (message,) = server.recorder.messages
    assert message.rcpt_tos == ('customer@example.com',)


async def test_transcript_lines_carry_the_time_the_bytes_moved_not_the_time_they_were_written_up(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A step is written up once the next command has gone out: a slow write-up must not move the lines' times.
    ehlo_done = SmtpCheck._ehlo_done

    def slow(self: SmtpCheck, *args: Any) -> None:
        time.sleep(0.3)
        ehlo_done(self, *args)

    monkeypatch.setattr(SmtpCheck, '_ehlo_done', slow)
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    assert result.verdict.passed, result.verdict.message
    lines = result.verdict.transcript
    starttls = next(i for i, line in enumerate(lines) if line.text == 'STARTTLS')
    assert lines[starttls - 1].mark is Mark.RECEIVED  # the EHLO reply's last line
    assert lines[starttls].at - lines[starttls - 1].at < 0.2
