"""The machinery every step shares: start/finish events, timing, one deadline, and failures turned into data."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import NoReturn

from core.causes import Cause, Failure, Step, classify_smtp_error, explain, is_transient
from core.diagnostics.events import SettingsChange, Status, StepEvent, Verdict, step_title
from core.diagnostics.transcript import Transcript
from core.i18n import _


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
    """Raised inside a step to fail it; the run stops there. It wraps the one `Failure` value and adds only how the
    test shows it: the step's message, details, and a settings change that fixes it, offered to the user.

    When the failure's step is an earlier one than the step under way (a sender refused at RCPT), that earlier step is
    revised to failed and the running one ends as not reached, saying `instead`.
    """

    def __init__(
        self,
        failure: Failure,
        message: str,
        *,
        details: dict[str, str] | None = None,
        change: SettingsChange | None = None,
        instead: str = '',
    ) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message
        self.details = details or {}
        self.change = change
        self.instead = instead


def step_failure(
    step: Step, cause: Cause, message: str, *, reply: str = '', change: SettingsChange | None = None
) -> StepFailure:
    """A failure found by the test itself (no transport involved), classified as the transports classify."""
    code = reply[:3]
    transient = is_transient(cause, int(code) if code.isdigit() else None)
    return StepFailure(Failure(step, cause, reply, transient), message, change=change)


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
    seq: int = 0
    began: float = 0.0

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
        self.running: StepScope | None = None  # the step under way

    def budget(self, seconds: float) -> float:
        """A step's timeout, cut to what is left of the whole test's deadline."""
        left = self.deadline - asyncio.get_running_loop().time()
        if left <= 0:
            step = self.running.step if self.running else Step.INPUT
            message = _('The whole test took longer than {seconds} s.').format(seconds=f'{self.timeouts.total:g}')
            raise step_failure(step, Cause.TIMEOUT, message)
        return min(seconds, left)

    def skipped(self, step: Step, message: str, details: dict[str, str] | None = None) -> None:
        self._seq += 1
        self.emit(StepEvent(self._seq, step, Status.SKIPPED, message, None, details or {}))

    def begin(self, step: Step, message: str, *, at: float | None = None) -> StepScope:
        """A step starts (`at`, by time.perf_counter, if not now): its running event goes out with the transcript so
        far."""
        self._seq += 1
        scope = StepScope(step, message, seq=self._seq, began=time.perf_counter() if at is None else at)
        self.emit(StepEvent(scope.seq, step, Status.RUNNING, message, transcript=self.transcript.drain()))
        self.running = scope
        return scope

    def end(self, scope: StepScope, *, at: float | None = None) -> None:
        """The step finished (`at`, if not now) with the status its scope says (ok unless it warned or skipped)."""
        self.running = None
        elapsed = ((time.perf_counter() if at is None else at) - scope.began) * 1000
        self.timings.append((scope.step, elapsed))
        if scope.status is Status.WARN:
            self.warnings.append(f'{step_title(scope.step)}: {scope.message}')
        event = StepEvent(
            scope.seq,
            scope.step,
            scope.status,
            scope.message,
            elapsed,
            self._redacted(scope.details),
            reply=self.transcript.redact(scope.reply),
            transcript=self.transcript.drain(),
        )
        self.finished[scope.step] = event
        self.emit(event)

    def fail(self, scope: StepScope, error: BaseException) -> NoReturn:
        """The step failed: its event (or the earlier step's it proves failed) goes out, and the run stops."""
        self.running = None
        failure = error if isinstance(error, StepFailure) else self._classified(scope.step, error)
        elapsed = _ms(scope.began)
        self.timings.append((scope.step, elapsed))
        earlier = self.finished.get(failure.failure.step) if failure.failure.step is not scope.step else None
        if earlier is not None:  # the reply to this step proved an earlier step failed
            revised = replace(earlier, status=Status.FAIL, message=failure.message)
            self._emit_failure(replace(revised, details=earlier.details | failure.details), failure)
            details = self._redacted(scope.details)
            self.emit(StepEvent(scope.seq, scope.step, Status.SKIPPED, failure.instead, elapsed, details))
        else:
            scope.details.update(failure.details)
            event = StepEvent(scope.seq, scope.step, Status.FAIL, failure.message, elapsed, dict(scope.details))
            self._emit_failure(event, failure)
        raise RunStopped from None

    @asynccontextmanager
    async def step(self, step: Step, message: str) -> AsyncIterator[StepScope]:
        scope = self.begin(step, message)
        try:
            yield scope
        except asyncio.CancelledError:
            raise  # the step stays under way, for `cancelled`
        except (StepFailure, TimeoutError, OSError, EOFError, asyncio.IncompleteReadError) as error:
            self.fail(scope, error)
        else:
            self.end(scope)

    def cancelled(self) -> None:
        """The user stopped the test: the step under way ends as not finished, then the verdict says so."""
        scope, self.running = self.running, None
        if scope is not None:
            self.timings.append((scope.step, _ms(scope.began)))
            self.emit(StepEvent(scope.seq, scope.step, Status.SKIPPED, _('Cancelled.'), _ms(scope.began)))
        self.transcript.error(_('cancelled by the user'))
        explanation = explain(Cause.CANCELLED)
        failure = Failure(scope.step if scope else Step.INPUT, Cause.CANCELLED, '', False)
        self.emit(
            replace(self.verdict(''), passed=False, message=explanation.what, failure=failure, explanation=explanation)
        )

    def _classified(self, step: Step, error: BaseException) -> StepFailure:
        """A low-level error the test met on its own connections (DNS, connect, the HTTP handshake)."""
        message = no_answer(step) if isinstance(error, TimeoutError) else describe_error(error)
        return step_failure(step, classify_smtp_error(error, step), message)

    def _emit_failure(self, event: StepEvent, failure: StepFailure) -> None:
        cause = failure.failure.cause
        self.transcript.error(f'{cause.value}: {event.message}')
        explanation = explain(cause, host=self.host, step=event.step.value, http=self.http)
        value = replace(failure.failure, reply=self.transcript.redact(failure.failure.reply))
        event = replace(
            event,
            details=self._redacted(event.details),
            failure=value,
            explanation=explanation,
            reply=value.reply,
            transcript=self.transcript.drain(),
            change=failure.change,
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
            message=_('{step} failed: {what}').format(step=failure.title, what=what),
            failure=failure.failure,
            explanation=failure.explanation,
            change=failure.change,
        )


def _ms(began: float) -> float:
    return (time.perf_counter() - began) * 1000


def no_answer(step: Step) -> str:
    return _('No answer within the time limit ({step}).').format(step=step_title(step).lower())


def describe_error(error: BaseException) -> str:
    """A short, secret-free description of a low-level error."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return _('Certificate check failed: {reason}.').format(reason=error.verify_message)
    if isinstance(error, ssl.SSLError):
        return _('Encryption failed: {reason}.').format(reason=error.reason or type(error).__name__)
    if isinstance(error, ConnectionRefusedError):
        return _('The connection was refused.')
    if isinstance(error, ConnectionError | EOFError | asyncio.IncompleteReadError):
        return _('The server closed the connection.')
    return f'{type(error).__name__}: {error.strerror or error}' if isinstance(error, OSError) else type(error).__name__
