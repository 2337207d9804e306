"""Browser tests: the real app as a process, driven by Debian's Chromium through Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from core.documents.model import Contact, Document, DocumentType
from core.settings import EmailSettings, Security
from storage.folder import DataFolder
from storage.sample import seed_sample_data
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, threaded_smtp_server
from tests.support.tools import require_tool
from tests.support.waiting import WAIT_SECONDS, wait_until_sync

USERNAME, PASSWORD = 'owner@nordurljos.example', 'Browser-App-Pass-77'
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
]


def chromium_path() -> str | None:
    return shutil.which('chromium') or shutil.which('chromium-browser')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that drives Chromium must say so with the `browser` marker, so `-m "not browser"` leaves it out."""
    unmarked = [
        item.nodeid
        for item in items
        if 'browser' in getattr(item, 'fixturenames', ()) and not item.get_closest_marker('browser')
    ]
    if unmarked:
        raise pytest.UsageError('These tests drive Chromium but lack @pytest.mark.browser: ' + ', '.join(unmarked))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveApp:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]


def app_environment() -> dict[str, str]:
    """The app must not think it runs under pytest (NiceGUI then changes its port and options)."""
    return {name: value for name, value in os.environ.items() if not name.startswith('PYTEST_')}


def start_app(data_dir: Path, *extra: str, timeout: float = 30.0) -> LiveApp:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, 'main.py', '--no-browser', '--port', str(port), '--data-dir', str(data_dir), *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=app_environment(),
    )
    url = f'http://127.0.0.1:{port}'

    def answers() -> bool:
        if process.poll() is not None:
            assert process.stderr is not None
            raise RuntimeError(f'the app exited early: {process.stderr.read().decode(errors="replace")}')
        try:
            return httpx.get(f'{url}/status', timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until_sync(answers, timeout=timeout, interval=0.1, message=f'the app to answer on {url}/status')
    except BaseException:
        process.kill()
        raise
    return LiveApp(url=url, data_dir=data_dir, process=process)


def stop_app(app: LiveApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        app.process.kill()
        app.process.wait()


@pytest.fixture
def live_app_factory(tmp_path: Path) -> Iterator[Callable[..., LiveApp]]:
    """Start the app (optionally on a prepared data folder); every app started is stopped after the test."""
    started: list[LiveApp] = []

    def factory(*extra: str, data_dir: Path | None = None) -> LiveApp:
        app = start_app(data_dir or tmp_path / 'data', *extra)
        started.append(app)
        return app

    yield factory
    for app in started:
        stop_app(app)


@pytest.fixture
def live_app(live_app_factory: Callable[..., LiveApp]) -> LiveApp:
    return live_app_factory('--empty')


@pytest.fixture
def browser() -> Iterator[Browser]:
    path = require_tool('chromium', 'chromium-browser', install='apt-get install chromium')
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={'width': 1280, 'height': 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    expect.set_options(timeout=WAIT_SECONDS * 1000)  # a PDF render or a send on a loaded machine
    yield page
    context.close()


@dataclass
class Mailbox:
    app: LiveApp
    server: ServerInfo
    invoice: Document
    contact: Contact
    business_name: str


@pytest.fixture
def mailbox(
    live_app_factory: Callable[..., LiveApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Mailbox]:
    """The sample business, running, with saved settings that send to a local aiosmtpd (STARTTLS + AUTH)."""
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))  # the app process trusts the test CA like a system CA
    with threaded_smtp_server(
        tls='starttls', cert=pki.good(), require_starttls=True, accounts={USERNAME: PASSWORD}, auth_required=True
    ) as server:
        data_dir = tmp_path / 'data'
        folder = DataFolder(data_dir)
        seed_sample_data(folder, today=date.today())
        folder.settings.save(
            EmailSettings(
                host=server.host, port=server.port, security=Security.STARTTLS, username=USERNAME, password=PASSWORD
            )
        )
        invoice = next(d for d in folder.documents.all() if d.type is DocumentType.SALES_INVOICE)
        contact = folder.contacts.get(invoice.contact_id)
        assert contact is not None
        business_name = folder.business.load_or_default().name
        folder.close()
        app = live_app_factory(data_dir=data_dir)
        yield Mailbox(app=app, server=server, invoice=invoice, contact=contact, business_name=business_name)


PHONE: ViewportSize = {'width': 390, 'height': 844}
DESKTOP: ViewportSize = {'width': 1280, 'height': 900}


def open_page(page: Page, url: str) -> None:
    """Go to a page of the app and wait until its socket is connected, so it is what a person sees. A field filled
    before that is set back by the server's copy of the page when it connects (the port went back to 587)."""
    page.goto(url)
    page.wait_for_function('window.did_handshake === true')


@dataclass
class SamplePages:
    """The sample business with saved settings, and the address of every kind of page a person opens."""

    app: LiveApp
    paths: dict[str, str]

    def open(self, page: Page, name: str) -> None:
        open_page(page, self.app.url + self.paths[name])
        expect(page.locator('.q-header')).to_be_visible()


@pytest.fixture(scope='module')
def sample_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamplePages]:
    """One app for a module's tests that only look: the settings point at a closed port, so nothing is sent."""
    data_dir = tmp_path_factory.mktemp('sample') / 'data'
    folder = DataFolder(data_dir)
    seed_sample_data(folder, today=date.today())
    folder.settings.save(
        EmailSettings(
            host='127.0.0.1', port=free_port(), security=Security.STARTTLS, username=USERNAME, password=PASSWORD
        )
    )
    document = next(d for d in folder.documents.all() if d.type is DocumentType.SALES_INVOICE)
    contact = folder.contacts.get(document.contact_id)
    assert contact is not None
    folder.close()
    app = start_app(data_dir)
    yield SamplePages(
        app=app,
        paths={
            'documents': '/documents',
            'document': f'/documents/{document.id}',
            'new document': '/documents/new/sales-invoice',
            'contacts': '/contacts',
            'contact': f'/contacts/{contact.id}',
            'emails': '/emails',
            'reminders': '/reminders',
            'templates': '/templates',
            'business': '/business',
            'settings': '/settings',
            'batches': '/batches',
        },
    )
    stop_app(app)
