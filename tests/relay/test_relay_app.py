"""The relay's answers to good and bad requests, each checked against what the upstream really received."""

from __future__ import annotations

import email
import logging
from dataclasses import replace
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from cli.relay_app import build_app
from core.causes import Cause
from core.settings import EmailSettings
from core.transport import TransportError
from core.transport.memory import MemoryTransport
from tests.relay.conftest import RELAY_SENDER, UPSTREAM_PASSWORD, relay_config
from tests.support.certs import TestPKI
from tests.support.smtp_servers import ServerInfo, free_port, smtp_server

PDF = b'%PDF-1.7\n% invoice 42\n'
TOKEN = 'tok-6c1d2f0a9b'
PART = b'--XyZ\r\nContent-Disposition: form-data; name="to"\r\n\r\n'


def fields(**changes: str) -> dict[str, str]:
    values = {
        'from': 'Acme ehf.',
        'reply_to': 'office@acme.example',
        'to': 'anna@example.org; bob@example.org',
        'cc': 'boss@example.org',
        'bcc': 'archive@acme.example',
        'subject': 'Invoice 42',
        'body': '<p>Dear Anna,</p><p>Invoice 42 is attached.</p>',
    }
    values.update(changes)
    return values


def received(server: ServerInfo) -> list[EmailMessage]:
    result = []
    for message in server.recorder.messages:
        parsed = email.message_from_bytes(message.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        result.append(parsed)
    return result


async def test_multipart_message_is_delivered_from_the_relay_with_the_clients_reply_to(
    upstream: ServerInfo, client_for: Any
) -> None:
    client = client_for(build_app(relay_config(upstream)))
    response = await client.post(
        '/', data=fields(), files=[('attachment', ('Reikningur 42.pdf', PDF, 'application/pdf'))]
    )
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply['bcc_delivered'] is True and reply['status'] == 'sent'
    [message] = received(upstream)
    [envelope] = upstream.recorder.messages
    assert envelope.mail_from == RELAY_SENDER and envelope.over_tls and envelope.authenticated
    assert set(envelope.rcpt_tos) == {'anna@example.org', 'bob@example.org', 'boss@example.org', 'archive@acme.example'}
    assert message['From'].addresses[0].addr_spec == RELAY_SENDER
    assert message['From'].addresses[0].display_name == 'Acme ehf. via Mailroom Relay'
    assert str(message['Reply-To']) == 'office@acme.example'
    assert 'Bcc' not in message and b'archive@acme.example' not in envelope.content
    assert reply['message_id'] == message['Message-ID']
    [attachment] = message.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content()) == ('Reikningur 42.pdf', PDF)
    plain = message.get_body(preferencelist=('plain',))
    assert plain is not None and 'Invoice 42 is attached.' in plain.get_content()


async def test_urlencoded_message_without_files_is_delivered(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream)))
    response = await client.post('/', data=fields(cc='', bcc=''))
    assert response.status_code == 200, response.text
    assert response.request.headers['content-type'] == 'application/x-www-form-urlencoded'
    assert len(upstream.recorder.messages) == 1


async def test_a_spoofed_from_is_ignored(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream)))
    spoof = fields(**{'from': 'Your Bank <security@bank.example>', 'sender': 'security@bank.example'})
    response = await client.post('/', data=spoof)
    assert response.status_code == 200, response.text
    [message] = received(upstream)
    [sender] = message['From'].addresses
    assert sender.addr_spec == RELAY_SENDER
    assert sender.display_name == 'Your Bank via Mailroom Relay'
    assert upstream.recorder.messages[0].mail_from == RELAY_SENDER


async def test_too_many_recipients_is_refused(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, max_recipients=3)))
    response = await client.post('/', data=fields())
    assert response.status_code == 400
    assert response.text == 'Too many recipients: 4, at most 3.'
    assert upstream.recorder.connections == 0


async def test_oversized_body_is_refused(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, max_message_bytes=50_000)))
    response = await client.post('/', data=fields(body='<p>' + 'x' * 60_000 + '</p>'))
    assert response.status_code == 413
    assert 'at most 50000' in response.text
    assert upstream.recorder.connections == 0


async def test_huge_upload_is_cut_off_without_delivery(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, max_message_bytes=10_000)))
    big = ('attachment', ('scan.pdf', b'x' * 2_000_000, 'application/pdf'))
    response = await client.post('/', data=fields(), files=[big])
    assert response.status_code == 413
    assert upstream.recorder.connections == 0


async def test_too_many_attachments_is_refused(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, max_attachments=2)))
    files = [('attachment', (f'{n}.pdf', PDF, 'application/pdf')) for n in range(3)]
    response = await client.post('/', data=fields(), files=files)
    assert response.status_code == 400
    assert 'Too many attachments' in response.text and 'at most 2' in response.text
    assert upstream.recorder.connections == 0


