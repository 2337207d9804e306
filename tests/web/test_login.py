"""Reachable from the network, the app asks for its web password first: pages, files and the socket alike."""

from __future__ import annotations

from pathlib import Path

import httpx
from nicegui import core

from core.oauth.signins import CALLBACK_PATH
from core.oauth.values import OAuthApp
from storage.folder import DataFolder
from tests.oauth.conftest import ACCOUNT, REDIRECT, browser_consents, oauth_settings
from tests.support.fake_oauth import fake_provider
from tests.web.conftest import WEB_PASSWORD, FakeClock, first_websocket_message
from ui.login import SESSION_COOKIE
from ui.services import Services

POLLING = '/_nicegui_ws/socket.io/?EIO=4&transport=polling'
NAVIGATION = {'accept': 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate'}
OWN_ORIGIN = {'origin': 'http://127.0.0.1:8080'}


async def sign_in(client: httpx.AsyncClient, password: str = WEB_PASSWORD, target: str = '/') -> httpx.Response:
    return await client.post('/login', data={'password': password, 'next': target}, headers=OWN_ORIGIN)


async def test_without_signing_in_pages_lead_to_the_sign_in_page_and_the_rest_answers_401(
    lan_client: httpx.AsyncClient,
) -> None:
    page = await lan_client.get('/settings?tab=smtp', headers=NAVIGATION)
    assert page.status_code == 303
    assert page.headers['location'] == '/login?next=%2Fsettings%3Ftab%3Dsmtp'
    sign_in_page = await lan_client.get(page.headers['location'])
    assert sign_in_page.status_code == 200 and 'Web password' in sign_in_page.text
    assert 'value="/settings?tab=smtp"' in sign_in_page.text
    assert sign_in_page.headers['x-frame-options'] == 'DENY'
    assert (await lan_client.get(POLLING)).status_code == 401
    assert (await lan_client.get('/settings')).status_code == 401
    assert (await lan_client.get('/status')).json() == {'status': 'ok'}
    socket = await first_websocket_message(core.app, '/_nicegui_ws/socket.io/', [(b'host', b'127.0.0.1:8080')])
    assert socket == 'websocket.close'


async def test_signing_in_sets_a_strict_http_only_cookie_and_opens_pages_and_socket(
    lan_client: httpx.AsyncClient,
) -> None:
    answer = await sign_in(lan_client, target='/settings')
    assert answer.status_code == 303 and answer.headers['location'] == '/settings'
    cookie = answer.headers['set-cookie']
    assert cookie.startswith(f'{SESSION_COOKIE}=')
    assert 'httponly' in cookie.lower() and 'samesite=strict' in cookie.lower() and 'max-age=43200' in cookie.lower()
    assert WEB_PASSWORD not in cookie
    assert (await lan_client.get('/settings', headers=NAVIGATION)).status_code == 200
    assert (await lan_client.get(POLLING)).status_code == 200
    token = lan_client.cookies[SESSION_COOKIE].encode()
    headers = [(b'host', b'127.0.0.1:8080'), (b'cookie', SESSION_COOKIE.encode() + b'=' + token)]
    assert await first_websocket_message(core.app, '/_nicegui_ws/socket.io/', headers) == 'websocket.accept'


async def test_a_made_up_cookie_does_not_sign_in(lan_client: httpx.AsyncClient) -> None:
    lan_client.cookies.set(SESSION_COOKIE, 'signed-in.AAAAAA.forged')
    assert (await lan_client.get('/settings')).status_code == 401


async def test_wrong_passwords_are_refused_and_guessing_is_slowed_down(
    lan_client: httpx.AsyncClient, clock: FakeClock
) -> None:
    for _ in range(5):
        wrong = await sign_in(lan_client, 'not-the-password')
        assert wrong.status_code == 401 and 'Wrong password' in wrong.text
        assert SESSION_COOKIE not in lan_client.cookies
    throttled = await sign_in(lan_client)
    assert throttled.status_code == 429 and 'Too many wrong passwords' in throttled.text
    assert throttled.headers['retry-after'] == '60'
    assert SESSION_COOKIE not in lan_client.cookies
    clock.now += 60
    assert (await sign_in(lan_client)).status_code == 303
    assert SESSION_COOKIE in lan_client.cookies


async def test_signing_in_returns_only_to_a_page_of_this_app(lan_client: httpx.AsyncClient) -> None:
    for target in ('//attacker.example/', 'http://attacker.example/', '/\\attacker.example', '/login'):
        assert (await sign_in(lan_client, target=target)).headers['location'] == '/'


async def test_another_site_cannot_post_the_sign_in_form(lan_client: httpx.AsyncClient) -> None:
    forged = await lan_client.post(
        '/login', data={'password': WEB_PASSWORD}, headers={'origin': 'http://attacker.example'}
    )
    assert forged.status_code == 403 and SESSION_COOKIE not in lan_client.cookies


async def test_the_provider_sending_the_browser_back_gets_in_by_the_sign_ins_state_alone(
    lan_client: httpx.AsyncClient, services: Services
) -> None:
    with fake_provider(account=ACCOUNT) as provider:
        await sign_in(lan_client, target='/settings')
        pending = services.signins.begin(OAuthApp.of(oauth_settings(provider)), REDIRECT)  # as Sign in on the page
        callback = await browser_consents(pending.url)
        lan_client.cookies.clear()  # back from the provider's site, the browser leaves the SameSite=Strict cookie out
        back = await lan_client.get(callback, headers=NAVIGATION)
        assert back.status_code == 200 and f'Mailroom is signed in as {ACCOUNT}.' in back.text
        assert (await services.signins.result(pending, timeout=5)).account == ACCOUNT
        assert provider.token_requests == ['authorization_code']


async def test_without_a_sign_in_waiting_for_it_the_return_route_opens_nothing(lan_client: httpx.AsyncClient) -> None:
    forged = await lan_client.get(f'{CALLBACK_PATH}?code=made-up&state=made-up', headers=NAVIGATION)
    assert forged.status_code == 400 and 'not the one Mailroom is waiting for' in forged.text
    assert 'signed in as' not in forged.text
    assert (await lan_client.post(CALLBACK_PATH)).status_code == 401
    assert (await lan_client.get(f'{CALLBACK_PATH}/more', headers=NAVIGATION)).status_code == 303
    socket = await first_websocket_message(core.app, CALLBACK_PATH, [(b'host', b'127.0.0.1:8080')])
    assert socket == 'websocket.close'


async def test_on_this_computer_only_no_sign_in_is_asked(local_client: httpx.AsyncClient) -> None:
    assert (await local_client.get('/settings', headers=NAVIGATION)).status_code == 200
    assert (await local_client.get(POLLING)).status_code == 200


def test_the_web_password_is_kept_only_as_a_salted_hash(data_dir: Path) -> None:
    folder = DataFolder(data_dir)
    try:
        assert not folder.web_password.is_set() and not folder.web_password.verify('')
        folder.web_password.set(WEB_PASSWORD)
        first = (data_dir / 'mailroom.json').read_text()
        folder.web_password.set(WEB_PASSWORD)
        assert folder.web_password.verify(WEB_PASSWORD)
        assert not folder.web_password.verify(WEB_PASSWORD.upper())
    finally:
        folder.close()
    second = (data_dir / 'mailroom.json').read_text()
    assert first != second, 'each password gets a fresh salt'
    assert '"scrypt"' in second
    stored = b''.join(path.read_bytes() for path in data_dir.rglob('*') if path.is_file())
    assert WEB_PASSWORD.encode() not in stored
