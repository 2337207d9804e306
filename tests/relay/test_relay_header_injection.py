"""No header injection through the relay: any field, raw or in encoded words, gets a 400 naming it; nothing is sent."""

from __future__ import annotations

import email
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import default as default_policy

import httpx
import pytest

from cli.relay_app import build_app
from core.i18n import reset_language, set_language
from tests.relay.conftest import RELAY_SENDER, relay_config
from tests.support.header_injection import CHARACTERS, encoded_word
from tests.support.smtp_servers import ServerInfo

PDF = b'%PDF-1.7\n% invoice 42\n'
FIELDS = {
    'from': 'The sender name (from)',
    'reply_to': 'The reply-to email',
    'to': 'The To address',
    'cc': 'The Cc address',
    'bcc': 'The Bcc address',
    'subject': 'The subject',
    'attachment': "The attachment's file name",
}
ADDRESSES = {'reply_to': 'office@acme.example', 'to': 'anna@example.org', 'cc': 'boss@example.org'}


def fields(**changes: str) -> dict[str, str]:
    values = {
        'from': 'Acme ehf.',
        'reply_to': 'office@acme.example',
        'to': 'anna@example.org',
        'cc': 'boss@example.org',
        'bcc': 'archive@acme.example',
        'subject': 'Invoice 42',
        'body': '<p>Invoice 42 is attached.</p>',
    }
    values.update(changes)
    return values


def multipart(values: dict[str, str], filename: str) -> bytes:
    """Built by hand: an HTTP client would escape a line break in a file name, an attacker's script need not."""
    parts = [
        f'--XyZ\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in values.items()
    ]
    head = f'--XyZ\r\nContent-Disposition: form-data; name="attachment"; filename="{filename}"\r\n'
    parts.append(head.encode() + b'Content-Type: application/pdf\r\n\r\n' + PDF + b'\r\n')
    return b''.join(parts) + b'--XyZ--\r\n'


@pytest.fixture
def relay(upstream: ServerInfo, client_for: Callable[..., httpx.AsyncClient]) -> httpx.AsyncClient:
    return client_for(build_app(relay_config(upstream)))


def received(upstream: ServerInfo) -> list[EmailMessage]:
    messages = [email.message_from_bytes(m.content, policy=default_policy) for m in upstream.recorder.messages]
    return [m for m in messages if isinstance(m, EmailMessage)]


async def post(client: httpx.AsyncClient, field: str, value: str) -> httpx.Response:
    if field == 'attachment':
        content = multipart(fields(), f'{value}.pdf')
        return await client.post('/', content=content, headers={'Content-Type': 'multipart/form-data; boundary=XyZ'})
    if field in ADDRESSES:
        value = f'{value} <{ADDRESSES[field]}>'
    return await client.post('/', data=fields(**{field: value}))


@pytest.mark.parametrize('character', CHARACTERS)
@pytest.mark.parametrize('form', ['raw', 'encoded'])
@pytest.mark.parametrize('field', FIELDS)
async def test_a_control_character_in_any_field_is_a_400_naming_it_and_nothing_is_sent(
    field: str, form: str, character: str, relay: httpx.AsyncClient, upstream: ServerInfo
) -> None:
    value, name = CHARACTERS[character]
    text = f'Evil{value}From: Your Bank <security@bank.example>'
    response = await post(relay, field, text if form == 'raw' else encoded_word(text))
    assert response.status_code == 400
    if field == 'attachment' and form == 'raw' and value == '\r':
        # A bare CR inside a part's header line breaks the form itself before any field is read.
        assert response.text.startswith('Malformed form data'), response.text
    else:
        assert response.text.startswith(f'Field {field}: {FIELDS[field]} contains {name}'), response.text
        assert ('hidden in encoded text' in response.text) is (form == 'encoded')
    assert upstream.recorder.messages == [] and upstream.recorder.connections == 0


async def test_a_from_forged_through_an_encoded_word_is_refused(relay: httpx.AsyncClient, upstream: ServerInfo) -> None:
    forged = '=?utf-8?q?Acme=0D=0AFrom:_Your_Bank_=3Csecurity=40bank.example=3E?='
    response = await relay.post('/', data=fields(**{'from': forged}))
    assert response.status_code == 400
    assert response.text.startswith('Field from: The sender name (from) contains a line break (CR) hidden in encoded')
    assert upstream.recorder.messages == []


async def test_an_address_hidden_in_an_encoded_from_name_is_dropped_like_a_typed_one(
    relay: httpx.AsyncClient, upstream: ServerInfo
) -> None:
    response = await relay.post('/', data=fields(**{'from': encoded_word('Your Bank security@bank.example')}))
    assert response.status_code == 200, response.text
    [message] = received(upstream)
    [sender] = message['From'].addresses
    assert (sender.display_name, sender.addr_spec) == ('Your Bank via Mailroom Relay', RELAY_SENDER)
    assert b'bank.example' not in upstream.recorder.messages[0].content


async def test_harmless_encoded_words_arrive_as_the_text_they_stand_for(
    relay: httpx.AsyncClient, upstream: ServerInfo
) -> None:
    """The same requests as the refusals above, without the control character, are delivered."""
    subject = f'Reikningur {encoded_word("greiðsla")} 42'
    content = multipart(fields(subject=subject), encoded_word('Reikningur 42') + '.pdf')
    response = await relay.post('/', content=content, headers={'Content-Type': 'multipart/form-data; boundary=XyZ'})
    assert response.status_code == 200, response.text
    [message] = received(upstream)
    assert message['Subject'] == 'Reikningur greiðsla 42'
    assert [a.get_filename() for a in message.iter_attachments()] == ['Reikningur 42.pdf']


async def test_the_relay_answers_in_english_on_a_server_whose_language_is_icelandic(
    relay: httpx.AsyncClient, upstream: ServerInfo
) -> None:
    """The relay's replies are its API, read by programs: LANG=is_IS on the server must not change them."""
    token = set_language('is')
    try:
        forged = await relay.post('/', data=fields(**{'from': encoded_word('Acme\r\nBcc: v@evil.example')}))
        attachment = await post(relay, 'attachment', 'Reikningur\u2028Bcc')
    finally:
        reset_language(token)
    assert forged.text.startswith('Field from: The sender name (from) contains a line break (CR) hidden in encoded')
    assert attachment.text.startswith("Field attachment: The attachment's file name contains a line break"), (
        attachment.text
    )
    assert upstream.recorder.messages == []
