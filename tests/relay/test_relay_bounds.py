"""The relay is bounded: upstream sessions, retries, rate limits shared between relays, and slow or flooding clients."""

from __future__ import annotations

import asyncio
import collections
import email
from collections.abc import AsyncIterator
from dataclasses import replace
from email import policy
from pathlib import Path
from typing import Any

import httpx

from cli.relay_app import build_app
from tests.relay.conftest import UPSTREAM_PASSWORD, UPSTREAM_USER, relay_config, relay_process
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, free_port, smtp_server

TOKENS = ('token-a-5e1f', 'token-b-77c2')


def form(**changes: str) -> dict[str, str]:
    values = {'from': 'Acme', 'reply_to': 'office@acme.example', 'to': 'anna@example.org', 'subject': 'Hi'}
    return values | {'body': '<p>Hi</p>'} | changes


def upstream_like(pki: TestPKI, **behaviour: Any) -> Any:
    """An upstream with the fixture's STARTTLS and sign-in, plus the given behaviour."""
    accounts = {UPSTREAM_USER: UPSTREAM_PASSWORD}
    return smtp_server(tls='starttls', cert=pki.good(), accounts=accounts, auth_required=True, **behaviour)


def data_answers(server: ServerInfo) -> int:
    return sum(1 for command, _ in server.recorder.answered if command == 'DATA')


async def test_200_concurrent_requests_stay_within_the_upstream_cap_and_each_is_delivered_once(
    upstream: ServerInfo, client_for: Any
) -> None:
    config = replace(relay_config(upstream), upstream_wait=300.0)
    assert config.max_upstream_sessions == 8
    client = client_for(build_app(config))
    subjects = [f'Invoice {n:03d}' for n in range(200)]
    answers = await asyncio.gather(*(client.post('/', data=form(subject=subject)) for subject in subjects))
    assert [a.status_code for a in answers] == [200] * 200
    delivered = collections.Counter(
        email.message_from_bytes(m.content, policy=policy.default)['Subject'] for m in upstream.recorder.messages
    )
    assert delivered == collections.Counter(subjects)
    assert 1 <= upstream.recorder.peak_sessions <= 8


async def test_a_request_waits_for_a_free_session_then_gets_503_with_retry_after(pki: TestPKI, client_for: Any) -> None:
    async with upstream_like(pki, rcpt_delay=2.0) as server:
        config = replace(relay_config(server), max_upstream_sessions=1, upstream_wait=0.2)
        client = client_for(build_app(config))
        answers = await asyncio.gather(*(client.post('/', data=form(subject=f'Hi {n}')) for n in range(2)))
    busy = next(a for a in answers if a.status_code != 200)
    assert sorted(a.status_code for a in answers) == [200, 503]
    assert busy.headers['retry-after'] == '5'
    assert busy.text.startswith('The relay is busy: all 1 connections') and 'Nothing was sent' in busy.text
    assert len(server.recorder.messages) == 1 and server.recorder.peak_sessions == 1


async def test_a_lost_answer_after_data_is_502_outcome_unknown_and_never_sent_again(
    pki: TestPKI, client_for: Any
) -> None:
    async with upstream_like(pki, data_delay=5.0) as server:
        config = replace(relay_config(server), upstream_timeout=0.5)
        response = await client_for(build_app(config)).post('/', data=form())
        copies, attempts = len(server.recorder.messages), data_answers(server)
    assert response.status_code == 502
    assert response.text.startswith('Upstream mail server outcome unknown:')
    assert 'did not send it again' in response.text
    assert (copies, attempts) == (1, 1)


async def test_a_temporary_refusal_of_the_data_is_not_retried(pki: TestPKI, client_for: Any) -> None:
    async with upstream_like(pki, data_reply='451 4.3.0 Queue full, try later') as server:
        response = await client_for(build_app(relay_config(server))).post('/', data=form())
        attempts = data_answers(server)
    assert response.status_code == 502
    assert 'temporary' in response.text and '451 4.3.0 Queue full' in response.text
    assert attempts == 1


async def test_each_api_token_has_its_own_budget(upstream: ServerInfo, client_for: Any) -> None:
    config = relay_config(upstream, tokens=frozenset(TOKENS), token_burst=1, token_per_hour=1)
    first, second = (client_for(build_app(config), Authorization=f'Bearer {token}') for token in TOKENS)
    statuses = [(await client.post('/', data=form())) for client in (first, first, second)]
    assert [s.status_code for s in statuses] == [200, 429, 200]
    assert statuses[1].text == 'Too many requests with this API token; try again later.'
    assert int(statuses[1].headers['retry-after']) > 60
    assert len(upstream.recorder.messages) == 2


