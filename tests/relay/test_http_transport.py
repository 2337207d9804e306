"""HttpTransport against the real relay (uvicorn on 127.0.0.1) and against a Manager-like service that drops Bcc."""

from __future__ import annotations

import email
from collections.abc import AsyncIterator
from email import policy
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from cli.relay_app import build_app
from core.causes import Cause
from core.message import Attachment, OutgoingMessage
from core.settings import EmailSettings, Protocol
from core.transport import TransportError
from core.transport.http import HttpTransport
from tests.relay.conftest import RELAY_SENDER, relay_config, serving
from tests.support.certs import TestPKI
from tests.support.smtp_servers import Recorder, ServerInfo, free_port

PDF = Attachment('Reikningur 42 – Þórður.pdf', 'application/pdf', b'%PDF-1.7 invoice 42')


def message(**changes: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        'sender_name': 'Þórður ehf.',
        'sender_address': 'office@acme.example',
        'reply_to': 'office@acme.example',
        'to': ('anna@example.org',),
        'cc': ('boss@example.org',),
        'bcc': ('archive@acme.example',),
        'subject': 'Reikningur 42',
        'text_body': 'Halló Anna,\n\nReikningurinn fylgir.',
        'html_body': '<p>Halló Anna,</p><p>Reikningurinn fylgir.</p>',
        'attachments': (PDF,),
    }
    values.update(changes)
    return OutgoingMessage(**values)


def http_settings(url: str, **changes: Any) -> EmailSettings:
    return EmailSettings(protocol=Protocol.HTTP, http_server=url, reply_to='office@acme.example', **changes)


class ManagerLikeService:
    """Speaks Manager's format, answers in plain text and ignores `bcc`: the case Mailroom must cover itself."""

    def __init__(self, status: int = 200, text: str = 'OK', headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.text = text
        self.headers = headers or {}
        self.posts: list[dict[str, Any]] = []
        self.app = Starlette(routes=[Route('/', self.receive, methods=['POST'])])

    async def receive(self, request: Request) -> Response:
        async with request.form() as form:
            self.posts.append(
                {k: v if isinstance(v, str) else (v.filename, await v.read()) for k, v in form.multi_items()}
            )
        return PlainTextResponse(self.text, status_code=self.status, headers=self.headers)


@pytest.fixture
async def relay_url(upstream: ServerInfo) -> AsyncIterator[str]:
    async with serving(build_app(relay_config(upstream))) as url:
        yield url


async def test_through_the_relay_the_blind_copy_is_confirmed_and_sent_once(
    relay_url: str, upstream: ServerInfo
) -> None:
    receipt = await HttpTransport(http_settings(relay_url), timeout=5).send(message())
    [delivered] = upstream.recorder.messages
    mime = email.message_from_bytes(delivered.content, policy=policy.default)
    assert delivered.mail_from == RELAY_SENDER
    assert set(delivered.rcpt_tos) == {'anna@example.org', 'boss@example.org', 'archive@acme.example'}
    assert 'Bcc' not in mime
    assert mime['From'].addresses[0].display_name == 'Þórður ehf. via Mailroom Relay'
    assert str(mime['Reply-To']) == 'office@acme.example'
    [attachment] = mime.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content()) == (PDF.filename, PDF.data)
    assert receipt.message_id == mime['Message-ID']
    assert set(receipt.accepted) == set(delivered.rcpt_tos) and not receipt.refused
    assert receipt.server_reply.startswith('200 OK (250 ')


async def test_one_session_sends_many_over_kept_alive_connections(relay_url: str, upstream: ServerInfo) -> None:
    async with HttpTransport(http_settings(relay_url), timeout=5).session() as session:
        for number in range(3):
            await session.send(message(subject=f'Invoice {number}', bcc=()))
    assert [m.rcpt_tos for m in upstream.recorder.messages] == [('anna@example.org', 'boss@example.org')] * 3


