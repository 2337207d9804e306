"""What one settings test costs: nothing left for the garbage collector, nothing formatted twice, no thread, no wait."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from core.causes import Cause, Step
from core.diagnostics import smtp_checks
from core.diagnostics.events import Status, StepEvent
from core.diagnostics.probe import step_failure
from core.diagnostics.runner import compose_test_email, run_checks
from core.diagnostics.smtp_checks import SmtpCheck
from core.message import BuiltMessage, OutgoingMessage
from core.settings import Security
from core.transport.smtp import SmtpClient, SmtpTransport, _Unobserved, _WatchedProtocol
from tests.diagnostics.conftest import ACCOUNTS, FAST, USER, run, smtp_settings
from tests.support.certs import TestPKI
from tests.support.smtp_servers import raw_server, smtp_server
from tests.support.waiting import wait_until


@contextlib.contextmanager
def without_garbage_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def test_a_finished_check_is_freed_without_waiting_for_the_garbage_collector(trusted: TestPKI) -> None:
    # Reference cycles would keep each run (its events, transcript and message) until the cyclic collector ran, and
    # that collection would cost the next run its time. On a port other than 25 and 587 the silent-greeting probe runs.
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        with without_garbage_collector():
            result = await run(smtp_settings(server.port))
            assert result.verdict.passed, result.verdict.message
            await wait_until(
                lambda: not any(isinstance(o, SmtpCheck) for o in gc.get_objects()),
                timeout=5,
                message='the finished check to be freed by reference counting alone',
            )


async def test_the_test_message_is_built_after_the_sign_in_on_the_event_loop_as_sending_builds_it(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A worker thread would take turns at the GIL with the session's own work, and cost more than the overlap saves.
    built: list[tuple[bool, int]] = []
    build = smtp_checks.build_mime

    def watched(message: OutgoingMessage) -> BuiltMessage:
        built.append((threading.current_thread() is threading.main_thread(), len(server.recorder.auth_attempts)))
        return build(message)

    monkeypatch.setattr(smtp_checks, 'build_mime', watched)
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    assert result.verdict.passed, result.verdict.message
    assert built == [(True, 1)]


async def test_a_command_goes_out_before_its_transcript_line_is_written() -> None:
    # The transcript is then written while the server reads the command, instead of delaying it.
    order: list[str] = []

    class Watching(_Unobserved):
        def wire(self, data: bytes, *, sent: bool, encrypted: bool) -> None:
            order.append(f'transcript {data!r}')

    class Wire(asyncio.Transport):
        def write(self, data: bytes | bytearray | memoryview) -> None:
            order.append(f'wire {bytes(data)!r}')

        def is_closing(self) -> bool:
            return False

    protocol = _WatchedProtocol(SmtpClient(Watching(1.0), hostname='127.0.0.1'), asyncio.get_running_loop())
    protocol.connection_made(Wire())
    protocol.write(b'EHLO mailroom.example\r\n')
    assert order == ["wire b'EHLO mailroom.example\\r\\n'", "transcript b'EHLO mailroom.example\\r\\n'"]


async def test_a_step_is_written_up_after_the_next_command_has_gone_out(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The session must not wait for the check: a reply's wording, details, transcript and event are made while the
    # server reads the next command.
    writes = 0
    reported: dict[Step, int] = {}
    written_up: dict[Step, int] = {}
    write, done, finish = _WatchedProtocol.write, SmtpCheck.done, SmtpCheck._finish

    def counted_write(self: _WatchedProtocol, data: bytes) -> None:
        nonlocal writes
        writes += 1  # counted as it goes out: the write-up may come within the call, once the bytes are on their way
        write(self, data)

    def watched_done(self: SmtpCheck, step: Step) -> None:
        reported.setdefault(step, writes)
        done(self, step)

    def watched_finish(self: SmtpCheck, step: Step, *facts: Any) -> None:
        written_up.setdefault(step, writes)
        finish(self, step, *facts)

    monkeypatch.setattr(smtp_checks, 'SETTLE_AFTER', 60.0)  # no write-up for a quiet session: only writes count here
    monkeypatch.setattr(_WatchedProtocol, 'write', counted_write)
    monkeypatch.setattr(SmtpCheck, 'done', watched_done)
    monkeypatch.setattr(SmtpCheck, '_finish', watched_finish)
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    assert result.verdict.passed, result.verdict.message
    for step in (Step.GREETING, Step.EHLO, Step.TLS, Step.AUTH, Step.MAIL, Step.RCPT, Step.DATA):
        assert written_up[step] == reported[step] + 1, step  # the next command, and only that, went first


async def test_a_failure_found_while_writing_a_step_up_fails_that_step_and_stops_the_session(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Written up after EHLO went out: the TLS step still fails with its own words, and nothing is signed in or sent.
    def no_certificate(*_args: Any, **_kwargs: Any) -> None:
        raise step_failure(Step.TLS, Cause.TLS_HANDSHAKE_FAILED, 'The server sent no certificate.')

    monkeypatch.setattr(smtp_checks, 'describe_tls', no_certificate)
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    assert (result.verdict.step, result.verdict.cause) == (Step.TLS, Cause.TLS_HANDSHAKE_FAILED)
    tls = [e for e in result.finished() if e.step is Step.TLS]
    assert [(e.status, e.message) for e in tls] == [(Status.FAIL, 'The server sent no certificate.')]
    assert [s for s, _ in result.statuses()][-1] == 'tls'  # no step after it is reported
    assert server.recorder.auth_attempts == [] and server.recorder.messages == []


async def test_a_defect_while_writing_a_step_up_ends_the_test_as_an_internal_error_before_sending(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: Any) -> None:
        raise RuntimeError('a defect')

    monkeypatch.setattr(SmtpCheck, '_mail_done', broken)  # written up once RCPT has gone out
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        result = await run(smtp_settings(server.port))
    assert not result.verdict.passed and result.verdict.message == 'Internal error (RuntimeError).'
    assert server.recorder.messages == []


async def test_a_step_waiting_for_a_silent_server_is_shown_as_running_while_it_waits() -> None:
    # Nothing goes out while the greeting is awaited: the check writes the step up once the session has been quiet,
    # long before the greeting's time limit (one second here) would end the step.
    greet = asyncio.Event()

    async def slow_to_greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await greet.wait()

    async with raw_server(slow_to_greet) as server:
        settings = smtp_settings(server.port, security=Security.NONE, allow_plaintext=True)
        async with contextlib.aclosing(run_checks(settings, timeouts=FAST)) as events, asyncio.timeout(0.5):
            async for event in events:
                if isinstance(event, StepEvent) and event.step is Step.GREETING:
                    break
        greet.set()
    assert FAST.greeting >= 1
    assert isinstance(event, StepEvent) and event.status is Status.RUNNING


async def test_the_checks_connection_sends_each_write_at_once_as_sendings_own_does(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The check connects its own socket (to try and show every address). With Nagle's algorithm left on, the EHLO
    # after a TLS 1.3 handshake waited for the handshake's last bytes to be acknowledged: a round trip more than
    # sending takes, on every test over a real network.
    nodelay: list[int] = []
    create = SmtpClient._create_connection

    async def recorded(self: SmtpClient, timeout: float | None) -> Any:
        response = await create(self, timeout)
        assert self.transport is not None
        nodelay.append(self.transport.get_extra_info('socket').getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        return response

    monkeypatch.setattr(SmtpClient, '_create_connection', recorded)
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        settings = smtp_settings(server.port)
        result = await run(settings)
        async with SmtpTransport(settings).session() as session:
            await session.send(compose_test_email(settings, USER, 'Mailroom'))
    assert result.verdict.passed, result.verdict.message
    assert len(server.recorder.messages) == 2
    assert len(nodelay) == 2 and all(nodelay)  # the check's connection, then sending's
