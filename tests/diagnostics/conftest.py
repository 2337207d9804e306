"""Fixtures for the settings-test suite: a trusted test CA, short timeouts, and a runner that must finish in time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from core.diagnostics.events import Status, StepEvent, Verdict
from core.diagnostics.probe import Timeouts
from core.diagnostics.runner import run_checks
from core.settings import EmailSettings, Security
from tests.support.certs import TestPKI

USER = 'owner@example.com'
PASSWORD = 'correct-horse-battery'
ACCOUNTS = {USER: PASSWORD}
FAST = Timeouts(dns=2, connect=2, greeting=1, tls=2, command=1, data=2, tls_probe=1, total=10)


@pytest.fixture(scope='session')
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return TestPKI(Path(tmp_path_factory.mktemp('pki')))


@pytest.fixture
def trusted(pki: TestPKI, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestPKI]:
    """The test CA is the machine's trust store for this test (as a company CA installed on the machine would be)."""
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))
    monkeypatch.delenv('SSL_CERT_DIR', raising=False)
    yield pki


def smtp_settings(port: int, security: Security = Security.STARTTLS, **changes: object) -> EmailSettings:
    base = EmailSettings(host='127.0.0.1', port=port, security=security, username=USER, password=PASSWORD)
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class Run:
    events: list[StepEvent]
    verdict: Verdict

    def finished(self) -> list[StepEvent]:
        return [e for e in self.events if e.status is not Status.RUNNING]

    def statuses(self) -> list[tuple[str, str]]:
        return [(e.step.value, e.status.value) for e in self.finished()]

    @property
    def transcript(self) -> str:
        return self.verdict.transcript_text()


async def run(settings: EmailSettings, *, timeouts: Timeouts = FAST, **kwargs: object) -> Run:
    """Run the whole test; it must end by itself within its own deadline (plus a little slack)."""
    events: list[StepEvent] = []
    async with asyncio.timeout(timeouts.total + 3):
        async with contextlib.aclosing(run_checks(settings, timeouts=timeouts, **kwargs)) as stream:  # type: ignore[arg-type]
            async for item in stream:
                if isinstance(item, Verdict):
                    return Run(events, item)
                events.append(item)
    raise AssertionError('the test ended without a verdict')
