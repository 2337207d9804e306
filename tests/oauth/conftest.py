"""Shared pieces for the sign-in tests: the fake provider, a signed-in settings value, an XOAUTH2 mail server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from core.oauth.signins import CALLBACK_PATH, SignIns
from core.oauth.tokens import TokenCache
from core.oauth.values import OAuthApp, TokenSet
from core.settings import AuthMethod, EmailSettings, Security
from tests.support.certs import TestPKI
from tests.support.fake_oauth import FakeProvider, fake_provider
from tests.support.smtp_servers import ServerInfo, smtp_server

ACCOUNT = 'owner@nordurljos.example'
REDIRECT = f'http://127.0.0.1:8080{CALLBACK_PATH}'


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    with fake_provider(account=ACCOUNT) as running:
        yield running


@pytest.fixture
def pki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestPKI:
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))
    return pki


@pytest.fixture
async def mail_server(provider: FakeProvider, pki: TestPKI) -> AsyncIterator[ServerInfo]:
    """STARTTLS, sign-in required, XOAUTH2 checked against the fake provider's tokens."""
    async with smtp_server(
        tls='starttls', cert=pki.good(), require_starttls=True, accounts={}, auth_required=True,
        check_token=provider.check,
    ) as server:  # fmt: skip
        yield server


def oauth_settings(provider: FakeProvider, server: ServerInfo | None = None, **changes: object) -> EmailSettings:
    settings = EmailSettings.from_dict(
        {
            'host': server.host if server else 'smtp.example.com',
            'port': server.port if server else 587,
            'security': Security.STARTTLS.value,
            'username': ACCOUNT,
            'auth': AuthMethod.OAUTH.value,
            **provider.endpoints(),
        }
    )
    return replace(settings, **changes)  # type: ignore[arg-type]


async def browser_consents(url: str, *, answer: str = 'allow') -> str:
    """What a person does in the browser: open the provider's page, press Allow; the redirect back to Mailroom."""
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
        assert page.status_code == 200, page.text
        assert 'allow Mailroom?' in page.text
        form = dict(httpx.QueryParams(httpx.URL(url).query))
        consent = await browser.post(url.split('/authorize')[0] + '/consent', data={**form, 'answer': answer})
        assert consent.status_code == 302
        return consent.headers['location']


async def signed_in(settings: EmailSettings) -> tuple[EmailSettings, TokenCache, TokenSet]:
    """Signed in through the fake provider: the settings with the refresh token, and a cache holding the sign-in's
    access token (as the page leaves it)."""
    token = await sign_in(settings)
    settings = replace(settings, oauth_refresh_token=token.refresh_token)
    tokens = TokenCache()
    tokens.remember(settings, token)
    return settings, tokens, token


async def sign_in(settings: EmailSettings) -> TokenSet:
    """The whole authorisation-code sign-in against the fake provider, as the settings page runs it."""
    signins = SignIns()
    pending = signins.begin(OAuthApp.of(settings), REDIRECT)
    callback = await browser_consents(pending.url)
    await signins.complete(callback)
    return await signins.result(pending)
