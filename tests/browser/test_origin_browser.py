"""Another web site, in a real Chromium, cannot talk to Mailroom's socket or frame it; the network sign-in works."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from storage.folder import DataFolder
from storage.sample import seed_sample_data
from tests.browser.conftest import LiveApp

WEB_PASSWORD = 'Browser-Lan-Password-3d9b'
pytestmark = pytest.mark.browser
TRY_SOCKET = """async (appUrl) => {
    const url = appUrl.replace('http', 'ws') + '/_nicegui_ws/socket.io/?EIO=4&transport=websocket';
    const socket = await new Promise((done) => {
        const ws = new WebSocket(url);
        ws.onmessage = (event) => { ws.close(); done('open: ' + String(event.data).slice(0, 1)); };
        ws.onerror = () => done('refused');
        ws.onclose = () => done('refused');
    });
    let polling;
    try {
        const polling_url = appUrl + '/_nicegui_ws/socket.io/?EIO=4&transport=polling';
        const response = await fetch(polling_url, {credentials: 'include'});
        polling = 'read: ' + (await response.text()).slice(0, 1);
    } catch (error) {
        polling = 'refused';
    }
    return [socket, polling];
}"""


class OtherSite:
    """A web page on another origin (another port of 127.0.0.1), as any site the user visits could serve."""

    def __init__(self) -> None:
        self.body = b'<!doctype html><title>Other site</title><p>Another site</p>'
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header('content-type', 'text/html; charset=utf-8')
                self.send_header('content-length', str(len(site.body)))
                self.end_headers()
                self.wfile.write(site.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = f'http://127.0.0.1:{self.server.server_address[1]}'


@pytest.fixture
def other_site() -> Iterator[OtherSite]:
    site = OtherSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


def test_a_page_from_another_origin_cannot_open_the_socket(
    page: Page, live_app: LiveApp, other_site: OtherSite
) -> None:
    page.goto(f'{live_app.url}/settings')
    assert page.evaluate(TRY_SOCKET, live_app.url) == ['open: 0', 'read: 0'], 'the app itself must reach its socket'
    page.goto(other_site.url)
    assert page.evaluate(TRY_SOCKET, live_app.url) == ['refused', 'refused']


def test_another_site_cannot_frame_the_app(page: Page, live_app: LiveApp, other_site: OtherSite) -> None:
    other_site.body = f'<!doctype html><iframe id="app" src="{live_app.url}/settings"></iframe>'.encode()
    with page.expect_response(f'{live_app.url}/settings') as answer:
        page.goto(other_site.url)
    assert answer.value.headers['x-frame-options'] == 'DENY'
    page.wait_for_load_state('load')
    framed = page.main_frame.child_frames
    assert len(framed) == 1
    assert framed[0].url.startswith('chrome-error://'), 'Chromium must refuse to show the app inside another site'


def test_the_apps_own_pdf_preview_is_still_shown_but_not_inside_another_site(
    page: Page, live_app_factory: Callable[..., LiveApp], other_site: OtherSite, tmp_path: Path
) -> None:
    data_dir = tmp_path / 'data'
    folder = DataFolder(data_dir)
    seed_sample_data(folder, today=date.today())
    document_id = folder.documents.all()[0].id
    folder.close()
    app = live_app_factory(data_dir=data_dir)
    pdf_url = f'{app.url}/documents/{document_id}/pdf'

    with page.expect_response(pdf_url) as answer:
        page.goto(f'{app.url}/documents/{document_id}')
    assert answer.value.headers['x-frame-options'] == 'SAMEORIGIN'
    page.wait_for_load_state('load')
    [preview] = page.main_frame.child_frames
    assert preview.url == pdf_url

    other_site.body = f'<!doctype html><iframe src="{pdf_url}"></iframe>'.encode()
    page.goto(other_site.url)
    page.wait_for_load_state('load')
    [framed] = page.main_frame.child_frames
    assert framed.url.startswith('chrome-error://')


def test_reachable_from_the_network_it_asks_for_the_web_password_then_works(
    page: Page, live_app_factory: Callable[..., LiveApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('MAILROOM_WEB_PASSWORD', WEB_PASSWORD)
    app = live_app_factory('--empty', '--require-login')
    assert httpx.get(f'{app.url}/_nicegui_ws/socket.io/?EIO=4&transport=polling').status_code == 401
    assert httpx.get(f'{app.url}/status').json() == {'status': 'ok'}

    page.goto(f'{app.url}/settings')
    expect(page).to_have_url(f'{app.url}/login?next=%2Fsettings')
    page.get_by_label('Web password').fill('not-the-password')
    page.get_by_role('button', name='Sign in').click()
    expect(page.get_by_text('Wrong password')).to_be_visible()

    page.get_by_label('Web password').fill(WEB_PASSWORD)
    page.get_by_role('button', name='Sign in').click()
    expect(page).to_have_url(f'{app.url}/settings')
    page.get_by_label('SMTP server').fill('smtp.example.com')
    expect(page.get_by_text('Unsaved changes')).to_be_visible()  # answered by the server over the socket

    [cookie] = page.context.cookies()
    assert cookie['httpOnly'] and cookie['sameSite'] == 'Strict'
    assert WEB_PASSWORD not in page.content() and WEB_PASSWORD not in cookie['value']
