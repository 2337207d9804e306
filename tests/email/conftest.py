"""Shared pieces for the email tests: a clock that only moves when told, settings and a draft."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from nicegui.testing import User

from core.documents.model import Document
from core.email_log import Draft, EmailRecord, MemoryEmailLog
from core.outbox import Outbox
from core.settings import EmailSettings, Security
from core.transport import transport_for
from tests.support.app_state import first_invoice
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, SmtpServerOptions, smtp_server
from tests.support.ui import BACKGROUND_RETRIES, set_value
from ui.services import Services

USERNAME = 'owner@nordurljos.example'
PASSWORD = 'app-pass-1234'


class FakeClock:
    """Time that moves only when a test (or the fake sleep) moves it, so backoff tests never wait."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def pki(tmp_path: Path) -> TestPKI:
    return TestPKI(tmp_path / 'pki')


@pytest.fixture
def trust_pki(pki: TestPKI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Certificates are verified against the system store, which honours SSL_CERT_FILE: point it at the test CA."""
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))


def submission_server(pki: TestPKI) -> SmtpServerOptions:
    """Like a provider's port 587: STARTTLS required before AUTH, AUTH required before mail."""
    return SmtpServerOptions(
        tls='starttls', cert=pki.good(), require_starttls=True, accounts={USERNAME: PASSWORD}, auth_required=True
    )


def smtp_settings(host: str = '127.0.0.1', port: int = 587, **changes: object) -> EmailSettings:
    values: dict[str, object] = {
        'host': host,
        'port': port,
        'security': Security.STARTTLS,
        'username': USERNAME,
        'password': PASSWORD,
        'bcc_enabled': True,
        'bcc': 'archive@nordurljos.example',
        'reply_to_enabled': True,
        'reply_to': 'accounts@nordurljos.example',
    }
    values.update(changes)
    return EmailSettings.from_dict(values)


def outbox_for(port: int, clock: FakeClock, sent: list[EmailRecord] | None = None, **changes: Any) -> Outbox:
    """An outbox on a memory log that sends with smtp_settings(port, **changes) on the fake clock."""
    settings = smtp_settings(port=port, **changes)
    return Outbox(
        MemoryEmailLog(),
        lambda: settings,
        lambda s: transport_for(s, timeout=5),
        clock=clock,
        sleep=clock.sleep,
        on_sent=(sent.append if sent is not None else None),
    )


def make_draft(**changes: object) -> Draft:
    values: dict[str, object] = {
        'to': ('thordur@example.is',),
        'cc': ('bookkeeper@example.is',),
        'subject': 'Invoice INV-0042 from Norðurljós Design',
        'text_body': 'Dear Þórður,\n\nPlease find attached invoice INV-0042.\n',
        'html_body': '<p>Dear Þórður,</p><p>Please find attached invoice INV-0042.</p>',
        'business_name': 'Norðurljós Design',
        'document_id': 'doc-42',
        'document_label': 'Sales Invoice INV-0042',
    }
    values.update(changes)
    return Draft(**values)  # type: ignore[arg-type]


@asynccontextmanager
async def outbox_on(
    options: SmtpServerOptions, clock: FakeClock, **changes: Any
) -> AsyncIterator[tuple[ServerInfo, Outbox, list[EmailRecord]]]:
    """A local server with `options`, an outbox_for it, and the records its on_sent was called with."""
    sent: list[EmailRecord] = []
    async with smtp_server(options) as server:
        yield server, outbox_for(server.port, clock, sent, **changes), sent


async def open_compose(user: User, services: Services, **settings: Any) -> Document:
    """Save smtp_settings(**settings), open the sample invoice's compose dialog and wait for its PDF."""
    services.folder.settings.save(smtp_settings(**settings))
    invoice = first_invoice(services)
    await user.open(f'/documents/{invoice.id}')
    user.find(marker='action-email').click()
    await user.should_see(marker='attachment-chip', retries=BACKGROUND_RETRIES)
    return invoice


def send_with(user: User, **fields: str) -> None:
    """Set the compose dialog's fields (to, cc, subject, body) as a person would, then press Send."""
    for name, value in fields.items():
        set_value(user, f'compose-{name}', value)
    user.find(marker='compose-send').click()
