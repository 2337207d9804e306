"""The HTTP protocol's test against a local server that speaks Manager's form format."""

from __future__ import annotations

from core.causes import Cause, Step
from core.diagnostics.events import Status
from core.settings import EmailSettings, Protocol
from tests.diagnostics.conftest import run
from tests.diagnostics.http_server import http_server
from tests.support.certs import TestPKI

REPLY_TO = 'office@example.com'


def http_settings(url: str, **changes: object) -> EmailSettings:
    return EmailSettings(protocol=Protocol.HTTP, http_server=url, reply_to=REPLY_TO, **changes)  # type: ignore[arg-type]


async def test_accepted_post_carries_manager_fields(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.good().server_context()) as (server, recorder):
        result = await run(http_settings(f'https://localhost:{server.port}/'), business_name='Acme Ltd')
    assert result.verdict.passed, result.verdict.message
    assert [s for s, _ in result.statuses()] == ['input', 'dns', 'connect', 'tls', 'http']
    (post,) = recorder.posts
    assert post.content_type.startswith('multipart/form-data')
    assert post.fields['from'] == 'Acme Ltd' and post.fields['reply_to'] == REPLY_TO
    assert post.fields['to'] == REPLY_TO and 'Test email' in post.fields['subject'] and post.fields['body']
    assert '~> POST' in result.transcript and '<~ HTTP/1.1 200' in result.transcript


async def test_no_send_mode_posts_nothing(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.good().server_context()) as (server, recorder):
        result = await run(http_settings(f'https://127.0.0.1:{server.port}/'), send=False)
    assert result.verdict.passed and recorder.posts == []
    assert ('http', 'skipped') in result.statuses()


async def test_4xx_is_http_rejected() -> None:
    async with http_server(400, 'missing field reply_to') as (server, _):
        result = await run(http_settings(f'http://127.0.0.1:{server.port}/'))
    assert (result.verdict.step, result.verdict.cause) == (Step.HTTP, Cause.HTTP_REJECTED)
    assert 'missing field reply_to' in result.verdict.reply
    assert result.verdict.explanation is not None


async def test_5xx_is_http_failed() -> None:
    async with http_server(503, 'upstream down') as (server, _):
        result = await run(http_settings(f'http://127.0.0.1:{server.port}/'))
    assert (result.verdict.step, result.verdict.cause) == (Step.HTTP, Cause.HTTP_FAILED)


async def test_tls_failure_stops_before_posting(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.self_signed().server_context()) as (server, recorder):
        result = await run(http_settings(f'https://127.0.0.1:{server.port}/'))
    assert (result.verdict.step, result.verdict.cause) == (Step.TLS, Cause.CERT_SELF_SIGNED)
    assert recorder.posts == []


async def test_tls_failure_passes_when_verification_is_off(trusted: TestPKI) -> None:
    async with http_server(ssl_context=trusted.self_signed().server_context()) as (server, recorder):
        result = await run(http_settings(f'https://127.0.0.1:{server.port}/', skip_tls_verify=True))
    assert result.verdict.passed and len(recorder.posts) == 1
    assert next(e for e in result.finished() if e.step is Step.TLS).status is Status.WARN


async def test_plain_http_has_no_tls_step_to_run() -> None:
    async with http_server() as (server, _):
        result = await run(http_settings(f'http://127.0.0.1:{server.port}/'))
    assert result.verdict.passed
    assert next(e for e in result.finished() if e.step is Step.TLS).status is Status.SKIPPED
