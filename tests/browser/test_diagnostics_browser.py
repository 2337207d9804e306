"""A real settings test from the page in Chromium, against a local aiosmtpd with STARTTLS and AUTH."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveApp, open_page
from tests.support.certs import TestPKI
from tests.support.smtp_servers import threaded_smtp_server

USER = 'office@example.com'
PASSWORD = 'Browser-Test-Secret-51c2'

pytestmark = pytest.mark.browser


def test_test_email_settings_runs_live_from_the_page(
    page: Page, live_app_factory: Callable[..., LiveApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))  # the app process trusts the test CA like a company CA
    with threaded_smtp_server(tls='starttls', cert=pki.good(), accounts={USER: PASSWORD}) as server:
        app = live_app_factory('--empty')
        open_page(page, f'{app.url}/settings')
        page.get_by_label('SMTP server').fill('127.0.0.1')
        page.get_by_label('Port', exact=True).fill(str(server.port))
        page.get_by_label('Username').fill(USER)
        page.get_by_label('Password').fill(PASSWORD)
        page.get_by_role('button', name='Test email settings').click()

        expect(page.get_by_text('Your email settings work')).to_be_visible()
        for text in ('Server greeting', 'Encryption (TLS)', 'Sign-in', 'Signed in as office@example.com.'):
            expect(page.get_by_text(text, exact=True).first).to_be_visible()
        expect(page.get_by_role('button', name='Test email settings')).to_be_enabled()
        page.get_by_text('Transcript', exact=True).click()
        expect(page.get_by_text('~> AUTH PLAIN [hidden]')).to_be_visible()
        assert PASSWORD not in page.inner_text('body')  # the form field holds it as typed; nothing else may

    (message,) = server.recorder.messages
    assert message.over_tls and message.authenticated and message.rcpt_tos == (USER,)
    assert server.recorder.auth_over_tls is True
    assert not server.recorder.credentials_in_plaintext(PASSWORD)