async def test_a_service_that_drops_bcc_gets_the_copy_as_its_own_request() -> None:
    service = ManagerLikeService()
    async with serving(service.app) as url:
        receipt = await HttpTransport(http_settings(url), timeout=5).send(message())
    first, copy = service.posts
    assert first['from'] == 'Þórður ehf.' and first['reply_to'] == 'office@acme.example'
    assert (first['to'], first['cc'], first['bcc']) == ('anna@example.org', 'boss@example.org', 'archive@acme.example')
    assert first['body'] == '<p>Halló Anna,</p><p>Reikningurinn fylgir.</p>'
    assert first['attachment'] == (PDF.filename, PDF.data)
    assert copy['to'] == 'archive@acme.example' and 'cc' not in copy and 'bcc' not in copy
    assert copy['attachment'] == (PDF.filename, PDF.data)
    assert 'archive@acme.example' in receipt.accepted


async def test_without_attachments_the_form_is_urlencoded_and_text_becomes_html() -> None:
    service = ManagerLikeService()
    async with serving(service.app) as url:
        await HttpTransport(http_settings(url), timeout=5).send(
            message(attachments=(), bcc=(), html_body='', text_body='Line <1>\nLine 2\n\nNext')
        )
    [post] = service.posts
    assert post['body'] == '<p>Line &lt;1&gt;<br>Line 2</p><p>Next</p>'


@pytest.mark.parametrize(
    ('status', 'cause', 'transient'),
    [(400, Cause.HTTP_REJECTED, False), (429, Cause.HTTP_REJECTED, True), (503, Cause.HTTP_FAILED, True)],
)
async def test_an_http_error_keeps_status_reason_and_body(status: int, cause: Cause, transient: bool) -> None:
    service = ManagerLikeService(status=status, text='Invalid   reply_to\naddress')
    async with serving(service.app) as url:
        with pytest.raises(TransportError) as caught:
            await HttpTransport(http_settings(url), timeout=5).send(message(bcc=()))
    error = caught.value
    assert (error.step, error.cause, error.reply_code, error.transient) == ('http', cause, status, transient)
    assert error.server_reply.endswith(': Invalid reply_to address')
    assert error.server_reply.startswith(f'{status} ')


async def test_a_relay_upstream_failure_arrives_as_502_with_its_summary() -> None:
    config = relay_config(ServerInfo('127.0.0.1', free_port(), Recorder()))
    async with serving(build_app(config)) as url:
        with pytest.raises(TransportError) as caught:
            await HttpTransport(http_settings(url), timeout=5).send(message(bcc=()))
    assert caught.value.reply_code == 502 and caught.value.transient
    assert 'connection-refused' in caught.value.server_reply


async def test_nothing_listening_is_connection_refused() -> None:
    settings = http_settings(f'http://127.0.0.1:{free_port()}/')
    with pytest.raises(TransportError) as caught:
        await HttpTransport(settings, timeout=5).send(message())
    assert (caught.value.cause, caught.value.transient) == (Cause.CONNECTION_REFUSED, True)


async def test_https_certificates_are_verified_unless_skipped(pki: TestPKI) -> None:
    service = ManagerLikeService()
    pair = pki.self_signed()
    async with serving(service.app, ssl_certfile=str(pair.cert_path), ssl_keyfile=str(pair.key_path)) as url:
        with pytest.raises(TransportError) as caught:
            await HttpTransport(http_settings(url), timeout=5).send(message(bcc=()))
        assert caught.value.cause is Cause.CERT_SELF_SIGNED and not service.posts
        await HttpTransport(http_settings(url, skip_tls_verify=True), timeout=5).send(message(bcc=()))
    assert len(service.posts) == 1


async def test_https_with_a_trusted_certificate_delivers(pki: TestPKI) -> None:
    service = ManagerLikeService()
    pair = pki.good()
    async with serving(service.app, ssl_certfile=str(pair.cert_path), ssl_keyfile=str(pair.key_path)) as url:
        await HttpTransport(http_settings(url), timeout=5).send(message(bcc=()))
    assert len(service.posts) == 1


async def test_a_moved_service_is_not_followed_but_named_in_the_fix() -> None:
    service = ManagerLikeService(status=308, text='', headers={'Location': 'https://mail.example.net/'})
    async with serving(service.app) as url:
        with pytest.raises(TransportError) as caught:
            await HttpTransport(http_settings(url), timeout=5).send(message(bcc=()))
    assert caught.value.server_reply == '308 Permanent Redirect'
    assert 'use that as the HTTP server address' in caught.value.explanation()
    assert 'https://mail.example.net/' in caught.value.explanation()
