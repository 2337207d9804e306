"""The domain's own settings file: HTTPS only, redirects bounded, size-capped, parsed without DTDs or entities."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from core.discovery.autoconfig import MAX_BYTES, MAX_REDIRECTS, ask_autoconfig, fetch
from core.discovery.model import Source
from core.discovery.network import Network
from core.discovery.proposals import Answer, SourceUnavailable
from tests.diagnostics.http_server import http_server
from tests.discovery.support import VALID_CONFIG, XML_BOMB, Routes, web
from tests.support.certs import TestPKI

FIRST = 'https://autoconfig.shop.test/mail/config-v1.1.xml'
WELL_KNOWN = 'https://shop.test/.well-known/autoconfig/mail/config-v1.1.xml'


async def ask(routes: Routes) -> tuple[Answer, list[httpx.Request]]:
    transport = web(routes)
    async with httpx.AsyncClient(transport=transport) as client:
        answer = await ask_autoconfig('office@shop.test', 'shop.test', client)
    return answer, transport.seen  # type: ignore[attr-defined]


def ok(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=VALID_CONFIG)


def redirect(to: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _request: httpx.Response(302, headers={'Location': to})


async def test_a_valid_file_at_autoconfig_is_proposed_with_the_address_asked_for() -> None:
    answer, seen = await ask({FIRST: ok})
    assert answer.proposal is not None
    assert (answer.proposal.source, answer.proposal.host, answer.proposal.username) == (
        Source.AUTOCONFIG,
        'out.shop.test',
        'office',
    )
    assert seen[0].url.params['emailaddress'] == 'office@shop.test'
    assert all(request.url.scheme == 'https' for request in seen)


async def test_404_at_both_places_is_nothing_found() -> None:
    answer, seen = await ask({})
    assert answer.proposal is None
    assert [str(r.url.copy_with(query=None)) for r in seen] == [FIRST, WELL_KNOWN]
    assert 'HTTP 404' in answer.message


async def test_the_well_known_place_is_asked_when_autoconfig_has_nothing() -> None:
    answer, _ = await ask({WELL_KNOWN: ok})
    assert answer.proposal is not None and answer.proposal.host == 'out.shop.test'
    assert WELL_KNOWN in answer.proposal.source_detail


async def test_an_https_redirect_is_followed() -> None:
    moved = 'https://config.host.test/shop.xml'
    answer, _ = await ask({FIRST: redirect(moved), moved: ok})
    assert answer.proposal is not None
    assert moved in answer.proposal.source_detail


async def test_a_redirect_to_plain_http_is_not_followed() -> None:
    plain = 'http://config.host.test/shop.xml'
    answer, seen = await ask({FIRST: redirect(plain), plain: ok})
    assert answer.proposal is None
    assert 'unencrypted' in answer.message
    assert all(request.url.scheme == 'https' for request in seen)


async def test_redirects_are_bounded() -> None:
    hops = [f'https://hop{i}.test/c.xml' for i in range(MAX_REDIRECTS + 2)]
    routes: dict[str, object] = {FIRST: redirect(hops[0])}
    routes |= {hop: redirect(after) for hop, after in itertools.pairwise(hops)}
    routes[hops[-1]] = ok
    answer, seen = await ask(routes)  # type: ignore[arg-type]
    assert answer.proposal is None
    assert f'more than {MAX_REDIRECTS} times' in answer.message
    assert hops[-1] not in {str(r.url) for r in seen}


async def test_an_oversized_file_is_ignored_even_without_a_content_length() -> None:
    padding = b'<!--' + b'x' * MAX_BYTES + b'-->'

    async def chunks() -> AsyncIterator[bytes]:
        yield VALID_CONFIG
        yield padding

    def streamed(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())  # streamed: no Content-Length to go by

    answer, _ = await ask({FIRST: streamed})
    assert answer.proposal is None
    assert 'larger than 100 KB' in answer.message


async def test_an_xml_bomb_is_refused_without_expanding_it() -> None:
    answer, _ = await ask({FIRST: lambda _r: httpx.Response(200, content=XML_BOMB)})
    assert answer.proposal is None
    assert 'not a valid settings file' in answer.message


async def test_a_file_with_only_a_plain_text_server_proposes_nothing() -> None:
    plain = VALID_CONFIG.replace(b'STARTTLS', b'plain')
    answer, _ = await ask({FIRST: lambda _r: httpx.Response(200, content=plain)})
    assert answer.proposal is None
    assert 'no encrypted outgoing server' in answer.message


async def test_a_server_name_that_does_not_exist_is_said_in_plain_words() -> None:
    def unknown(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError('[Errno -2] Name or service not known', request=request)

    answer, _ = await ask({FIRST: unknown, WELL_KNOWN: unknown})
    assert answer.proposal is None
    assert 'no such server name' in answer.message
    assert 'Errno' not in answer.message


async def test_timeouts_at_both_places_are_could_not_check() -> None:
    def silent(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout('slow', request=request)

    with pytest.raises(SourceUnavailable):
        await ask({FIRST: silent, WELL_KNOWN: silent})


async def test_the_file_is_fetched_with_the_trust_store_of_the_computer_as_for_sending(trusted: TestPKI) -> None:
    """A CA this computer trusts (SSL_CERT_FILE here) is trusted for the settings file too, as for SMTP and HTTPS."""
    context = trusted.good().server_context()
    async with (
        http_server(body=VALID_CONFIG.decode(), ssl_context=context) as (server, _),
        Network().http_client() as client,
    ):
        _, data = await fetch(client, f'https://localhost:{server.port}/mail/config-v1.1.xml', {})
    assert data == VALID_CONFIG


async def test_a_settings_file_from_a_server_with_an_untrusted_certificate_is_not_used(trusted: TestPKI) -> None:
    context = trusted.unknown_ca().server_context()
    async with (
        http_server(body=VALID_CONFIG.decode(), ssl_context=context) as (server, _),
        Network().http_client() as client,
    ):
        answer = await ask_autoconfig('office@shop.test', f'localhost:{server.port}', client)
    assert answer.proposal is None
    assert 'its certificate is not valid' in answer.message