async def test_client_ip_rate_limit_answers_429_with_retry_after(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, ip_burst=2, ip_per_minute=2)))
    statuses = [(await client.post('/', data=fields(cc='', bcc=''))).status_code for _ in range(2)]
    limited = await client.post('/', data=fields(cc='', bcc=''))
    assert statuses == [200, 200]
    assert limited.status_code == 429
    assert 1 <= int(limited.headers['retry-after']) <= 60
    assert len(upstream.recorder.messages) == 2


async def test_reply_to_rate_limit_is_per_address(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, reply_to_burst=1, reply_to_per_hour=1)))
    first = await client.post('/', data=fields(cc='', bcc=''))
    same = await client.post('/', data=fields(cc='', bcc=''))
    other = await client.post('/', data=fields(cc='', bcc='', reply_to='someone@else.example'))
    assert (first.status_code, same.status_code, other.status_code) == (200, 429, 200)
    assert int(same.headers['retry-after']) > 60
    assert [m.rcpt_tos for m in upstream.recorder.messages] == [('anna@example.org', 'bob@example.org')] * 2


@pytest.mark.parametrize('authorization', [None, 'Bearer wrong-token', f'Basic {TOKEN}', 'Bearer'])
async def test_missing_or_bad_token_gets_401(upstream: ServerInfo, client_for: Any, authorization: str | None) -> None:
    headers = {'Authorization': authorization} if authorization else {}
    client = client_for(build_app(relay_config(upstream, tokens=frozenset({TOKEN}))), **headers)
    response = await client.post('/', data=fields())
    assert response.status_code == 401
    assert response.headers['www-authenticate'].startswith('Bearer')
    assert upstream.recorder.connections == 0


async def test_valid_token_is_accepted(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(
        build_app(relay_config(upstream, tokens=frozenset({TOKEN, 'other'}))), Authorization=f'Bearer {TOKEN}'
    )
    assert (await client.post('/', data=fields())).status_code == 200
    assert len(upstream.recorder.messages) == 1


@pytest.mark.parametrize('field', ['from', 'reply_to', 'to', 'cc', 'bcc', 'subject'])
@pytest.mark.parametrize('encoding', ['urlencoded', 'multipart'])
async def test_header_injection_in_each_field_is_refused_naming_it(
    upstream: ServerInfo, client_for: Any, field: str, encoding: str
) -> None:
    client = client_for(build_app(relay_config(upstream)))
    values = fields()
    values[field] = f'{values[field] or "x@example.org"}\r\nBcc: victim@evil.example'
    files = [('attachment', ('a.pdf', PDF, 'application/pdf'))] if encoding == 'multipart' else None
    response = await client.post('/', data=values, files=files)
    assert response.status_code == 400
    assert response.text.startswith(f'Field {field}:') and 'line break' in response.text
    assert upstream.recorder.connections == 0


def multipart(parts: list[tuple[str, str]], boundary: str = 'XyZ') -> bytes:
    """A hand-made body, for what httpx would refuse or escape."""
    chunks = [f'--{boundary}\r\n{headers}\r\n\r\n{value}\r\n' for headers, value in parts]
    return (''.join(chunks) + f'--{boundary}--\r\n').encode()


@pytest.mark.parametrize(
    ('filename', 'expected'),
    [('a.pdf\rBcc: v@evil.example', 'Malformed form data'), ('a.pdf\u2028Bcc: v@evil.example', 'Field attachment:')],
)
async def test_header_injection_in_an_attachment_name_is_refused(
    upstream: ServerInfo, client_for: Any, filename: str, expected: str
) -> None:
    client = client_for(build_app(relay_config(upstream)))
    parts = [(f'Content-Disposition: form-data; name="{k}"', v) for k, v in fields().items()]
    parts.append((f'Content-Disposition: form-data; name="attachment"; filename="{filename}"', 'PDF'))
    response = await client.post(
        '/', content=multipart(parts), headers={'Content-Type': 'multipart/form-data; boundary=XyZ'}
    )
    assert response.status_code == 400
    assert response.text.startswith(expected)
    assert upstream.recorder.connections == 0


@pytest.mark.parametrize(
    ('content_type', 'body'),
    [
        (
            'multipart/form-data',
            b'--XyZ\r\nContent-Disposition: form-data; name="to"\r\n\r\na@b.example\r\n--XyZ--\r\n',
        ),
        ('multipart/form-data; boundary=XyZ', b'this is not multipart at all'),
        (
            'multipart/form-data; boundary=XyZ',
            b'--XyZ\r\nContent-Disposition: form-data; name="to"\r\n\r\nunterminated',
        ),
        ('multipart/form-data; boundary=XyZ', b'--XyZ\r\nNo-Colon-Header\r\n\r\nvalue\r\n--XyZ--\r\n'),
    ],
)
async def test_malformed_multipart_is_400(
    upstream: ServerInfo, client_for: Any, content_type: str, body: bytes
) -> None:
    client = client_for(build_app(relay_config(upstream)))
    response = await client.post('/', content=body, headers={'Content-Type': content_type})
    assert response.status_code == 400, response.text
    assert response.text.startswith(('Malformed form data: ', 'Field from, reply_to, to, subject, body: required'))
    assert upstream.recorder.connections == 0


async def test_json_is_415(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream)))
    response = await client.post('/', json=fields())
    assert response.status_code == 415
    assert upstream.recorder.connections == 0


