"""Fixtures for the relay: a trusted test CA, an upstream aiosmtpd with STARTTLS + AUTH, relay configurations."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from core.relay.config import Limits, RelayConfig
from core.settings import EmailSettings, Security
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, smtp_server

UPSTREAM_USER, UPSTREAM_PASSWORD = 'relay-login', 'upstream-Secret-9f2'
RELAY_SENDER = 'relay@relay.example'


@pytest.fixture
def pki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestPKI:
    authority = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(authority.ca_path))
    return authority


@pytest.fixture
async def upstream(pki: TestPKI) -> AsyncIterator[ServerInfo]:
    async with smtp_server(
        tls='starttls',
        cert=pki.good(),
        require_starttls=True,
        accounts={UPSTREAM_USER: UPSTREAM_PASSWORD},
        auth_required=True,
    ) as server:
        yield server


def relay_config(upstream: ServerInfo, *, tokens: frozenset[str] = frozenset(), **limits: Any) -> RelayConfig:
    settings = EmailSettings(
        host=upstream.host,
        port=upstream.port,
        security=Security.STARTTLS,
        username=UPSTREAM_USER,
        email=RELAY_SENDER,
        password=UPSTREAM_PASSWORD,
    )
    generous = Limits(ip_per_minute=6000, ip_burst=1000, reply_to_per_hour=36000, reply_to_burst=1000)
    return RelayConfig(
        upstream=settings,
        sender=RELAY_SENDER,
        tokens=tokens,
        limits=replace(generous, **limits),
        retry_delay=0.0,
        upstream_timeout=5.0,
    )


@contextlib.asynccontextmanager
async def serving(app: Any, **ssl: Any) -> AsyncIterator[str]:
    """The ASGI app served by uvicorn on a free 127.0.0.1 port, in this event loop; yields the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host='127.0.0.1', port=0, log_level='warning', lifespan='off', access_log=False, **ssl)
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        scheme = 'https' if ssl else 'http'
        yield f'{scheme}://{"localhost" if ssl else "127.0.0.1"}:{port}/'
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
