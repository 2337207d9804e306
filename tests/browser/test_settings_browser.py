"""The settings form in a real Chromium: fill, Update, reload; the password never reaches the page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, WebSocket, expect

from tests.browser.conftest import LiveApp, open_page

PASSWORD = 'Browser-Secret-9f3a'

pytestmark = pytest.mark.browser


def test_fill_update_reload_keeps_values_and_never_sends_the_password_back(
    page: Page, live_app_factory: Callable[..., LiveApp]
) -> None:
    app = live_app_factory('--empty')
    frames_after_save: list[str] = []
    saving_done = False

    def watch(socket: WebSocket) -> None:
        socket.on('framereceived', lambda frame: frames_after_save.append(str(frame)) if saving_done else None)

    page.on('websocket', watch)
    open_page(page, f'{app.url}/settings')
    page.get_by_label('SMTP server').fill('smtp.example.com')
    page.get_by_label('Username').fill('office')
    expect(page.get_by_label('Email address')).to_be_visible()
    page.get_by_label('Email address').fill('office@example.com')
    page.get_by_label('Password').fill(PASSWORD)
    page.get_by_text('Send a copy of all emails to this address').click()
    page.get_by_label('Copy (BCC) address').fill('records@example.com')
    expect(page.get_by_text('Unsaved changes')).to_be_visible()
    page.get_by_role('button', name='Update').click()
    expect(page.get_by_text('Email settings saved')).to_be_visible()
    saving_done = True
    expect(page.get_by_label('Password')).to_have_value('')

    page.reload()
    expect(page.get_by_label('SMTP server')).to_have_value('smtp.example.com')
    expect(page.get_by_label('Username')).to_have_value('office')
    expect(page.get_by_label('Email address')).to_have_value('office@example.com')
    expect(page.get_by_label('Copy (BCC) address')).to_have_value('records@example.com')
    expect(page.get_by_label('Password')).to_have_value('')
    expect(page.get_by_label('Password')).to_have_attribute('placeholder', re.compile('Saved'))
    expect(page.get_by_text('Unsaved changes')).to_be_hidden()

    assert PASSWORD not in page.content()
    assert frames_after_save, 'the page talked to the server after saving'
    assert not [frame for frame in frames_after_save if PASSWORD in frame]
    data = b''.join(path.read_bytes() for path in app.data_dir.rglob('*') if path.is_file())
    assert PASSWORD.encode() not in data
