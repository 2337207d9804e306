"""The settings test: `run_checks` yields StepEvents as each step happens, then one Verdict."""

from core.diagnostics.events import STEP_TITLES, Status, Step, StepEvent, Verdict
from core.diagnostics.probe import Timeouts
from core.diagnostics.runner import run_checks
from core.diagnostics.transcript import Mark, TranscriptLine, render_transcript

__all__ = [
    'STEP_TITLES',
    'Mark',
    'Status',
    'Step',
    'StepEvent',
    'Timeouts',
    'TranscriptLine',
    'Verdict',
    'render_transcript',
    'run_checks',
]
