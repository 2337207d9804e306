"""Sign-in for a Mailroom reachable from the network: one password, a signed session cookie, throttled guessing."""

from __future__ import annotations

import asyncio
import html
import ipaddress
import math
import secrets
import time
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qs, quote

from itsdangerous import BadSignature, TimestampSigner
from starlette.requests import HTTPConnection
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from core.i18n import _, current_language, ngettext
from core.oauth.signins import CALLBACK_PATH

LOGIN_PATH = '/login'
OPEN_PATHS = frozenset({'/status'})
SESSION_COOKIE = 'mailroom_session'
SESSION_SECONDS = 12 * 60 * 60
MAX_FORM_BYTES = 4096


class LoginThrottle:
    """At most `limit` wrong passwords per computer in any `window` seconds; IPv6 clients count per /64 network."""

    def __init__(self, limit: int = 5, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def wait_seconds(self, client: str) -> float:
        """How long this client must wait before its password is checked again; 0 when it may try now."""
        key = _client_key(client)
        failures = self._failures.get(key)
        if not failures:
            return 0.0
        now = self.clock()
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return 0.0
        return failures[0] + self.window - now if len(failures) >= self.limit else 0.0

    def record_failure(self, client: str) -> None:
        self._failures.setdefault(_client_key(client), deque()).append(self.clock())

    def forget(self, client: str) -> None:
        self._failures.pop(_client_key(client), None)


def _client_key(client: str) -> str:
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    return str(ipaddress.ip_network(f'{address}/64', strict=False)) if address.version == 6 else str(address)


class LoginGate:
    """Pure ASGI middleware: without a valid session every request but /status gets the sign-in page or 401.

    The session is a cookie signed with a key made at start (so a restart signs everyone out), HttpOnly and
    SameSite=Strict, valid for SESSION_SECONDS. The one other way in is the provider sending the browser back to
    GET /oauth/callback: coming from the provider's site, the browser leaves the Strict cookie out. The sign-in's
    one-time state authenticates that request instead: 32 random bytes that only a page behind this gate made, used
    once, and the code it brings is worth nothing without the PKCE verifier held here. Without a matching state the
    route changes nothing and tells nothing. (SameSite=Lax would let the cookie ride on every top-level navigation
    from any other site to any page, to serve this one route.)
    """

    def __init__(self, app: ASGIApp, *, verify: Callable[[str], bool], throttle: LoginThrottle | None = None) -> None:
        self.app = app
        self.verify = verify
        self.throttle = throttle or LoginThrottle()
        self.signer = TimestampSigner(secrets.token_bytes(32))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket') or scope['path'] in OPEN_PATHS or _provider_returning(scope):
            await self.app(scope, receive, send)
        elif scope['type'] == 'http' and scope['path'] == LOGIN_PATH:
            response = await self._login(scope, receive)
            await response(scope, receive, send)
        elif self._signed_in(scope):
            await self.app(scope, receive, send)
        elif scope['type'] == 'websocket':
            await send({'type': 'websocket.close', 'code': 1008})
        else:
            await _refusal(scope)(scope, receive, send)

    def _signed_in(self, scope: Scope) -> bool:
        token = HTTPConnection(scope).cookies.get(SESSION_COOKIE)
        if not token:
            return False
        try:
            self.signer.unsign(token, max_age=SESSION_SECONDS)
        except BadSignature:
            return False
        return True

    async def _login(self, scope: Scope, receive: Receive) -> Response:
        connection = HTTPConnection(scope)
        if scope['method'] != 'POST':
            return login_page(connection.query_params.get('next', '/'))
        form = parse_qs((await _read_body(receive)).decode('utf-8', errors='replace'))
        target = form.get('next', ['/'])[0]
        client = scope['client'][0] if scope.get('client') else 'unknown'
        if wait := self.throttle.wait_seconds(client):
            seconds = max(1, math.ceil(wait))
            message = ngettext(
                'Too many wrong passwords from this computer, so Mailroom stopped checking them for a while. '
                'Wait {count} second, then try again.',
                'Too many wrong passwords from this computer, so Mailroom stopped checking them for a while. '
                'Wait {count} seconds, then try again.',
                seconds,
            ).format(count=seconds)
            return login_page(target, message, status=429, headers={'Retry-After': str(seconds)})
        password = form.get('password', [''])[0]
        if not await asyncio.to_thread(self.verify, password):
            self.throttle.record_failure(client)
            message = _(
                'Wrong password: it is not the web password Mailroom was started with. Check it and try again '
                '(after {limit} wrong tries, wait a minute).'
            ).format(limit=self.throttle.limit)
            return login_page(target, message, status=401)
        self.throttle.forget(client)
        response = RedirectResponse(_local_path(target), status_code=303)
        token = self.signer.sign(secrets.token_urlsafe(16)).decode('ascii')
        response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_SECONDS, httponly=True, samesite='strict')
        return response


def _provider_returning(scope: Scope) -> bool:
    return scope['type'] == 'http' and scope['method'] == 'GET' and scope['path'] == CALLBACK_PATH


async def _read_body(receive: Receive) -> bytes:
    body = b''
    while len(body) <= MAX_FORM_BYTES:
        message = await receive()
        body += message.get('body', b'')
        if not message.get('more_body'):
            break
    return body[:MAX_FORM_BYTES]


def _refusal(scope: Scope) -> Response:
    """A page a person opened goes to the sign-in page; anything else (socket.io polling, files) gets 401."""
    headers = dict(scope.get('headers') or [])
    navigating = headers.get(b'sec-fetch-mode') == b'navigate' or b'text/html' in headers.get(b'accept', b'')
    if scope['method'] in ('GET', 'HEAD') and navigating:
        path = scope['path'] + (f'?{scope["query_string"].decode("latin-1")}' if scope.get('query_string') else '')
        return RedirectResponse(f'{LOGIN_PATH}?next={quote(path, safe="")}', status_code=303)
    return PlainTextResponse(
        _('Sign in first: open /login in your browser and enter the web password.'), status_code=401
    )


def _local_path(target: str) -> str:
    """Only a path on this server, so the sign-in page cannot be used to send people elsewhere."""
    if not target.startswith('/') or target.startswith('//') or '\\' in target or target.startswith(LOGIN_PATH):
        return '/'
    return target


def login_page(target: str, message: str = '', *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    notice = f'<p class="notice" role="alert">{html.escape(message)}</p>' if message else ''
    sign_in = html.escape(_('Sign in'))
    why = html.escape(_('Mailroom is open to your network, so it asks for the web password it was started with.'))
    label = html.escape(_('Web password'))
    page = f"""<!doctype html>
<html lang="{current_language()}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{sign_in} · Mailroom</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f5f5f5; display: grid;
       place-items: center; min-height: 90vh; }}
form {{ background: white; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; max-width: 24rem; }}
input {{ width: 100%; padding: .5rem; margin: .5rem 0 1rem; box-sizing: border-box; font-size: 1rem; }}
button {{ padding: .5rem 1.5rem; font-size: 1rem; }}
.notice {{ color: #b00020; }}
</style></head>
<body><form method="post" action="{LOGIN_PATH}">
<h1>Mailroom</h1>
<p>{why}</p>
{notice}
<label for="password">{label}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required autofocus>
<input type="hidden" name="next" value="{html.escape(_local_path(target))}">
<button type="submit">{sign_in}</button>
</form></body></html>"""
    return HTMLResponse(page, status_code=status, headers=headers)
