"""Talking to the provider: the authorisation-code flow with PKCE, the device-code flow, and refreshing.

Authlib's AsyncOAuth2Client does the protocol (PKCE S256, the token request, the error answer); httpx carries it
with Mailroom's one TLS context. Every failure becomes an OAuthFailure with a stable cause.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from core.causes import Cause, classify_oauth_error
from core.i18n import _
from core.i18n.phrase import phrase
from core.oauth.claims import account_of
from core.oauth.providers import OAuthProvider
from core.oauth.values import DeviceCode, OAuthApp, OAuthFailure, PendingSignIn, TokenSet
from core.transport.tls import https_context

with warnings.catch_warnings():
    # Authlib 1.9 prefers the httpx2 package and warns when it falls back on httpx, which Mailroom uses everywhere
    # (one HTTP client, one TLS context). Its warning module puts an "always" filter first, so ours goes after it.
    import authlib.deprecate

    warnings.simplefilter('ignore', authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
TIMEOUT = 30.0


def _client(app: OAuthApp, **kwargs: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret or None,
        token_endpoint_auth_method='client_secret_post' if app.client_secret else 'none',
        code_challenge_method='S256',
        verify=https_context(True),
        timeout=TIMEOUT,
        **kwargs,
    )


def begin_sign_in(app: OAuthApp, redirect_uri: str) -> PendingSignIn:
    """The provider's sign-in page for the browser: authorisation code with PKCE (S256), a 32-byte state."""
    verifier = secrets.token_urlsafe(64)
    state = secrets.token_urlsafe(32)
    client = _client(app, scope=app.provider.requested_scope, redirect_uri=redirect_uri)
    url, _state = client.create_authorization_url(
        app.provider.authorize_url, state=state, code_verifier=verifier, **app.provider.authorize_params
    )
    return PendingSignIn(url=url, state=state, redirect_uri=redirect_uri, code_verifier=verifier)


async def finish_sign_in(app: OAuthApp, pending: PendingSignIn, callback_url: str) -> TokenSet:
    """The browser came back to Mailroom: exchange its code (with the PKCE verifier) for tokens."""
    async with _client(app, redirect_uri=pending.redirect_uri, state=pending.state) as client:
        answer = await _call(
            client.fetch_token(
                app.provider.token_url,
                authorization_response=callback_url,
                code_verifier=pending.code_verifier,
            )
        )
    return _token_set(answer, '', app.provider)


async def refresh(app: OAuthApp, refresh_token: str) -> TokenSet:
    """A fresh access token; the answer's refresh token replaces the old one when the provider rotates it."""
    async with _client(app) as client:
        answer = await _call(client.refresh_token(app.provider.token_url, refresh_token=refresh_token))
    return _token_set(answer, refresh_token, app.provider)


async def request_device_code(app: OAuthApp) -> DeviceCode:
    if not app.provider.device_url:
        raise OAuthFailure(
            Cause.INVALID_INPUT,
            _('{provider} offers no sign-in with a code for mail.').format(provider=app.provider.name),
        )
    async with _client(app) as client:
        data = {'client_id': app.client_id, 'scope': app.provider.requested_scope}
        response = await _call(client.request('POST', app.provider.device_url, data=data, withhold_token=True))
    answer = _json(response)
    if 'error' in answer or 'device_code' not in answer:
        raise OAuthFailure(classify_oauth_error(str(answer.get('error', '')), _said(answer)), _said(answer))
    return DeviceCode(
        user_code=str(answer['user_code']),
        verification_uri=str(answer.get('verification_uri') or answer.get('verification_url', '')),
        device_code=str(answer['device_code']),
        interval=int(answer.get('interval', 5)),
        expires_in=int(answer.get('expires_in', 900)),
    )


async def wait_for_device(
    app: OAuthApp, device: DeviceCode, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
) -> TokenSet:
    """Ask the token endpoint until the person has entered the code (RFC 8628 3.4, 3.5: slow_down adds 5 s)."""
    interval = max(device.interval, 0)
    deadline = time.monotonic() + device.expires_in
    async with _client(app) as client:
        while True:
            try:
                answer = await _call(
                    client.fetch_token(app.provider.token_url, grant_type=DEVICE_GRANT, device_code=device.device_code),
                    waiting=True,
                )
                return _token_set(answer, '', app.provider)
            except _Pending as pending:
                interval += 5 if pending.slow_down else 0
            if time.monotonic() + interval > deadline:
                raise OAuthFailure(Cause.OAUTH_SIGN_IN_AGAIN, _('The code expired before it was entered: start again.'))
            await sleep(interval)


class _Pending(Exception):
    def __init__(self, *, slow_down: bool) -> None:
        self.slow_down = slow_down


async def _call(request: Awaitable[Any], *, waiting: bool = False) -> Any:
    """One request to the provider, every failure as an OAuthFailure (or _Pending while a device code waits)."""
    try:
        return await request
    except OAuthError as error:
        code, said = str(error.error or ''), str(error.description or '')
        if waiting and code in ('authorization_pending', 'slow_down'):
            raise _Pending(slow_down=code == 'slow_down') from None
        raise OAuthFailure(classify_oauth_error(code, said), f'{code}: {said}'.strip(': ')) from None
    except httpx.HTTPError as error:
        raise OAuthFailure(Cause.OAUTH_PROVIDER_FAILED, f'{type(error).__name__}: {error}') from None
    except ValueError as error:  # an answer that is not JSON (a proxy's error page)
        unreadable = phrase('The provider did not answer with a token ({error}).', error=str(error))
        raise OAuthFailure(Cause.OAUTH_PROVIDER_FAILED, unreadable) from None


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        said = phrase('The provider answered {status} without a token.', status=response.status_code)
        raise OAuthFailure(Cause.OAUTH_PROVIDER_FAILED, said) from None
    return answer if isinstance(answer, dict) else {}


def _said(answer: dict[str, Any]) -> str:
    return f'{answer.get("error", "")}: {answer.get("error_description", "")}'.strip(': ')


def _token_set(answer: dict[str, Any], old_refresh_token: str, provider: OAuthProvider) -> TokenSet:
    access = str(answer.get('access_token') or '')
    if not access:
        raise OAuthFailure(Cause.OAUTH_PROVIDER_FAILED, phrase('The provider answered without an access token.'))
    refresh_token = str(answer.get('refresh_token') or old_refresh_token)
    if not refresh_token:
        raise OAuthFailure(
            Cause.OAUTH_SCOPE_MISSING,
            phrase(
                'The provider gave no refresh token, so Mailroom could send only for the next hour (the scope '
                '{scope} includes what keeps a sign-in).',
                scope=repr(provider.scope),
            ),
        )
    expires_at = answer.get('expires_at')
    if not isinstance(expires_at, int | float):
        expires_at = time.time() + float(answer.get('expires_in') or 3600)
    token = TokenSet(
        access_token=access,
        expires_at=int(expires_at),
        refresh_token=refresh_token,
        scope=str(answer.get('scope') or ''),
        account=account_of(str(answer.get('id_token') or ''), access),
    )
    if missing := token.missing_scopes(provider):
        raise OAuthFailure(
            Cause.OAUTH_SCOPE_MISSING, phrase('Not granted: {scopes}.', scopes=' '.join(sorted(missing)))
        )
    return token
