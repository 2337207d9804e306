"""The web app behind its guards: the app in this process over ASGI, with or without the network sign-in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.conftest import simulated_app
from ui.login import LoginThrottle
from ui.services import Services

WEB_PASSWORD = 'Lan-Password-7c1e'


class FakeClock:
    """The throttle's clock, moved by the test instead of by waiting."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def local_client(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app as it runs on 127.0.0.1: no sign-in."""
    async with simulated_app(services) as client:
        yield client


@pytest.fixture
async def lan_client(services: Services, clock: FakeClock) -> AsyncIterator[httpx.AsyncClient]:
    """The app as it runs when other computers can reach it: a web password is set and asked for."""
    services.folder.web_password.set(WEB_PASSWORD)
    async with simulated_app(services, require_login=True, throttle=LoginThrottle(clock=clock)) as client:
        yield client


async def first_websocket_message(app: Callable[..., Any], path: str, headers: list[tuple[bytes, bytes]]) -> str:
    """Open a WebSocket on the ASGI app and return the type of its first answer (accept or close)."""
    scope = {
        'type': 'websocket',
        'asgi': {'version': '3.0'},
        'scheme': 'ws',
        'path': path,
        'raw_path': path.encode(),
        'root_path': '',
        'query_string': b'EIO=4&transport=websocket',
        'headers': [(b'upgrade', b'websocket'), (b'connection', b'Upgrade'), *headers],
        'client': ('127.0.0.1', 50000),
        'server': ('127.0.0.1', 8080),
        'subprotocols': [],
    }
    sent: list[dict[str, Any]] = []
    connected = False

    async def receive() -> dict[str, Any]:
        nonlocal connected
        if not connected:
            connected = True
            return {'type': 'websocket.connect'}
        return {'type': 'websocket.disconnect', 'code': 1000}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return str(sent[0]['type']) if sent else 'nothing'
