"""Answer only our own origin: blocks DNS rebinding, cross-site requests and sockets, and framing by other sites."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import ifaddr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.i18n import _, negotiate, using_language

LOOPBACK_NAMES = frozenset({'127.0.0.1', 'localhost', '[::1]', '::1'})
DEFAULT_PORTS = {'http': 80, 'https': 443}
PAGE_FRAME_HEADERS = [(b'x-frame-options', b'DENY'), (b'content-security-policy', b"frame-ancestors 'none'")]
# Files (the PDFs) may be shown inside Mailroom's own pages, as the previews do, but inside no other site.
FILE_FRAME_HEADERS = [(b'x-frame-options', b'SAMEORIGIN'), (b'content-security-policy', b"frame-ancestors 'self'")]


def host_name(header_value: str) -> str:
    """The Host header without its port, lower-cased; IPv6 literals keep their brackets."""
    return split_host(header_value)[0]


def split_host(value: str) -> tuple[str, str]:
    """A Host header (or an origin's host part) as (name, port); port is '' when absent."""
    value = value.strip().lower()
    if value.startswith('['):
        end = value.find(']')
        if end < 0:
            return value, ''
        return value[: end + 1], value[end + 2 :] if value[end + 1 : end + 2] == ':' else ''
    if value.count(':') == 1:
        name, port = value.rsplit(':', 1)
        return name, port
    return value, ''


def is_loopback_host(host: str) -> bool:
    """Whether listening on `host` keeps the app on this computer (127.0.0.0/8, ::1, localhost)."""
    name = host.strip().lower().strip('[]')
    if name == 'localhost':
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_wildcard_host(host: str) -> bool:
    """0.0.0.0 and :: listen on every address of this computer."""
    try:
        return ipaddress.ip_address(host.strip().strip('[]')).is_unspecified
    except ValueError:
        return False


def interface_names() -> set[str]:
    """This computer's own names and addresses: what a browser on the network puts in the Host header."""
    hostname = socket.gethostname().lower()
    names = {hostname, f'{hostname}.local'}
    for adapter in ifaddr.get_adapters():
        for address in adapter.ips:
            if address.is_IPv4:
                names.add(str(address.ip))
            elif isinstance(address.ip, tuple) and not address.ip[2]:  # link-local (scoped) IPv6 is left out
                names.add(f'[{address.ip[0]}]')
    return names


def allowed_host_names(served_host: str, local_names: Callable[[], Iterable[str]] = interface_names) -> frozenset[str]:
    """The names this app answers to: loopback, the --host name, and for 0.0.0.0 or :: this computer's names."""
    served = served_host.strip().lower()
    if is_wildcard_host(served):
        return LOOPBACK_NAMES | frozenset(name.lower() for name in local_names())
    extra = {served, f'[{served}]'} if ':' in served and not served.startswith('[') else {served}
    return LOOPBACK_NAMES | extra


def origin_allowed(origin: str | None, host_header: str, allowed: frozenset[str], scheme: str = 'http') -> bool:
    """The origin is the one the request was addressed to (same scheme, name and port), and that name is served here."""
    if not origin:
        return False
    parts = urlsplit(origin.strip().lower())
    if (
        parts.scheme != scheme
        or parts.scheme not in DEFAULT_PORTS
        or parts.path
        or parts.query
        or parts.netloc.count('@')
    ):
        return False
    origin_name, origin_port = split_host(parts.netloc)
    request_name, request_port = split_host(host_header)
    default = str(DEFAULT_PORTS[parts.scheme])
    return (
        origin_name in allowed and origin_name == request_name and (origin_port or default) == (request_port or default)
    )


def frame_headers(content_type: bytes) -> list[tuple[bytes, bytes]]:
    """Pages are never framed; other content (a PDF, text) only by Mailroom's own pages."""
    is_file = content_type and not content_type.lower().startswith(b'text/html')
    return FILE_FRAME_HEADERS if is_file else PAGE_FRAME_HEADERS


class HostGuard:
    """Pure ASGI middleware, so it covers the WebSocket (socket.io) as well as HTTP pages and polling.

    Refuses a Host we do not serve (DNS rebinding), an Origin other than our own (cross-site fetches, form posts and
    WebSockets), and requests a browser marks as sent by another site unless they are a plain navigation (following
    a link). Every page says it must not be framed at all, anything else that only Mailroom's own pages may frame it.
    """

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.allowed = frozenset(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope['type'] not in ('http', 'websocket'):
            await self.app(scope, receive, send)
            return
        scheme = 'https' if scope.get('scheme') in ('https', 'wss') else 'http'
        if not self.accepts(dict(scope.get('headers') or []), scheme):
            await self._refuse(scope, send)
            return
        if scope['type'] == 'websocket':
            await self.app(scope, receive, send)
            return

        async def send_with_frame_headers(message: Message) -> None:
            if message['type'] == 'http.response.start':
                headers = list(message.get('headers', []))
                message['headers'] = [*headers, *frame_headers(dict(headers).get(b'content-type', b''))]
            await send(message)

        await self.app(scope, receive, send_with_frame_headers)

    def accepts(self, headers: dict[bytes, bytes], scheme: str) -> bool:
        host = headers.get(b'host', b'').decode('latin-1')
        if host_name(host) not in self.allowed:
            return False
        if (origin := headers.get(b'origin')) is not None:
            return origin_allowed(origin.decode('latin-1'), host, self.allowed, scheme)
        site = headers.get(b'sec-fetch-site', b'')
        return site not in (b'cross-site', b'same-site') or headers.get(b'sec-fetch-mode') == b'navigate'

    async def _refuse(self, scope: Scope, send: Send) -> None:
        if scope['type'] == 'websocket':
            await send({'type': 'websocket.close', 'code': 1008})
            return
        headers = dict(scope.get('headers') or [])
        with using_language(
            negotiate(headers.get(b'accept-language', b'').decode('latin-1'))
        ):  # runs before the page language is set
            body = _(
                'Forbidden: this request came from another web site or names a host not served here. '
                'Open Mailroom at http://127.0.0.1 (or the address it was started on) instead.'
            ).encode()
        await send(
            {
                'type': 'http.response.start',
                'status': 403,
                'headers': [
                    (b'content-type', b'text/plain; charset=utf-8'),
                    (b'content-length', str(len(body)).encode()),
                    *FILE_FRAME_HEADERS,
                ],
            }
        )
        await send({'type': 'http.response.body', 'body': body})
