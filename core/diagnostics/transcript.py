"""A swaks-style transcript (->, <-, ~>, <~, ===, ***) with a time on each line and every secret redacted."""

from __future__ import annotations

import base64
import bisect
import functools
import time
from collections.abc import Callable
from enum import StrEnum
from typing import NamedTuple
from urllib.parse import quote

REDACTED = '[hidden]'


class Mark(StrEnum):
    SENT = '->'
    RECEIVED = '<-'
    SENT_TLS = '~>'
    RECEIVED_TLS = '<~'
    INFO = '==='
    ERROR = '***'


class TranscriptLine(NamedTuple):
    """A tuple rather than a frozen dataclass: a test makes about forty of them, and a tuple is made in a third of the
    time."""

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

    def __init__(self, secrets: tuple[str, ...] = (), *, username: str = '') -> None:
        self._lines: list[TranscriptLine] = []
        self._drained = 0
        self._secrets, self._username = secrets, username
        self.redact = redactor(secrets, username)  # also for server replies shown outside the transcript

    def hide(self, secret: str) -> None:
        """A secret learnt during the test (the access token from the provider) is hidden from then on too."""
        self._secrets = (*self._secrets, secret)
        self.redact = redactor(self._secrets, self._username)

    def add(self, mark: Mark, text: str, *, at: float | None = None) -> None:
        """A line (several, if the text has several); `at`, in seconds since the epoch, when it happened earlier than
        it is written (the settings test writes a step up once the next command has gone out)."""
        text = self.redact(text)
        when = time.time() if at is None else at
        for part in text.splitlines() or ['']:
            self._lines.append(TranscriptLine(when, mark, part))

    def sent(self, text: str, *, encrypted: bool, at: float | None = None) -> None:
        self.add(Mark.SENT_TLS if encrypted else Mark.SENT, text, at=at)

    def received(self, text: str, *, encrypted: bool, at: float | None = None) -> None:
        self.add(Mark.RECEIVED_TLS if encrypted else Mark.RECEIVED, text, at=at)

    def info(self, text: str, *, at: float | None = None) -> None:
        self.add(Mark.INFO, text, at=at)

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


@functools.lru_cache(maxsize=8)
def redactor(secrets: tuple[str, ...], username: str = '') -> Callable[[str], str]:
    """A function that hides every form of these secrets in a text (base64 padding goes along). Made once per set of
    secrets: each test run of the same connection, and each refusal its sending meets, needs the same one."""
    forms = _secret_forms(secrets, username)
    return _Redactor(forms) if forms else str


class _Redactor:
    """Hides the form that starts first, the longest of those that start there, with up to two `=` of padding after
    it; then goes on after it. Plain searches rather than one regular expression: compiling an alternation of the
    forms of a JWT access token (2 kB each) took a tenth of a second for each new token."""

    def __init__(self, forms: list[str]) -> None:
        self._forms = forms  # longest first
        self._lengths = [-len(form) for form in forms]  # ascending, for bisect
        self._shortest = len(forms[-1])

    def __call__(self, text: str) -> str:
        if len(text) < self._shortest:  # most texts given are shorter than any form: nothing to look for
            return text
        forms = self._forms[bisect.bisect_left(self._lengths, -len(text)) :]  # those that fit in the text
        parts: list[str] = []
        done = 0
        while True:
            start, found = -1, ''
            for form in forms:
                at = text.find(form, done)
                if at != -1 and (start == -1 or at < start):
                    start, found = at, form
            if start == -1:
                return ''.join(parts) + text[done:] if parts else text
            end = start + len(found)
            end += len(text[end : end + 2]) - len(text[end : end + 2].lstrip('='))
            parts += (text[done:start], REDACTED)
            done = end


def _secret_forms(secrets: tuple[str, ...], username: str) -> list[str]:
    """Every form a secret can take on the wire, longest first so that a longer match is replaced before a shorter one.

    A server may echo what the client sent: the whole AUTH PLAIN token (`\\0user\\0password`), LOGIN's base64
    username and password, an XOAUTH2 string. The secret's own base64 is also removed wherever it sits inside a
    longer base64 text, in each of the three alignments, so no echo leaks a readable piece of it.
    """
    forms: set[str] = set()
    for secret in (s for s in secrets if len(s) >= 3):
        forms.update((secret, quote(secret, safe=''), _b64(secret)))
        if len(username) >= 3:  # LOGIN's answer to "Username:", which some servers echo beside the password
            forms.add(_b64(username))
        if username:
            forms.update(
                _b64(wrapped)
                for wrapped in (
                    f'\0{username}\0{secret}',
                    f'{username}\0{username}\0{secret}',
                    f'user={username}\x01auth=Bearer {secret}\x01\x01',
                )
            )
        forms.update(fragment for fragment in _b64_inside(secret) if len(fragment) >= 4)
    return sorted(forms, key=len, reverse=True)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode().rstrip('=')


def _b64_inside(secret: str) -> list[str]:
    """The base64 characters that depend on the secret alone, for each of the three byte offsets it may start at."""
    data = secret.encode()
    fragments = []
    for offset in range(3):
        encoded = base64.b64encode(b'\0' * offset + data).decode()
        first = -(-8 * offset // 6)  # the first character made only of the secret's bits
        last = 8 * (offset + len(data)) // 6  # one past the last such character
        fragments.append(encoded[first:last])
    return fragments
