"""Manager's wire format: what Mailroom posts, what the relay accepts, and how a relay's confirmation is read."""

from __future__ import annotations

import pytest

from core.http_wire import RelayReply, error_summary, parse_relay_reply, parse_wire, wire_fields, wire_files
from core.message import Attachment, MessageError, OutgoingMessage

MESSAGE = OutgoingMessage(
    sender_name='Acme ehf.',
    sender_address='billing@acme.example',
    to=('anna@example.org', 'bob@example.org'),
    cc=('boss@example.org',),
    bcc=('archive@acme.example',),
    reply_to='office@acme.example',
    subject='Invoice 42',
    text_body='Hello <Anna>',
    attachments=(Attachment('a.pdf', 'application/pdf', b'%PDF'),),
)


def test_fields_are_managers_plus_cc_and_bcc() -> None:
    assert wire_fields(MESSAGE) == {
        'from': 'Acme ehf.',
        'reply_to': 'office@acme.example',
        'to': 'anna@example.org, bob@example.org',
        'cc': 'boss@example.org',
        'bcc': 'archive@acme.example',
        'subject': 'Invoice 42',
        'body': '<p>Hello &lt;Anna&gt;</p>',
    }
    assert 'bcc' not in wire_fields(MESSAGE, include_bcc=False)
    assert wire_files(MESSAGE) == [('attachment', ('a.pdf', b'%PDF', 'application/pdf'))]


def test_parsing_round_trips_and_splits_on_semicolons() -> None:
    fields = {name: [value] for name, value in wire_fields(MESSAGE).items()}
    fields['to'] = ['anna@example.org; bob@example.org;']
    parsed = parse_wire(fields, list(MESSAGE.attachments))
    assert (parsed.from_name, parsed.reply_to, parsed.to, parsed.cc, parsed.bcc) == (
        'Acme ehf.',
        'office@acme.example',
        ('anna@example.org', 'bob@example.org'),
        ('boss@example.org',),
        ('archive@acme.example',),
    )
    assert parsed.recipient_count == 4 and parsed.size == len(parsed.body) + 4


def test_missing_and_empty_fields_are_all_named() -> None:
    with pytest.raises(MessageError) as caught:
        parse_wire({'to': [''], 'body': ['x']}, [])
    assert caught.value.field == 'from, reply_to, subject, to'


@pytest.mark.parametrize(
    ('content_type', 'text', 'expected'),
    [
        ('application/json', RelayReply('<id@x>', ('a@b.example',), True, '250 ok').to_json(), True),
        ('application/json; charset=utf-8', '{"status": "sent", "bcc_delivered": "yes"}', False),
        ('text/plain', '{"status": "sent", "bcc_delivered": true}', None),
        ('application/json', 'not json', None),
        ('application/json', '{"status": "queued", "bcc_delivered": true}', None),
    ],
)
def test_only_a_relay_reply_confirms_the_blind_copy(content_type: str, text: str, expected: bool | None) -> None:
    reply = parse_relay_reply(content_type, text)
    assert (reply.bcc_delivered if reply else None) == expected


def test_error_summary_is_one_short_line() -> None:
    assert error_summary(400, 'Bad Request', 'Invalid\n  reply_to') == '400 Bad Request: Invalid reply_to'
    assert error_summary(503, 'Service Unavailable', '') == '503 Service Unavailable'
    assert error_summary(500, 'Internal Server Error', 'x' * 500, limit=10) == '500 Internal Server Error: xxxxxxxxx…'
