"""Only our own origin is answered: other sites cannot read the socket, post to the app, or frame its pages."""

from __future__ import annotations

import httpx
from nicegui import core
from nicegui.nicegui import sio_app

from tests.web.conftest import first_websocket_message
from ui.host_guard import allowed_host_names, is_loopback_host, origin_allowed

POLLING = '/_nicegui_ws/socket.io/?EIO=4&transport=polling'
SOCKET_PATH = '/_nicegui_ws/socket.io/'
OWN_ORIGIN = 'http://127.0.0.1:8080'
FOREIGN_ORIGINS = ('http://attacker.example', 'http://127.0.0.1:9999', 'https://127.0.0.1:8080', 'null')


async def test_pages_may_never_be_framed_and_other_answers_only_by_our_own_pages(
    local_client: httpx.AsyncClient,
) -> None:
    page = await local_client.get('/settings')
    assert page.status_code == 200 and page.headers['content-type'].startswith('text/html')
    assert page.headers['x-frame-options'] == 'DENY'
    assert page.headers['content-security-policy'] == "frame-ancestors 'none'"
    refused = await local_client.get('/settings', headers={'host': 'attacker.example'})
    assert refused.status_code == 403
    for response in (refused, await local_client.get('/status')):
        assert response.headers['x-frame-options'] == 'SAMEORIGIN'
        assert response.headers['content-security-policy'] == "frame-ancestors 'self'"


async def test_socket_polling_from_another_origin_is_refused_and_never_gets_cors_headers(
    local_client: httpx.AsyncClient,
) -> None:
    for origin in FOREIGN_ORIGINS:
        response = await local_client.get(POLLING, headers={'origin': origin})
        assert response.status_code == 403, origin
        assert 'access-control-allow-origin' not in response.headers
        assert 'access-control-allow-credentials' not in response.headers


async def test_socket_polling_from_our_own_page_works(local_client: httpx.AsyncClient) -> None:
    own = await local_client.get(POLLING, headers={'origin': OWN_ORIGIN})
    assert own.status_code == 200 and own.text.startswith('0{')
    assert own.headers.get('access-control-allow-origin', OWN_ORIGIN) == OWN_ORIGIN
    without_origin = await local_client.get(POLLING)
    assert without_origin.status_code == 200 and 'access-control-allow-origin' not in without_origin.headers


async def test_socket_io_itself_refuses_other_origins_behind_the_guard(local_client: httpx.AsyncClient) -> None:
    """The second wall: socket.io's own origin check no longer echoes any origin back with credentials."""
    transport = httpx.ASGITransport(sio_app)
    async with httpx.AsyncClient(transport=transport, base_url=OWN_ORIGIN) as direct:
        foreign = await direct.get('/socket.io/?EIO=4&transport=polling', headers={'origin': 'http://attacker.example'})
        assert foreign.status_code == 400
        assert 'access-control-allow-origin' not in foreign.headers
        own = await direct.get('/socket.io/?EIO=4&transport=polling', headers={'origin': OWN_ORIGIN})
        assert own.status_code == 200


async def test_websocket_from_another_origin_is_closed_and_from_ours_accepted(local_client: httpx.AsyncClient) -> None:
    host = (b'host', b'127.0.0.1:8080')
    for origin in FOREIGN_ORIGINS:
        answer = await first_websocket_message(core.app, SOCKET_PATH, [host, (b'origin', origin.encode())])
        assert answer == 'websocket.close', origin
    own = await first_websocket_message(core.app, SOCKET_PATH, [host, (b'origin', OWN_ORIGIN.encode())])
    assert own == 'websocket.accept'


async def test_requests_from_another_origin_are_refused(local_client: httpx.AsyncClient) -> None:
    """A form posted or a fetch sent by another site's page carries its Origin: refused before any page code runs."""
    for origin in FOREIGN_ORIGINS:
        assert (await local_client.post('/settings', headers={'origin': origin})).status_code == 403
        assert (await local_client.get('/settings', headers={'origin': origin})).status_code == 403
    assert (await local_client.get('/settings', headers={'origin': OWN_ORIGIN})).status_code == 200


async def test_another_site_may_link_to_the_app_but_not_embed_its_resources(local_client: httpx.AsyncClient) -> None:
    linked = {'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document'}
    assert (await local_client.get('/settings', headers=linked)).status_code == 200
    embedded = {'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'script'}
    assert (await local_client.get(POLLING, headers=embedded)).status_code == 403
    other_port = {'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', 'sec-fetch-dest': 'image'}
    assert (await local_client.get('/status', headers=other_port)).status_code == 403
    own = {'sec-fetch-site': 'same-origin', 'sec-fetch-mode': 'cors', 'sec-fetch-dest': 'empty'}
    assert (await local_client.get(POLLING, headers=own)).status_code == 200


def test_the_origin_must_name_the_host_and_port_the_request_went_to() -> None:
    allowed = allowed_host_names('127.0.0.1')
    assert origin_allowed('http://127.0.0.1:8080', '127.0.0.1:8080', allowed)
    assert origin_allowed('http://localhost', 'localhost', allowed)
    assert origin_allowed('http://localhost:80', 'localhost', allowed)
    assert origin_allowed('http://[::1]:8080', '[::1]:8080', allowed)
    assert not origin_allowed('http://localhost:8081', 'localhost:8080', allowed)
    assert not origin_allowed('http://localhost:8080', '127.0.0.1:8080', allowed)
    assert not origin_allowed('http://attacker.example:8080', 'attacker.example:8080', allowed)
    assert not origin_allowed('https://127.0.0.1', '127.0.0.1', allowed)
    assert not origin_allowed('null', '127.0.0.1:8080', allowed)
    assert not origin_allowed(None, '127.0.0.1:8080', allowed)


def test_listening_on_every_address_serves_this_computers_names_only() -> None:
    allowed = allowed_host_names('0.0.0.0', local_names=lambda: ['192.168.1.20', 'Office-PC', '[fd00::5]'])
    assert {'192.168.1.20', 'office-pc', '[fd00::5]', '127.0.0.1', 'localhost'} <= allowed
    assert '0.0.0.0' not in allowed and 'attacker.example' not in allowed
    assert allowed_host_names('192.168.1.20') == allowed_host_names('127.0.0.1') | {'192.168.1.20'}


def test_only_loopback_addresses_count_as_this_computer_only() -> None:
    for host in ('127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]'):
        assert is_loopback_host(host), host
    for host in ('0.0.0.0', '::', '192.168.1.20', 'office-pc', 'localhost.attacker.example'):
        assert not is_loopback_host(host), host
