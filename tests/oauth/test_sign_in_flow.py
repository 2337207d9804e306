"""The authorisation-code flow with PKCE and the device-code flow against a fake provider on 127.0.0.1."""

from __future__ import annotations

import pytest

from core.causes import Cause
from core.oauth.client import refresh, request_device_code, wait_for_device
from core.oauth.signins import SignIns
from core.oauth.values import OAuthApp, OAuthFailure
from tests.oauth.conftest import ACCOUNT, REDIRECT, browser_consents, oauth_settings, sign_in
from tests.support.fake_oauth import FakeProvider


async def test_sign_in_with_pkce_gives_a_refresh_token_and_names_the_account(provider: FakeProvider) -> None:
    token = await sign_in(oauth_settings(provider))
    assert token.refresh_token in provider.refresh_tokens
    assert provider.check(ACCOUNT, token.access_token)
    assert token.account == ACCOUNT
    assert isinstance(token.expires_at, int)
    assert provider.token_requests == ['authorization_code']


async def test_a_tampered_code_verifier_is_refused_by_the_provider(provider: FakeProvider) -> None:
    settings = oauth_settings(provider)
    signins = SignIns()
    pending = signins.begin(OAuthApp.of(settings), REDIRECT)
    callback = await browser_consents(pending.url)
    signins._waiting[pending.state].pending = type(pending)(pending.url, pending.state, REDIRECT, 'x' * 64)
    with pytest.raises(OAuthFailure) as failed:
        await signins.complete(callback)
    assert failed.value.cause is Cause.OAUTH_SIGN_IN_AGAIN
    assert 'PKCE' in failed.value.detail


async def test_declining_consent_says_consent_is_needed(provider: FakeProvider) -> None:
    settings = oauth_settings(provider)
    signins = SignIns()
    pending = signins.begin(OAuthApp.of(settings), REDIRECT)
    callback = await browser_consents(pending.url, answer='deny')
    with pytest.raises(OAuthFailure) as failed:
        await signins.complete(callback)
    assert failed.value.cause is Cause.OAUTH_CONSENT_REQUIRED
    with pytest.raises(OAuthFailure):
        await signins.result(pending)


async def test_an_unknown_state_is_not_completed(provider: FakeProvider) -> None:
    signins = SignIns()
    signins.begin(OAuthApp.of(oauth_settings(provider)), REDIRECT)
    with pytest.raises(OAuthFailure) as failed:
        await signins.complete(f'{REDIRECT}?code=abc&state=forged')
    assert failed.value.cause is Cause.OAUTH_SIGN_IN_AGAIN
    assert provider.token_requests == []


async def test_refresh_rotates_the_refresh_token(provider: FakeProvider) -> None:
    settings = oauth_settings(provider)
    first = await sign_in(settings)
    second = await refresh(OAuthApp.of(settings), first.refresh_token)
    assert second.refresh_token != first.refresh_token
    with pytest.raises(OAuthFailure) as failed:
        await refresh(OAuthApp.of(settings), first.refresh_token)
    assert failed.value.cause is Cause.OAUTH_SIGN_IN_AGAIN


@pytest.mark.parametrize(
    ('error', 'description', 'cause'),
    [
        ('invalid_grant', 'AADSTS65001: The user or administrator has not consented.', Cause.OAUTH_CONSENT_REQUIRED),
        ('invalid_grant', 'AADSTS90094: Admin consent is required.', Cause.OAUTH_ADMIN_CONSENT_REQUIRED),
        ('invalid_client', 'AADSTS7000215: Invalid client secret provided.', Cause.OAUTH_CLIENT_INVALID),
        ('invalid_grant', 'Token has been expired or revoked.', Cause.OAUTH_SIGN_IN_AGAIN),
        ('invalid_scope', 'The scope is not valid.', Cause.OAUTH_SCOPE_MISSING),
        ('temporarily_unavailable', 'Try later.', Cause.OAUTH_PROVIDER_FAILED),
    ],
)
async def test_provider_errors_get_their_causes(
    provider: FakeProvider, error: str, description: str, cause: Cause
) -> None:
    settings = oauth_settings(provider)
    token = await sign_in(settings)
    provider.next_token_error = {'error': error, 'error_description': description}
    with pytest.raises(OAuthFailure) as failed:
        await refresh(OAuthApp.of(settings), token.refresh_token)
    assert failed.value.cause is cause


async def test_a_grant_without_the_mail_scope_is_refused(provider: FakeProvider) -> None:
    provider.scope_granted = 'offline_access'
    with pytest.raises(OAuthFailure) as failed:
        await sign_in(oauth_settings(provider))
    assert failed.value.cause is Cause.OAUTH_SCOPE_MISSING


async def test_device_code_flow_waits_for_the_code_then_signs_in(provider: FakeProvider) -> None:
    app = OAuthApp.of(oauth_settings(provider))
    device = await request_device_code(app)
    polls: list[float] = []

    async def enter_code_meanwhile(seconds: float) -> None:
        polls.append(seconds)
        provider.approve_device(device.user_code)

    token = await wait_for_device(app, device, sleep=enter_code_meanwhile)
    assert polls == [1]
    assert provider.check(ACCOUNT, token.access_token)
    assert provider.token_requests.count('urn:ietf:params:oauth:grant-type:device_code') == 2
