"""A fake OAuth2 provider on 127.0.0.1 (Starlette under uvicorn): authorise with PKCE and a consent page, tokens,
refresh with rotation, device code, and the error answers real providers give.

Strict where real providers are strict and stricter where a test gains from it: a rotated refresh token stops working
at once, so a client that does not save the new one fails its next refresh.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = 'fake-client-id'
SCOPE = 'https://mail.fake.test/smtp'


def jwt(claims: dict[str, Any]) -> str:
    """An unsigned JWT (the client reads claims without checking the signature, as for a token-endpoint answer)."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip('=')

    return f'{part({"alg": "none", "typ": "JWT"})}.{part(claims)}.sig'


@dataclass
class Grant:
    account: str
    scope: str


@dataclass
class FakeProvider:
    """The provider's state; tests read it and change it (revoke, expire, fail the next answer)."""

    url: str = ''
    account: str = 'owner@nordurljos.example'  # who "signs in" on the consent page
    client_secret: str = ''  # required at the token endpoint when set
    expires_in: int = 3600
    scope_granted: str | None = None  # grant less than asked (None: what was asked)
    next_token_error: dict[str, str] | None = None  # the next token answer is this error
    codes: dict[str, tuple[str, str, str, Grant]] = field(default_factory=dict)  # code -> challenge, redirect, client
    access_tokens: dict[str, Grant] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)
    devices: dict[str, dict[str, Any]] = field(default_factory=dict)  # device_code -> state
    token_requests: list[str] = field(default_factory=list)  # grant types asked for, in order
    consent_pages: int = 0

    # --- what the SMTP server asks -----------------------------------------------------------------------------------

    def check(self, user: str, token: str) -> bool:
        grant = self.access_tokens.get(token)
        return grant is not None and token not in self.expired and grant.account == user and SCOPE in grant.scope

    def revoke_all(self) -> None:
        self.refresh_tokens.clear()
        self.access_tokens.clear()

    def expire_access_tokens(self) -> None:
        self.expired.update(self.access_tokens)

    # --- routes ------------------------------------------------------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        q = request.query_params
        problems = [
            q.get('response_type') != 'code' and 'response_type must be code',
            q.get('client_id') != CLIENT_ID and 'unknown client_id',
            q.get('code_challenge_method') != 'S256' and 'PKCE S256 required',
            not q.get('code_challenge') and 'code_challenge missing',
            urlsplit(q.get('redirect_uri', '')).hostname != '127.0.0.1' and 'redirect_uri must be loopback',
        ]
        if found := [p for p in problems if p]:
            return HTMLResponse(f'<h1>Bad request</h1><p>{html.escape(", ".join(found))}</p>', status_code=400)
        self.consent_pages += 1
        hidden = ''.join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">' for k, v in q.items()
        )
        page = (
            '<!doctype html><title>Fake provider</title><h1>Fake provider: allow Mailroom?</h1>'
            f'<p>Signed in as {html.escape(self.account)}. Mailroom asks to send mail '
            f'({html.escape(q.get("scope", ""))}).</p>'
            f'<form method="post" action="/consent">{hidden}'
            '<button name="answer" value="allow">Allow</button> <button name="answer" value="deny">Deny</button></form>'
        )
        return HTMLResponse(page)

    async def consent(self, request: Request) -> Response:
        form = await request.form()
        redirect, state = str(form['redirect_uri']), str(form.get('state', ''))
        if form.get('answer') != 'allow':
            query = {'error': 'access_denied', 'error_description': 'The user declined.', 'state': state}
            return RedirectResponse(f'{redirect}?{urlencode(query)}', status_code=302)
        code = secrets.token_urlsafe(16)
        scope = self.scope_granted if self.scope_granted is not None else str(form.get('scope', ''))
        self.codes[code] = (str(form['code_challenge']), redirect, str(form['client_id']), Grant(self.account, scope))
        return RedirectResponse(f'{redirect}?{urlencode({"code": code, "state": state})}', status_code=302)

    async def token(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        grant_type = form.get('grant_type', '')
        self.token_requests.append(grant_type)
        if self.next_token_error is not None:
            error, self.next_token_error = self.next_token_error, None
            return JSONResponse(error, status_code=400)
        if form.get('client_id') != CLIENT_ID or (
            self.client_secret and form.get('client_secret') != self.client_secret
        ):
            return _error('invalid_client', 'AADSTS7000215: Invalid client secret provided.', 401)
        if grant_type == 'authorization_code':
            found = self.codes.pop(form.get('code', ''), None)
            if found is None:
                return _error('invalid_grant', 'The code is unknown or used.')
            challenge, redirect, _, grant = found
            verifier = form.get('code_verifier', '')
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip('=')
            if digest != challenge:
                return _error('invalid_grant', 'PKCE verification failed.')
            if form.get('redirect_uri') != redirect:
                return _error('invalid_grant', 'redirect_uri differs from the authorisation request.')
            return self._issue(grant)
        if grant_type == 'refresh_token':
            spent = form.get('refresh_token', '')
            if spent not in self.refresh_tokens:
                return _error('invalid_grant', 'AADSTS70008: The refresh token has expired or been revoked.')
            return self._issue(self.refresh_tokens.pop(spent))  # rotation: the old one is spent now
        if grant_type == 'urn:ietf:params:oauth:grant-type:device_code':
            device = self.devices.get(form.get('device_code', ''))
            if device is None:
                return _error('expired_token', 'The device code expired.')
            if not device['approved']:
                return _error('authorization_pending', 'The user has not entered the code yet.')
            del self.devices[form['device_code']]
            return self._issue(Grant(self.account, device['scope']))
        return _error('unsupported_grant_type', grant_type)

    async def device_code(self, request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if form.get('client_id') != CLIENT_ID:
            return _error('invalid_client', 'AADSTS700016: Application not found.')
        code, user_code = secrets.token_urlsafe(16), f'FAKE-{secrets.randbelow(10_000):04d}'
        self.devices[code] = {'user_code': user_code, 'approved': False, 'scope': form.get('scope', '')}
        return JSONResponse(
            {
                'device_code': code,
                'user_code': user_code,
                'verification_uri': f'{self.url}/device',
                'interval': 1,
                'expires_in': 60,
                'message': f'Open {self.url}/device and enter {user_code}.',
            }
        )

    def approve_device(self, user_code: str) -> bool:
        for device in self.devices.values():
            if device['user_code'] == user_code:
                device['approved'] = True
                return True
        return False

    async def device_page(self, request: Request) -> Response:
        if request.method == 'POST':
            ok = self.approve_device(str((await request.form()).get('user_code', '')))
            return HTMLResponse('<p>Device signed in.</p>' if ok else '<p>Unknown code.</p>')
        return HTMLResponse('<form method="post"><input name="user_code"><button>Continue</button></form>')

    def _issue(self, grant: Grant) -> Response:
        access = jwt({'aud': 'https://mail.fake.test', 'upn': grant.account, 'scp': grant.scope, 'n': _nonce()})
        refresh = f'rt-{secrets.token_urlsafe(24)}'
        self.access_tokens[access] = grant
        self.refresh_tokens[refresh] = grant
        body: dict[str, Any] = {
            'token_type': 'Bearer',
            'access_token': access,
            'expires_in': self.expires_in,
            'refresh_token': refresh,
            'scope': grant.scope,
        }
        if 'openid' in grant.scope.split():
            body['id_token'] = jwt({'email': grant.account, 'iss': self.url})
        return JSONResponse(body)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route('/authorize', self.authorize),
                Route('/consent', self.consent, methods=['POST']),
                Route('/token', self.token, methods=['POST']),
                Route('/devicecode', self.device_code, methods=['POST']),
                Route('/device', self.device_page, methods=['GET', 'POST']),
            ]
        )

    def endpoints(self) -> dict[str, str]:
        """The "Other OAuth provider" fields of the settings for this provider."""
        return {
            'oauth_provider': 'other',
            'oauth_client_id': CLIENT_ID,
            'oauth_authorize_url': f'{self.url}/authorize',
            'oauth_token_url': f'{self.url}/token',
            'oauth_device_url': f'{self.url}/devicecode',
            'oauth_scope': f'{SCOPE} offline_access',
        }


def _nonce() -> str:
    return f'{time.time_ns()}-{secrets.token_hex(4)}'


def _error(error: str, description: str, status: int = 400) -> Response:
    return JSONResponse({'error': error, 'error_description': description}, status_code=status)


@contextlib.contextmanager
def fake_provider(**options: Any) -> Iterator[FakeProvider]:
    """The provider served by uvicorn on a free 127.0.0.1 port in its own thread (works for async and sync tests)."""
    provider = FakeProvider(**options)
    config = uvicorn.Config(provider.app(), host='127.0.0.1', port=0, log_level='warning', lifespan='off')
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError('the fake OAuth provider did not start')
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    provider.url = f'http://127.0.0.1:{port}'
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(5)
