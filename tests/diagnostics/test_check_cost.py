"""What one settings test costs: nothing left for the garbage collector, nothing formatted twice, no thread, no wait."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from core.diagnostics import smtp_checks
from core.diagnostics.smtp_checks import SmtpCheck
from core.i18n import using_language
from core.message import BuiltMessage, OutgoingMessage
from core.transport.smtp import SmtpClient, _Unobserved, _WatchedProtocol
from tests.diagnostics.conftest import ACCOUNTS, run, smtp_settings
from tests.support.certs import TestPKI
from tests.support.smtp_servers import smtp_server
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


def test_a_size_is_formatted_by_babel_once_per_language(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    babel = smtp_checks.format_decimal

    def counted(*args: Any, **kwargs: Any) -> str:
        calls.append(args)
        return babel(*args, **kwargs)

    monkeypatch.setattr(smtp_checks, 'format_decimal', counted)
    smtp_checks._megabytes_in.cache_clear()
    with using_language('is'):
        icelandic = {smtp_checks._megabytes(10_485_760) for _ in range(3)}
    with using_language('en'):
        english = {smtp_checks._megabytes(10_485_760) for _ in range(3)}
    assert (icelandic, english) == ({'10,0 MB'}, {'10.0 MB'})
    assert len(calls) == 2


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
