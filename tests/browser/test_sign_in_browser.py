"""In a real Chromium: Email settings → Sign in → the fake provider's consent page → back in Mailroom → the test
passes with XOAUTH2 → Update → an invoice is emailed and arrives. No token reaches the page or its WebSocket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, WebSocket, expect

from core.documents.model import DocumentType
from core.settings import AuthMethod, EmailSettings, Security
from storage.folder import DataFolder
from storage.sample import seed_sample_data
from tests.browser.conftest import LiveApp, open_page
from tests.support.certs import TestPKI
from tests.support.fake_oauth import fake_provider
from tests.support.smtp_servers import threaded_smtp_server

ACCOUNT = 'owner@nordurljos.example'
WEB_PASSWORD = 'Lan-Password-7c1e'

pytestmark = pytest.mark.browser


def test_sign_in_test_and_email_an_invoice_with_xoauth2(
    page: Page, live_app_factory: Callable[..., LiveApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))
    with (
        fake_provider(account=ACCOUNT) as provider,
        threaded_smtp_server(
            tls='starttls', cert=pki.good(), require_starttls=True, accounts={}, auth_required=True,
            check_token=provider.check,
        ) as server,
    ):  # fmt: skip
        data_dir = tmp_path / 'data'
        folder = DataFolder(data_dir)
        seed_sample_data(folder, today=date.today())
        folder.settings.save(
            EmailSettings.from_dict(
                {
                    'host': server.host,
                    'port': server.port,
                    'security': Security.STARTTLS.value,
                    'username': 'typed@nordurljos.example',
                    'auth': AuthMethod.OAUTH.value,
                    **provider.endpoints(),
                }
            )
        )
        invoice = next(d for d in folder.documents.all() if d.type is DocumentType.SALES_INVOICE)
        contact = folder.contacts.get(invoice.contact_id)
        assert contact is not None
        folder.close()
        app = live_app_factory(data_dir=data_dir)
        frames: list[str] = []

        def watch(socket: WebSocket) -> None:
            socket.on('framereceived', lambda frame: frames.append(str(frame)))
            socket.on('framesent', lambda frame: frames.append(str(frame)))

        page.on('websocket', watch)
        open_page(page, f'{app.url}/settings')
        expect(page.get_by_text('Not signed in.')).to_be_visible()
        with page.context.expect_page() as opened:
            page.get_by_role('button', name='Sign in', exact=True).click()
        consent = opened.value
        expect(consent.get_by_text('Fake provider: allow Mailroom?')).to_be_visible()
        consent.get_by_role('button', name='Allow').click()
        expect(consent.get_by_text(f'Mailroom is signed in as {ACCOUNT}.')).to_be_visible()
        consent_text = consent.content()
        consent.close()

        expect(page.get_by_text(f'Signed in as {ACCOUNT}: press Update to save the sign-in.')).to_be_visible()
        expect(page.get_by_label('Username')).to_have_value(ACCOUNT)
        page.get_by_label('Send the test to').fill('anna@example.org')
        page.get_by_role('button', name='Test email settings').click()
        expect(page.get_by_text('Your email settings work')).to_be_visible()
        page.get_by_role('button', name='Update').click()
        expect(page.get_by_text('Email settings saved')).to_be_visible()

        open_page(page, f'{app.url}/documents/{invoice.id}')
        page.get_by_role('button', name='Email').first.click()
        page.get_by_role('button', name='Send').click()
        recipients = (*contact.emails, *contact.cc)  # one email for To and Cc together
        expect(page.get_by_text(f'Sent to {", ".join(recipients)}.')).to_be_visible()

        assert [a.mechanism for a in server.recorder.auth_attempts] == ['XOAUTH2', 'XOAUTH2']
        assert all(a.success for a in server.recorder.auth_attempts)
        assert [m.rcpt_tos for m in server.recorder.messages] == [('anna@example.org',), recipients]
        secrets = [*provider.access_tokens, *provider.refresh_tokens]
        shown = page.content() + consent_text + ''.join(frames)
        assert frames and not [s for s in secrets if s in shown]
        stored = b''.join(path.read_bytes() for path in data_dir.rglob('*') if path.is_file())
        assert not [s for s in secrets if s.encode() in stored]


def test_behind_the_web_password_the_browser_back_from_the_provider_completes_the_sign_in(
    page: Page, live_app_factory: Callable[..., LiveApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real provider is another site, so the browser comes back without the SameSite=Strict session cookie: the
    fake one is reached as localhost, another site than Mailroom's 127.0.0.1, and Chromium leaves the cookie out."""
    monkeypatch.setenv('MAILROOM_WEB_PASSWORD', WEB_PASSWORD)
    with fake_provider(account=ACCOUNT) as provider:
        data_dir = tmp_path / 'data'
        folder = DataFolder(data_dir)
        endpoints = provider.endpoints()
        endpoints['oauth_authorize_url'] = endpoints['oauth_authorize_url'].replace('//127.0.0.1:', '//localhost:')
        folder.settings.save(
            EmailSettings.from_dict(
                {
                    'host': 'smtp.nordurljos.example',
                    'port': 587,
                    'security': Security.STARTTLS.value,
                    'username': ACCOUNT,
                    'auth': AuthMethod.OAUTH.value,
                    **endpoints,
                }
            )
        )
        folder.close()
        app = live_app_factory('--require-login', data_dir=data_dir)
        page.goto(f'{app.url}/settings')  # the login page first: its socket waits for the password
        page.get_by_label('Web password').fill(WEB_PASSWORD)
        page.get_by_role('button', name='Sign in').click()
        expect(page).to_have_url(f'{app.url}/settings')
        expect(page.get_by_text('Not signed in.')).to_be_visible()

        with page.context.expect_page() as opened:
            page.get_by_role('button', name='Sign in', exact=True).click()
        consent = opened.value
        expect(consent.get_by_text('Fake provider: allow Mailroom?')).to_be_visible()
        assert consent.url.startswith('http://localhost:')
        consent.get_by_role('button', name='Allow').click()
        expect(consent.get_by_text(f'Mailroom is signed in as {ACCOUNT}.')).to_be_visible()
        assert consent.url.startswith(f'{app.url}/oauth/callback?')
        consent.close()

        expect(page.get_by_text(f'Signed in as {ACCOUNT}: press Update to save the sign-in.')).to_be_visible()
        assert provider.token_requests == ['authorization_code']
