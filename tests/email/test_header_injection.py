"""No header injection through the app, typed or hidden in encoded words, against a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest

from core.causes import Cause
from core.email_log import EmailStatus, MemoryEmailLog
from core.message import Attachment
from core.outbox import Outbox
from core.transport import transport_for
from tests.email.conftest import FakeClock, make_draft, smtp_settings, submission_server
from tests.support.certs import TestPKI
from tests.support.header_injection import CHARACTERS, encoded_word
from tests.support.smtp_servers import ServerInfo, smtp_server

PDF = Attachment('Invoice INV-0042.pdf', 'application/pdf', b'%PDF-1.7 test')
# Where each value goes, and the words the error uses for it.
FIELDS = {
    'subject': 'The subject',
    'to': 'The To address',
    'cc': 'The Cc address',
    'bcc': 'The Bcc address',
    'sender_name': 'The business name',
    'reply_to': 'The reply-to email',
    'attachment': "The attachment's file name",
}


def attack(character: str, form: str) -> str:
    text = f'Evil{character}Bcc: victim@evil.example'
    return text if form == 'raw' else encoded_word(text)


def outbox_for(server: ServerInfo, clock: FakeClock, **settings: Any) -> Outbox:
    values = smtp_settings(port=server.port, **settings)
    return Outbox(
        MemoryEmailLog(), lambda: values, lambda s: transport_for(s, timeout=5), clock=clock, sleep=clock.sleep
    )


def sending(field: str, value: str) -> tuple[dict[str, Any], dict[str, Any], list[Attachment]]:
    """The draft changes, settings changes and attachments that put `value` into `field`."""
    address = {'to': 'thordur@example.is', 'cc': 'bokhald@example.is', 'bcc': 'archive@example.is'}
    if field == 'subject':
        return {'subject': value}, {}, [PDF]
    if field in address:
        return {field: (f'{value} <{address[field]}>',)}, {}, [PDF]
    if field == 'sender_name':
        return {'business_name': value}, {}, [PDF]
    if field == 'reply_to':
        return {}, {'reply_to': f'{value} <accounts@nordurljos.example>'}, [PDF]
    return {}, {}, [PDF._replace(filename=f'{value}.pdf')]


def parsed(content: bytes) -> EmailMessage:
    message = email.message_from_bytes(content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


@pytest.mark.parametrize('character', CHARACTERS)
@pytest.mark.parametrize('form', ['raw', 'encoded'])
@pytest.mark.parametrize('field', FIELDS)
async def test_a_control_character_in_any_header_field_is_refused_and_nothing_is_delivered(
    field: str, form: str, character: str, pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    value, name = CHARACTERS[character]
    draft_changes, settings_changes, attachments = sending(field, attack(value, form))
    async with smtp_server(submission_server(pki)) as server:
        outbox = outbox_for(server, clock, **settings_changes)
        record = await outbox.send(make_draft(**draft_changes), attachments)
    assert record.status is EmailStatus.FAILED
    assert record.cause == Cause.INVALID_INPUT.value and not record.transient
    assert f'{FIELDS[field]} contains {name}' in record.said
    assert ('hidden in encoded text' in record.said) is (form == 'encoded')
    assert server.recorder.messages == [] and server.recorder.connections == 0


async def test_the_example_from_the_advisory_cannot_replace_the_body(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    subject = '=?utf-8?q?x=0D=0AFrom:_evil=40evil.example=0D=0A=0D=0AYour_account_is_closed?='
    async with smtp_server(submission_server(pki)) as server:
        record = await outbox_for(server, clock).send(make_draft(subject=subject), [PDF])
    assert record.status is EmailStatus.FAILED
    assert 'The subject contains a line break (CR) hidden in encoded text' in record.said
    assert server.recorder.messages == []


async def test_harmless_encoded_words_are_delivered_as_the_text_they_stand_for(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    """The same path as the refusals above delivers, so those prove the check and not a broken rig."""
    draft = make_draft(
        subject=f'Reikningur {encoded_word("greiðsla")} INV-0042',
        business_name=encoded_word('Norðurljós Design'),
    )
    async with smtp_server(submission_server(pki)) as server:
        outbox = outbox_for(server, clock)
        record = await outbox.send(draft, [PDF._replace(filename=f'{encoded_word("Reikningur")}.pdf')])
    assert record.status is EmailStatus.SENT, record
    [received] = server.recorder.messages
    message = parsed(received.content)
    assert message['Subject'] == 'Reikningur greiðsla INV-0042'
    assert message['From'].addresses[0].display_name == 'Norðurljós Design'
    assert [a.get_filename() for a in message.iter_attachments()] == ['Reikningur.pdf']


async def test_the_text_part_has_no_markdown_and_a_non_ascii_file_name_has_an_ascii_fallback(
    pki: TestPKI, trust_pki: None, clock: FakeClock
) -> None:
    from core.templates import markdown_to_html

    markdown = (
        'Dear **Þórður**,\n\nPlease pay _by Friday_:\n\n- invoice INV-0042\n- invoice INV-0043\n\n'
        'Details on [our site](https://nordurljos.example/pay?ref=42).'
    )
    draft = make_draft(text_body=markdown, html_body=markdown_to_html(markdown))
    attachment = PDF._replace(filename='Reikningur Þórður.pdf')
    async with smtp_server(submission_server(pki)) as server:
        record = await outbox_for(server, clock).send(draft, [attachment])
    assert record.status is EmailStatus.SENT, record
    [received] = server.recorder.messages
    message = parsed(received.content)
    plain = message.get_body(('plain',))
    assert plain is not None
    assert plain.get_content().replace('\r\n', '\n') == (
        'Dear Þórður,\n\nPlease pay by Friday:\n\n- invoice INV-0042\n- invoice INV-0043\n\n'
        'Details on our site (https://nordurljos.example/pay?ref=42).\n'
    )
    [part] = message.iter_attachments()
    assert part.get_filename() == 'Reikningur Þórður.pdf'
    assert b'filename*=utf-8\'\'Reikningur%20%C3%9E%C3%B3r%C3%B0ur.pdf;\r\n filename="Reikningur Thordur.pdf"' in (
        received.content
    )


def test_the_compose_dialog_marks_a_subject_with_a_hidden_line_break() -> None:
    from ui.compose_dialog import subject_error

    hidden = encoded_word('42\r\nBcc: victim@evil.example')
    assert subject_error(f'Invoice {hidden}') == (
        'The subject contains a line break (CR) hidden in encoded text (=?…?=). '
        'An email header is a single line of text, so remove it and try again.'
    )
    assert subject_error(f'Invoice {encoded_word("42 – greiðsla")}') is None
