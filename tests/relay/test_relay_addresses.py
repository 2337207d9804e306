"""The relay takes addresses by the same rule as the app: internal domains, whole display names, one field named."""

from __future__ import annotations

import argparse
import email
from email import policy
from email.message import EmailMessage

import httpx
import pytest

from cli.relay import add_arguments, load_config
from cli.relay_app import build_app
from core.relay.config import ConfigError
from tests.relay.conftest import relay_config
from tests.support.smtp_servers import ServerInfo


def post_fields(**changes: str) -> dict[str, str]:
    values = {
        'from': 'Acme ehf.',
        'reply_to': 'office@company.local',
        'to': '"Doe, John" <john@company.local>; anna@bær.is',
        'subject': 'Invoice 42',
        'body': '<p>Invoice 42 is attached.</p>',
    }
    values.update(changes)
    return values


async def post(upstream: ServerInfo, data: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(build_app(relay_config(upstream)))
    async with httpx.AsyncClient(transport=transport, base_url='http://relay.test') as client:
        return await client.post('/', data=data)


async def test_internal_addresses_and_a_quoted_name_with_a_comma_are_delivered(upstream: ServerInfo) -> None:
    response = await post(upstream, post_fields())
    assert response.status_code == 200, response.text
    [envelope] = upstream.recorder.messages
    assert envelope.rcpt_tos == ('john@company.local', 'anna@xn--br-1ia.is')
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(message, EmailMessage)
    [john, anna] = message['To'].addresses
    assert anna.addr_spec == 'anna@xn--br-1ia.is'
    assert (john.display_name, john.addr_spec) == ('Doe, John', 'john@company.local')
    assert str(message['Reply-To']) == 'office@company.local'


async def test_a_wrong_address_is_refused_naming_the_wire_field(upstream: ServerInfo) -> None:
    response = await post(upstream, post_fields(to='Doe, John <john@company.local>'))
    assert response.status_code == 400
    assert response.text.startswith('Field to: The To address "Doe" is not a valid email address')
    assert upstream.recorder.messages == []


def config_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(['--upstream-host', '127.0.0.1', *argv])


def test_the_relay_sender_may_be_internal_but_not_invalid() -> None:
    assert load_config(config_args('--sender', 'relay@company.local'), {}).sender == 'relay@company.local'
    with pytest.raises(ConfigError, match=r'^--sender: "relay@mail.invalid" ends in \.invalid'):
        load_config(config_args('--sender', 'relay@mail.invalid'), {})
