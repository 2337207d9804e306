"""Fixtures for the relay: a trusted test CA, an upstream aiosmtpd with STARTTLS + AUTH, relay configurations."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from core.relay.config import PASSWORD_ENV, TOKENS_ENV, Limits, RelayConfig
from core.settings import EmailSettings, Security
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, free_port, smtp_server
from tests.support.tools import require_tool
from tests.support.waiting import wait_until, wait_until_sync

UPSTREAM_USER, UPSTREAM_PASSWORD = 'relay-login', 'upstream-Secret-9f2'
RELAY_SENDER = 'relay@relay.example'
ROOT = Path(__file__).resolve().parents[2]
RELAY_COMMAND = (sys.executable, 'main.py', 'relay')
TOKEN = 'e2e-token-51c0'


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


@pytest.fixture
async def client_for() -> AsyncIterator[Callable[..., httpx.AsyncClient]]:
    """Clients for relay apps, reached in this process over ASGI; closed when the test ends."""
    clients: list[httpx.AsyncClient] = []

    def make(app: Any, **headers: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url='http://relay.test', headers=headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@contextlib.asynccontextmanager
async def serving(app: Any, **ssl: Any) -> AsyncIterator[str]:
    """The ASGI app served by uvicorn on a free 127.0.0.1 port, in this event loop; yields the base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host='127.0.0.1', port=0, log_level='warning', lifespan='off', access_log=False, **ssl)
    )
    task = asyncio.create_task(server.serve())
    try:
        await wait_until(lambda: server.started, timeout=10, interval=0.01, message='uvicorn to start')
        port = server.servers[0].sockets[0].getsockname()[1]
        scheme = 'https' if ssl else 'http'
        yield f'{scheme}://{"localhost" if ssl else "127.0.0.1"}:{port}/'
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


@contextlib.asynccontextmanager
async def relay_process(
    upstream: ServerInfo,
    pki: TestPKI,
    tmp_path: Path,
    *extra: str,
    tokens: str = TOKEN,
    name: str = 'relay',
    descriptors: int | None = None,
) -> AsyncIterator[tuple[str, Path]]:
    """Start the relay (with at most `descriptors` open files), wait for /status, yield its URL and log file."""
    port = free_port()
    log_path = tmp_path / f'{name}.log'
    env = {
        **os.environ,
        'SSL_CERT_FILE': str(pki.ca_path),
        PASSWORD_ENV: UPSTREAM_PASSWORD,
        TOKENS_ENV: tokens,
        'PYTHONPATH': str(ROOT),
    }
    config = tmp_path / f'{name}.toml'
    config.write_text(f'[relay]\nupstream_security = "starttls"\nupstream_username = "{UPSTREAM_USER}"\n')
    args = [
        *RELAY_COMMAND,
        '--config',
        str(config),
        '--listen',
        f'127.0.0.1:{port}',
        '--upstream-host',
        upstream.host,
        '--upstream-port',
        str(upstream.port),
        '--sender',
        RELAY_SENDER,
        '--retry-delay',
        '0',
        *extra,
    ]
    with log_path.open('wb') as log:
        process = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, env=env, stdout=log, stderr=log, preexec_fn=_descriptor_limit(descriptors)
        )
        url = f'http://127.0.0.1:{port}/'
        try:
            async with httpx.AsyncClient(timeout=2) as client:

                async def answers() -> bool:
                    assert process.returncode is None, log_path.read_text()
                    with contextlib.suppress(httpx.TransportError):
                        return (await client.get(f'{url}status')).status_code == 200
                    return False

                await wait_until(answers, timeout=20, interval=0.1, message=f'the relay to answer on {url}status')
            yield url, log_path
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 10)


def _descriptor_limit(count: int | None) -> Callable[[], None] | None:
    if count is None:
        return None

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))

    return limit


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A real redis-server on a free 127.0.0.1 port, its files in a temporary folder; CI must have it."""
    binary = require_tool('redis-server', install='apt-get install redis-server')
    port = free_port()
    folder = tmp_path / 'redis'
    folder.mkdir()
    args = [
        binary,
        '--bind',
        '127.0.0.1',
        '--port',
        str(port),
        '--dir',
        str(folder),
        '--save',
        '',
        '--appendonly',
        'no',
    ]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:

        def answers() -> bool:
            assert process.poll() is None, 'redis-server exited'
            return _answers_ping(port)

        wait_until_sync(answers, timeout=10, message=f'redis-server to answer PING on port {port}')
        yield f'redis://127.0.0.1:{port}'
    finally:
        process.terminate()
        process.wait(10)


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=1) as sock:
            sock.sendall(b'PING\r\n')
            return sock.recv(16).startswith(b'+PONG')
    except OSError:
        return False