async def test_a_mailbox_has_one_budget_whatever_its_tag_or_case(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, reply_to_burst=1, reply_to_per_hour=1)))
    addresses = ('Office+inv1@Acme.example', 'office+inv2@acme.example', 'OFFICE@acme.example', 'sales@acme.example')
    statuses = [(await client.post('/', data=form(reply_to=address))).status_code for address in addresses]
    assert statuses == [200, 429, 429, 200]
    first = email.message_from_bytes(upstream.recorder.messages[0].content, policy=policy.default)
    assert str(first['Reply-To']).startswith('Office+inv1@')  # the limit normalises; the message keeps the tag


async def test_a_body_that_stops_arriving_gets_408(upstream: ServerInfo, client_for: Any) -> None:
    async def stalls() -> AsyncIterator[bytes]:
        yield b'from=Acme&reply_to=office%40acme.example&'
        await asyncio.sleep(30)
        yield b'to=anna%40example.org'

    client = client_for(build_app(replace(relay_config(upstream), body_timeout=0.3)))
    headers = {'Content-Type': 'application/x-www-form-urlencoded'}
    response = await client.post('/', content=stalls(), headers=headers)
    assert response.status_code == 408
    assert response.text == 'The message did not arrive within 0.3 seconds; send it again.'
    assert upstream.recorder.connections == 0


async def test_two_relays_on_one_redis_share_one_limit(
    upstream: ServerInfo, pki: TestPKI, tmp_path: Path, redis_url: str
) -> None:
    shared = ('--rate-limit-storage', redis_url, '--ip-burst', '2', '--ip-per-minute', '2')
    async with (
        relay_process(upstream, pki, tmp_path, *shared, tokens='', name='one') as (one, _),
        relay_process(upstream, pki, tmp_path, *shared, tokens='', name='two') as (two, two_log),
        httpx.AsyncClient(timeout=10) as client,
    ):
        answers = [await client.post(url, data=form()) for url in (one, two, two)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers['retry-after']) >= 1
    assert len(upstream.recorder.messages) == 2
    assert 'status=429' in two_log.read_text() and redis_url not in two_log.read_text()


async def test_the_client_is_the_right_most_address_no_trusted_proxy_added(
    upstream: ServerInfo, pki: TestPKI, tmp_path: Path
) -> None:
    limits = ('--ip-burst', '1', '--ip-per-minute', '1', '--trusted-proxies', '127.0.0.1, 10.0.0.0/8')
    async with (
        relay_process(upstream, pki, tmp_path, *limits, tokens='') as (url, log_path),
        httpx.AsyncClient(timeout=10) as client,
    ):
        answers = [
            await client.post(url, data=form(), headers={'X-Forwarded-For': f'{spoofed}, 203.0.113.7, 10.1.2.3'})
            for spoofed in ('198.51.100.1', '198.51.100.2')
        ]
    assert [a.status_code for a in answers] == [200, 429]
    log = log_path.read_text()
    assert 'client=203.0.113.7' in log and 'client=198.51.100' not in log and 'client=10.1.2.3' not in log


async def test_a_slow_header_flood_is_shed_and_status_keeps_answering(
    upstream: ServerInfo, pki: TestPKI, tmp_path: Path
) -> None:
    """400 clients that never finish their headers, against a relay allowed 256 open files."""
    flood: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    async with relay_process(upstream, pki, tmp_path, tokens='', descriptors=256) as (url, _):
        port = int(url.rsplit(':', 1)[1].strip('/'))
        try:
            for _ in range(400):
                reader, writer = await asyncio.open_connection('127.0.0.1', port)
                writer.write(b'POST / HTTP/1.1\r\nHost: relay.test\r\nContent-Type: mult')
                flood.append((reader, writer))
            async with httpx.AsyncClient(timeout=15) as client:
                status = await client.get(f'{url}status')
            _, still_open = await asyncio.wait([asyncio.create_task(r.read()) for r, _ in flood], timeout=60)
        finally:
            for _reader, writer in flood:
                writer.close()
    assert status.status_code == 200, f'{status.status_code} {status.text}'
    assert status.json()['status'] == 'ok'
    assert not still_open, f'{len(still_open)} slow clients were never closed by the relay'


async def test_a_rate_limit_store_that_does_not_answer_means_503_and_nothing_sent(
    upstream: ServerInfo, client_for: Any
) -> None:
    config = replace(relay_config(upstream), rate_limit_storage=f'redis://127.0.0.1:{free_port()}')
    response = await client_for(build_app(config)).post('/', data=form())
    assert response.status_code == 503 and response.headers['retry-after'] == '30'
    assert response.text.startswith('The relay cannot check its rate limits right now')
    assert upstream.recorder.connections == 0
