"""Refuse requests addressed to a host name we do not serve: blocks DNS-rebinding attacks on the local app."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = frozenset({'127.0.0.1', 'localhost', '[::1]', '::1'})


def host_name(header_value: str) -> str:
    """The Host header without its port, lower-cased; IPv6 literals keep their brackets."""
    value = header_value.strip().lower()
    if value.startswith('['):
        return value[: value.index(']') + 1] if ']' in value else value
    return value.rsplit(':', 1)[0] if value.count(':') == 1 else value


def allowed_host_names(served_host: str) -> frozenset[str]:
    served = served_host.strip().lower()
    extra = {served, f'[{served}]'} if ':' in served and not served.startswith('[') else {served}
    return LOOPBACK_NAMES | extra


class HostGuard:
    """Pure ASGI middleware, so it covers the WebSocket as well as HTTP."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] in ('http', 'websocket'):
            headers = dict(scope.get('headers') or [])
            host = host_name(headers.get(b'host', b'').decode('latin-1'))
            if host not in self.allowed:
                await self._refuse(scope, send)
                return
        await self.app(scope, receive, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if scope['type'] == 'websocket':
            await send({'type': 'websocket.close', 'code': 1008})
            return
        body = b'Forbidden: this address is not served here. Open Mailroom at http://127.0.0.1 instead.'
        await send(
            {
                'type': 'http.response.start',
                'status': 403,
                'headers': [
                    (b'content-type', b'text/plain; charset=utf-8'),
                    (b'content-length', str(len(body)).encode()),
                ],
            }
        )
        await send({'type': 'http.response.body', 'body': body})
