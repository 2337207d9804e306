"""In a real Chromium: Retry answers with a toast, although its own row is rebuilt before the answer comes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from core.causes import Cause
from core.outbox import Outbox
from core.settings import EmailSettings, Security
from core.transport.base import TransportError
from core.transport.memory import MemoryTransport
from storage.folder import DataFolder
from tests.browser.conftest import LiveApp, free_port, open_page
from tests.email.conftest import make_draft

pytestmark = pytest.mark.browser


def test_retry_answers_with_a_toast(page: Page, live_app_factory: Callable[..., LiveApp], tmp_path: Path) -> None:
    data_dir = tmp_path / 'data'
    folder = DataFolder(data_dir)
    settings = EmailSettings(
        host='127.0.0.1', port=free_port(), security=Security.NONE, allow_plaintext=True, email='me@example.com'
    )
    folder.settings.save(settings)
    refused = MemoryTransport([TransportError('rcpt', Cause.RECIPIENT_REJECTED, reply_code=550, reply_text='No')])
    outbox = Outbox(folder.email_log, folder.settings.load, lambda _s: refused)
    with ThreadPoolExecutor(1) as thread:  # Playwright's own event loop runs in this one
        thread.submit(asyncio.run, outbox.send(make_draft(subject='Invoice INV-0001'))).result()
    folder.close()

    app = live_app_factory(data_dir=data_dir)
    errors: list[str] = []
    page.on('console', lambda message: errors.append(message.text) if message.type == 'error' else None)
    open_page(page, f'{app.url}/emails?status=failed')
    page.get_by_role('button', name='Retry').click()
    expect(page.get_by_text('Not sent: ', exact=False).first).to_be_visible(timeout=30_000)
    assert app.process.poll() is None


def test_use_these_settings_answers_with_a_toast(page: Page, live_app: LiveApp) -> None:
    open_page(page, f'{live_app.url}/settings')
    page.get_by_label('Username').fill('someone@gmail.com')
    page.get_by_role('button', name='Use these settings').click()
    expect(page.get_by_text('Gmail settings filled in. Now enter your password.')).to_be_visible()
    expect(page.get_by_label('SMTP server')).to_have_value('smtp.gmail.com')
