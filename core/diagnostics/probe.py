"""The machinery every step shares: start/finish events, timing, one deadline, and failures turned into data."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from core.causes import Cause, Failure, Step, classify_smtp_error, explain, is_transient
from core.diagnostics.events import STEP_TITLES, SettingsChange, Status, StepEvent, Verdict
from core.diagnostics.observed_smtp import ProtocolError
from core.diagnostics.transcript import Transcript


@dataclass(frozen=True)
class Timeouts:
    """Seconds per step and for the whole test; a step never waits longer than what is left of the total."""

    dns: float = 5.0
    connect: float = 10.0
    greeting: float = 15.0
    tls: float = 10.0
    command: float = 15.0
    data: float = 30.0
    tls_probe: float = 3.0
    total: float = 90.0
    tls_first: float = 2.0  # silence on a custom port with Auto security before asking whether it speaks TLS first

    @classmethod
    def uniform(cls, seconds: float) -> Timeouts:
        """One figure for every step (the CLI's --timeout), the whole test bounded at six steps' worth."""
        return cls(
            seconds, seconds, seconds, seconds, seconds, seconds, min(seconds, 3.0), seconds * 6, min(seconds, 2.0)
        )


class StepFailure(Exception):
    """Raised inside a step to fail it with a cause; the run stops there.

    `belongs_to` names an earlier step that the reply proved failed (a sender refused at RCPT); the running step then
    ends as not reached, saying `instead`. `change` is a settings change that fixes it, offered to the user.
    """

    def __init__(
        self,
        cause: Cause,
        message: str,
        *,
        reply: str = '',
        details: dict[str, str] | None = None,
        change: SettingsChange | None = None,
        belongs_to: Step | None = None,
        instead: str = '',
    ) -> None:
        super().__init__(message)
        self.cause = cause
        self.message = message
        self.reply = reply
        self.details = details or {}
        self.change = change
        self.belongs_to = belongs_to
        self.instead = instead


class RunStopped(Exception):
    """A step failed and its event was emitted; the remaining steps do not run."""


@dataclass
class StepScope:
    """What a running step reports: its final message, status and details."""

    step: Step
    message: str
    status: Status = Status.OK
    details: dict[str, str] = field(default_factory=dict)
    reply: str = ''

    def ok(self, message: str) -> None:
        self.status, self.message = Status.OK, message

    def warn(self, message: str) -> None:
        self.status, self.message = Status.WARN, message

    def skip(self, message: str) -> None:
        self.status, self.message = Status.SKIPPED, message


class Probe:
    """One run of the settings test: emits events through `emit` and collects what the verdict needs."""

    def __init__(
        self,
        emit: Callable[[StepEvent | Verdict], None],
        transcript: Transcript,
        timeouts: Timeouts,
        *,
        host: str = '',
        http: bool = False,
    ) -> None:
        self.emit = emit
        self.transcript = transcript
        self.timeouts = timeouts
        self.host = host
        self.http = http  # explanations in the HTTP protocol's words
        self.finished: dict[Step, StepEvent] = {}
        self.started = time.perf_counter()
        self.deadline = asyncio.get_running_loop().time() + timeouts.total
        self.timings: list[tuple[Step, float]] = []
        self.warnings: list[str] = []
        self.failure: StepEvent | None = None
        self.sent = False
        self._seq = 0
        self._running: tuple[int, Step, float] | None = None  # seq, step and start of the step under way

    def budget(self, seconds: float) -> float:
        """A step's timeout, cut to what is left of the whole test's deadline."""
        left = self.deadline - asyncio.get_running_loop().time()
        if left <= 0:
            raise StepFailure(Cause.TIMEOUT, f'The whole test took longer than {self.timeouts.total:g} s.')
        return min(seconds, left)

    def skipped(self, step: Step, message: str, details: dict[str, str] | None = None) -> None:
        self._seq += 1
        self.emit(StepEvent(self._seq, step, Status.SKIPPED, message, None, details or {}))

    @asynccontextmanager
    async def step(self, step: Step, message: str) -> AsyncIterator[StepScope]:
        self._seq += 1
        seq = self._seq
        self.emit(StepEvent(seq, step, Status.RUNNING, message, transcript=self.transcript.drain()))
        scope = StepScope(step, message)
        began = time.perf_counter()
        self._running = (seq, step, began)
        try:
            yield scope
        except asyncio.CancelledError:
            raise  # the step stays under way, for `cancelled`
        except StepFailure as failure:
            self._running = None
            if failure.belongs_to in self.finished:
                self._fail_earlier(seq, scope, began, failure)
            scope.details.update(failure.details)
            self._fail(seq, scope, began, failure.cause, failure.message, failure.reply, failure.change)
        except TimeoutError:
            self._running = None
            cause = classify_smtp_error(TimeoutError(), step.value)
            self._fail(seq, scope, began, cause, f'No answer within the time limit ({STEP_TITLES[step].lower()}).')
        except (OSError, ssl.SSLError, ProtocolError, EOFError, asyncio.IncompleteReadError) as error:
            self._running = None
            if isinstance(error, ProtocolError):  # e.g. an SSH or HTTP server on that port
                cause = Cause.NO_GREETING if step is Step.GREETING else Cause.SERVER_DISCONNECTED
            else:
                cause = classify_smtp_error(error, step.value)
            self._fail(seq, scope, began, cause, _describe(error))
        else:
            self._running = None
            elapsed = _ms(began)
            self.timings.append((step, elapsed))
            if scope.status is Status.WARN:
                self.warnings.append(f'{STEP_TITLES[step]}: {scope.message}')
            event = StepEvent(
                seq,
                step,
                scope.status,
                scope.message,
                elapsed,
                self._redacted(scope.details),
                reply=self.transcript.redact(scope.reply),
                transcript=self.transcript.drain(),
            )
            self.finished[step] = event
            self.emit(event)

    def cancelled(self) -> None:
        """The user stopped the test: the step under way ends as not finished, then the verdict says so."""
        step: Step | None = None
        if self._running is not None:
            seq, step, began = self._running
            self.timings.append((step, _ms(began)))
            self.emit(StepEvent(seq, step, Status.SKIPPED, 'Cancelled.', _ms(began)))
        self.transcript.error('cancelled by the user')
        explanation = explain(Cause.CANCELLED)
        self.emit(
            replace(
                self.verdict(''),
                passed=False,
                message=explanation.what,
                step=step,
                cause=Cause.CANCELLED,
                explanation=explanation,
            )
        )

    def _fail(
        self,
        seq: int,
        scope: StepScope,
        began: float,
        cause: Cause,
        message: str,
        reply: str = '',
        change: SettingsChange | None = None,
    ) -> None:
        elapsed = _ms(began)
        self.timings.append((scope.step, elapsed))
        self._emit_failure(
            StepEvent(seq, scope.step, Status.FAIL, message, elapsed, dict(scope.details)), cause, reply, change
        )
        raise RunStopped from None

    def _fail_earlier(self, seq: int, scope: StepScope, began: float, failure: StepFailure) -> None:
        """The reply to this step proved an earlier step failed: that step is revised to failed, this one unreached."""
        assert failure.belongs_to is not None
        earlier = self.finished[failure.belongs_to]
        elapsed = _ms(began)
        self.timings.append((scope.step, elapsed))
        revised = replace(
            earlier, status=Status.FAIL, message=failure.message, details=earlier.details | failure.details
        )
        self._emit_failure(revised, failure.cause, failure.reply, failure.change)
        self.emit(StepEvent(seq, scope.step, Status.SKIPPED, failure.instead, elapsed, self._redacted(scope.details)))
        raise RunStopped from None

    def _emit_failure(self, event: StepEvent, cause: Cause, reply: str, change: SettingsChange | None) -> None:
        self.transcript.error(f'{cause.value}: {event.message}')
        explanation = explain(cause, host=self.host, step=event.step.value, http=self.http)
        reply = self.transcript.redact(reply)
        event = replace(
            event,
            details=self._redacted(event.details),
            failure=Failure(
                event.step, cause, reply, is_transient(cause, int(reply[:3]) if reply[:3].isdigit() else None)
            ),
            explanation=explanation,
            reply=reply,
            transcript=self.transcript.drain(),
            change=change,
        )
        self.failure = event
        self.emit(event)

    def _redacted(self, details: dict[str, str]) -> dict[str, str]:
        """Details can carry a server's words, and a server may echo what it was sent."""
        return {key: self.transcript.redact(value) for key, value in details.items()}

    def verdict(self, success_message: str) -> Verdict:
        result = Verdict(
            True,
            success_message,
            timings=tuple(self.timings),
            total_ms=_ms(self.started),
            warnings=tuple(self.warnings),
            transcript=self.transcript.lines,
            sent=self.sent,
        )
        failure = self.failure
        if failure is None:
            return result
        what = failure.explanation.what if failure.explanation else failure.message
        return replace(
            result,
            passed=False,
            message=f'{failure.title} failed: {what}',
            step=failure.step,
            cause=failure.failure.cause if failure.failure else None,
            explanation=failure.explanation,
            reply=failure.reply,
            change=failure.change,
        )


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000


def _describe(error: BaseException) -> str:
    """A short, secret-free description of a low-level error."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return f'Certificate check failed: {error.verify_message}.'
    if isinstance(error, ssl.SSLError):
        return f'Encryption failed: {error.reason or type(error).__name__}.'
    if isinstance(error, ConnectionRefusedError):
        return 'The connection was refused.'
    if isinstance(error, ConnectionError | EOFError | asyncio.IncompleteReadError):
        return 'The server closed the connection.'
    if isinstance(error, ProtocolError):
        return f'The server answered something that is not SMTP: {error}'
    return f'{type(error).__name__}: {error.strerror or error}' if isinstance(error, OSError) else type(error).__name__
