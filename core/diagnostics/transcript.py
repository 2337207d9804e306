"""A swaks-style transcript (->, <-, ~>, <~, ===, ***) with a time on each line and every secret redacted."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from enum import StrEnum

REDACTED = '[hidden]'


class Mark(StrEnum):
    SENT = '->'
    RECEIVED = '<-'
    SENT_TLS = '~>'
    RECEIVED_TLS = '<~'
    INFO = '==='
    ERROR = '***'


@dataclass(frozen=True)
class TranscriptLine:
    at: float  # seconds since the epoch
    mark: Mark
    text: str

    def render(self) -> str:
        clock = time.strftime('%H:%M:%S', time.localtime(self.at))
        return f'{clock}.{int(self.at * 1000) % 1000:03d} {self.mark.value} {self.text}'


def render_transcript(lines: tuple[TranscriptLine, ...] | list[TranscriptLine]) -> str:
    return ''.join(f'{line.render()}\n' for line in lines)


class Transcript:
    """Collects lines for one test. Anything that matches a secret (as is or base64-encoded) never gets in."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        self._lines: list[TranscriptLine] = []
        self._drained = 0
        self._secrets = tuple(_secret_forms(secrets))

    def add(self, mark: Mark, text: str) -> None:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        for part in text.splitlines() or ['']:
            self._lines.append(TranscriptLine(time.time(), mark, part))

    def sent(self, text: str, *, encrypted: bool) -> None:
        self.add(Mark.SENT_TLS if encrypted else Mark.SENT, text)

    def received(self, text: str, *, encrypted: bool) -> None:
        self.add(Mark.RECEIVED_TLS if encrypted else Mark.RECEIVED, text)

    def info(self, text: str) -> None:
        self.add(Mark.INFO, text)

    def error(self, text: str) -> None:
        self.add(Mark.ERROR, text)

    def drain(self) -> tuple[TranscriptLine, ...]:
        """The lines added since the last drain (each event carries its own)."""
        new = tuple(self._lines[self._drained :])
        self._drained = len(self._lines)
        return new

    @property
    def lines(self) -> tuple[TranscriptLine, ...]:
        return tuple(self._lines)


def _secret_forms(secrets: tuple[str, ...]) -> list[str]:
    """The secret and its base64 form, longest first so that a longer match is replaced before a shorter one."""
    forms: set[str] = set()
    for secret in secrets:
        if len(secret) >= 3:
            forms.add(secret)
            forms.add(base64.b64encode(secret.encode()).decode().rstrip('='))
    return sorted(forms, key=len, reverse=True)
