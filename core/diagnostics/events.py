"""The settings test as data: StepEvents while it runs, one Verdict at the end. The UI and the CLI only render these."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.causes import Cause, Explanation, Failure, Step
from core.diagnostics.transcript import TranscriptLine, render_transcript
from core.i18n import N_, _

STEP_TITLES: dict[Step, str] = {
    Step.INPUT: N_('Settings'),
    Step.TOKEN: N_('Sign-in token'),
    Step.DNS: N_('Server name lookup'),
    Step.CONNECT: N_('Connection'),
    Step.GREETING: N_('Server greeting'),
    Step.EHLO: N_('Introduction (EHLO)'),
    Step.TLS: N_('Encryption (TLS)'),
    Step.AUTH: N_('Sign-in'),
    Step.MAIL: N_('Sender'),
    Step.RCPT: N_('Recipient'),
    Step.DATA: N_('Message'),
    Step.QUIT: N_('Goodbye'),
    Step.HTTP: N_('HTTP request'),
}
"""Each step's title in English; `step_title` gives it in the current language."""


def step_title(step: Step) -> str:
    return _(STEP_TITLES[step])


class Status(StrEnum):
    RUNNING = 'running'
    OK = 'ok'
    WARN = 'warn'
    FAIL = 'fail'
    SKIPPED = 'skipped'


@dataclass(frozen=True)
class SettingsChange:
    """A settings field change that fixes a failure: a button on the page, a flag in the terminal (`--field value`)."""

    field: str  # an EmailSettings field, named as the CLI flag is (security)
    value: str
    label: str  # what the button says, e.g. 'Switch to SSL/TLS'

    def to_json(self) -> dict[str, str]:
        return {'field': self.field, 'value': self.value}


@dataclass(frozen=True)
class StepEvent:
    """One step started (status running) or finished. `seq` pairs a finish with its start (EHLO can run twice).

    A second finish with the same `seq` revises that step: a sender accepted at MAIL FROM can be refused at RCPT.
    """

    seq: int
    step: Step
    status: Status
    message: str
    elapsed_ms: float | None = None
    details: dict[str, str] = field(default_factory=dict)
    failure: Failure | None = None  # set on a failed step: the same value the transports and the email log keep
    explanation: Explanation | None = None
    reply: str = ''  # the server's reply to this step, whatever its status
    transcript: tuple[TranscriptLine, ...] = ()
    change: SettingsChange | None = None

    @property
    def title(self) -> str:
        return step_title(self.step)

    def detail(self, label: str) -> str:
        """One detail by its English label: the labels are kept in English, so scripts (`check --json`) and code can
        rely on them in any language; `shown_details` words them."""
        return self.details.get(label, '')

    def shown_details(self) -> dict[str, str]:
        """The details as the page and the terminal show them: each label in the current language."""
        return {_(label): value for label, value in self.details.items()}

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            'step': self.step.value,
            'status': self.status.value,
            'message': self.message,
            'cause': self.failure.cause.value if self.failure else None,
            'elapsed_ms': round(self.elapsed_ms, 1) if self.elapsed_ms is not None else None,
            'details': dict(self.details),
        }
        return data | _outcome_json(self.reply, self.explanation, self.change)


@dataclass(frozen=True)
class Verdict:
    """The end of a test: pass or fail, the failure it ended with (the first failing step and why, or a cancel), and
    the time spent per step."""

    passed: bool
    message: str
    failure: Failure | None = None
    explanation: Explanation | None = None
    timings: tuple[tuple[Step, float], ...] = ()
    total_ms: float = 0.0
    warnings: tuple[str, ...] = ()
    transcript: tuple[TranscriptLine, ...] = ()
    sent: bool = False
    change: SettingsChange | None = None

    @property
    def step(self) -> Step | None:
        return self.failure.step if self.failure else None

    @property
    def cause(self) -> Cause | None:
        return self.failure.cause if self.failure else None

    @property
    def reply(self) -> str:
        return self.failure.reply if self.failure else ''

    @property
    def verdict(self) -> str:
        return 'pass' if self.passed else 'fail'

    def transcript_text(self) -> str:
        return render_transcript(self.transcript)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            'verdict': self.verdict,
            'step': self.step.value if self.step else None,
            'cause': self.cause.value if self.cause else None,
            'message': self.message,
            'sent': self.sent,
            'total_ms': round(self.total_ms, 1),
            'timings': {step.value: round(ms, 1) for step, ms in self.timings},
            'warnings': list(self.warnings),
        }
        return data | _outcome_json(self.reply, self.explanation, self.change)


def _outcome_json(reply: str, explanation: Explanation | None, change: SettingsChange | None) -> dict[str, Any]:
    """The server's reply, the explanation and the fixing change, each only when there is one."""
    data: dict[str, Any] = {'reply': reply} if reply else {}
    if explanation:
        data['explanation'] = _explanation_json(explanation)
    if change:
        data['change'] = change.to_json()
    return data


def _explanation_json(explanation: Explanation) -> dict[str, str]:
    return {'what': explanation.what, 'why': explanation.why, 'fix': explanation.fix}