async def test_missing_fields_are_all_named(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream)))
    response = await client.post('/', data={'to': 'anna@example.org', 'body': 'x', 'reply_to': ''})
    assert response.status_code == 400
    assert response.text == 'Field from, subject, reply_to: required field is missing or empty.'
    assert upstream.recorder.connections == 0


async def test_invalid_address_is_named(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream)))
    response = await client.post('/', data=fields(to='anna@example.org, not-an-address'))
    assert response.status_code == 400 and response.text.startswith('Field to: The To address "not-an-address"')
    assert upstream.recorder.connections == 0


async def test_upstream_down_is_502_after_retries(upstream: ServerInfo, client_for: Any) -> None:
    config = replace(relay_config(upstream), upstream=EmailSettings(host='127.0.0.1', port=free_port()))
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    client = client_for(build_app(config, sleep=sleep))
    response = await client.post('/', data=fields())
    assert response.status_code == 502
    assert 'connection-refused' in response.text and 'temporary' in response.text
    assert len(pauses) == config.retries


async def test_permanent_upstream_refusal_is_502_without_retries(pki: TestPKI, client_for: Any) -> None:
    async with smtp_server(tls='starttls', cert=pki.good(), data_reply='554 5.7.1 Spam rejected') as server:
        config = replace(relay_config(server), upstream=EmailSettings(host=server.host, port=server.port))
        client = client_for(build_app(config))
        response = await client.post('/', data=fields())
    assert response.status_code == 502
    assert '554 5.7.1 Spam rejected' in response.text and 'permanent' in response.text
    assert server.recorder.connections == 1 and not server.recorder.messages


async def test_transient_upstream_failure_is_retried_then_delivered(upstream: ServerInfo, client_for: Any) -> None:
    transport = MemoryTransport(failures=[TransportError('rcpt', Cause.TIMEOUT, reply_code=451, reply_text='Later')])
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    client = client_for(build_app(relay_config(upstream), transport=transport, sleep=sleep))
    response = await client.post('/', data=fields())
    assert response.status_code == 200
    assert len(transport.delivered) == 1 and pauses == [0.0]


async def test_status_answers_for_health_checks(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream, tokens=frozenset({TOKEN}))))
    response = await client.get('/status')
    assert response.status_code == 200
    assert response.json()['status'] == 'ok' and response.json()['auth_required'] is True
    assert upstream.recorder.connections == 0


async def test_one_log_line_per_request_without_bodies_or_secrets(
    upstream: ServerInfo, client_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(build_app(relay_config(upstream, tokens=frozenset({TOKEN}))), Authorization=f'Bearer {TOKEN}')
    caplog.set_level(logging.INFO, logger='mailroom.relay')
    await client.post('/', data=fields(subject='Very private subject', body='<p>Secret body text</p>'))
    await client.post('/', data=fields(to='broken'))
    lines = [r.getMessage() for r in caplog.records if r.name == 'mailroom.relay']
    assert len(lines) == 2
    assert lines[0].startswith('client=127.0.0.1 reply_to=office@acme.example recipients=4 size=')
    assert 'status=200' in lines[0] and 'upstream="250 ' in lines[0]
    assert 'status=400' in lines[1]
    for secret in (TOKEN, UPSTREAM_PASSWORD, 'Very private subject', 'Secret body text'):
        assert secret not in '\n'.join(lines)


@pytest.mark.parametrize(('kept', 'connections'), [(4, 1), (0, 3)])
async def test_upstream_connections_are_kept_between_requests(
    upstream: ServerInfo, client_for: Any, kept: int, connections: int
) -> None:
    client = client_for(build_app(replace(relay_config(upstream), upstream_connections=kept)))
    for number in range(3):
        assert (await client.post('/', data=fields(subject=f'Invoice {number}'))).status_code == 200
    assert len(upstream.recorder.messages) == 3
    assert upstream.recorder.connections == connections
    assert len(upstream.recorder.auth_attempts) == connections


async def test_an_attachment_with_a_bogus_content_type_is_refused(upstream: ServerInfo, client_for: Any) -> None:
    client = client_for(build_app(relay_config(upstream)))
    response = await client.post('/', data=fields(), files=[('attachment', ('a.pdf', PDF, 'pdf please'))])
    assert response.status_code == 400
    assert response.text == 'Field attachment: "pdf please" is not a valid content type.'
    assert upstream.recorder.connections == 0
