"""Fixtures shared by every test: a fresh data folder, the app's services, and a simulated user of the whole app."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import dns.resolver
import httpx
import pytest
from nicegui import core
from nicegui.testing import User
from nicegui.testing.general import nicegui_reset_globals, prepare_simulation

from core.dns import DnsResolver
from core.outbox import Outbox
from core.transport.memory import MemoryTransport
from storage.folder import DataFolder
from tests.support.app_state import use_memory_outbox
from tests.support.certs import TestPKI
from ui.app import build_app
from ui.services import Services, build_services

APP_BASE_URL = 'http://127.0.0.1:8080'


LOOPBACK_NAMES = frozenset({'localhost', 'localhost.localdomain', 'ip6-localhost'})


@pytest.fixture(autouse=True)
def loopback_only_name_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never reach the network: a name other than localhost fails as "does not exist", without a DNS query."""
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: bytes | str | None, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name.lower() in LOOPBACK_NAMES or _is_ip_literal(name):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f'tests resolve only loopback names, not {name}')

    monkeypatch.setattr(socket, 'getaddrinfo', getaddrinfo)


@pytest.fixture(autouse=True)
def no_system_dns_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """A resolver left on the system's nameservers answers "could not check" at once: tests inject a loopback one."""
    real_get = DnsResolver._get

    def get(self: DnsResolver) -> Any:
        if self._nameservers is None:
            raise dns.resolver.NoResolverConfiguration('tests ask only loopback DNS servers')
        return real_get(self)

    monkeypatch.setattr(DnsResolver, '_get', get)


def _is_ip_literal(name: str) -> bool:
    try:
        ipaddress.ip_address(name.strip('[]').split('%')[0])
    except ValueError:
        return False
    return True


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / 'data'


@pytest.fixture
def services(data_dir: Path) -> Iterator[Services]:
    folder = DataFolder(data_dir)
    yield build_services(folder)
    folder.close()


@asynccontextmanager
async def simulated_app(services: Services, **options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in this process (build_app with `options`), reached over ASGI with an httpx client."""
    with nicegui_reset_globals():
        os.environ['NICEGUI_USER_SIMULATION'] = 'true'
        try:
            prepare_simulation()
            build_app(services, served_host='127.0.0.1', **options)
            async with core.app.router.lifespan_context(core.app):
                transport = httpx.ASGITransport(core.app)
                async with httpx.AsyncClient(transport=transport, base_url=APP_BASE_URL) as client:
                    yield client
        finally:
            os.environ.pop('NICEGUI_USER_SIMULATION', None)


@pytest.fixture
async def app_user(services: Services) -> AsyncIterator[User]:
    """A NiceGUI User driving the real app (every page, the host guard, /status) without a browser."""
    async with simulated_app(services) as client:
        yield User(client)


@pytest.fixture
def transport() -> MemoryTransport:
    return MemoryTransport()


@pytest.fixture
def memory_outbox(services: Services, transport: MemoryTransport) -> Outbox:
    """Must come before app_user in a test's arguments: the app's startup uses the outbox it finds."""
    return use_memory_outbox(services, transport)


@pytest.fixture
def trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestPKI:
    """A test CA that this process trusts as it would the system store (SSL_CERT_FILE, no SSL_CERT_DIR)."""
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))
    monkeypatch.delenv('SSL_CERT_DIR', raising=False)
    return pki
