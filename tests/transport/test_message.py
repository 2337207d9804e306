"""Building the MIME message: headers, encodings, the blind copy only in the envelope, injection refused."""

from __future__ import annotations

import email
import re
import sys
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from core.addresses import split_list
from core.message import (
    MIME_POLICY,
    Attachment,
    MessageError,
    OutgoingMessage,
    ascii_filename,
    build_mime,
    check_header_block,
    html_to_text,
    message_from_settings,
)
from core.settings import EmailSettings, Protocol
from core.templates import markdown_to_html

PDF = Attachment('Reikningur 42 – Þórður.pdf', 'application/pdf', b'%PDF-1.7 test')


def invoice(**changes: object) -> OutgoingMessage:
    values: dict[str, object] = {
        'sender_name': 'Þórður & Co, ehf.',
        'sender_address': 'billing@example.com',
        'to': ('anna@example.org',),
        'cc': ('boss@example.org',),
        'bcc': ('archive@example.com',),
        'reply_to': 'office@example.com',
        'subject': 'Reikningur 42 – greiðsla',
        'text_body': 'Halló Anna,\n\nReikningurinn fylgir.\n',
        'html_body': '<p>Halló Anna,</p><p>Reikningurinn fylgir.</p>',
        'attachments': (PDF,),
    }
    values.update(changes)
    return OutgoingMessage(**values)  # type: ignore[arg-type]


def parsed(message: OutgoingMessage) -> EmailMessage:
    raw = build_mime(message).as_bytes()
    assert max(raw), 'bytes exist'
    assert all(byte < 128 for byte in raw), 'the wire form must be 7-bit clean'
    result = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(result, EmailMessage)
    return result


def test_headers_decode_back_to_what_was_given() -> None:
    mime = parsed(invoice())
    assert mime['From'].addresses[0].display_name == 'Þórður & Co, ehf.'
    assert mime['From'].addresses[0].addr_spec == 'billing@example.com'
    assert str(mime['To']) == 'anna@example.org'
    assert str(mime['Cc']) == 'boss@example.org'
    assert str(mime['Reply-To']) == 'office@example.com'
    assert str(mime['Subject']) == 'Reikningur 42 – greiðsla'
    assert mime['Date'] and mime['Message-ID'].endswith('@example.com>')


def test_non_ascii_display_name_uses_rfc2047_on_the_wire() -> None:
    raw = build_mime(invoice()).as_bytes().decode('ascii')
    from_line = next(line for line in raw.splitlines() if line.startswith('From:'))
    assert '=?utf-8?' in from_line and from_line.endswith('<billing@example.com>')


def test_bcc_is_only_in_the_envelope() -> None:
    built = build_mime(invoice())
    assert 'Bcc' not in built.mime
    assert b'archive@example.com' not in built.as_bytes()
    assert built.envelope_recipients == ['anna@example.org', 'boss@example.org', 'archive@example.com']
    assert built.envelope_from == 'billing@example.com'


def test_attachment_file_name_survives_rfc2231_encoding() -> None:
    raw = build_mime(invoice()).as_bytes().decode('ascii')
    assert "filename*=utf-8''Reikningur%2042%20" in raw
    mime = parsed(invoice())
    attachments = list(mime.iter_attachments())
    assert [(a.get_filename(), a.get_content_type(), a.get_content()) for a in attachments] == [
        (PDF.filename, 'application/pdf', PDF.data)
    ]


def test_text_and_html_are_alternatives() -> None:
    mime = parsed(invoice())
    body = mime.get_body(preferencelist=('plain',))
    html = mime.get_body(preferencelist=('html',))
    assert body is not None and 'Reikningurinn fylgir.' in body.get_content()
    assert html is not None and '<p>Halló Anna,</p>' in html.get_content()


def test_html_only_body_gets_a_plain_text_alternative() -> None:
    mime = parsed(invoice(text_body='', html_body='<h1>Invoice</h1><ul><li>One</li><li>Two</li></ul><p>Thanks</p>'))
    plain = mime.get_body(preferencelist=('plain',))
    assert plain is not None
    assert plain.get_content().replace('\r\n', '\n').strip() == 'Invoice\n\n- One\n- Two\n\nThanks'
    assert html_to_text('<style>p{}</style><p>a&amp;b</p>') == 'a&b\n'


@pytest.mark.parametrize(
    ('field', 'changes'),
    [
        ('sender_name', {'sender_name': 'Evil\r\nBcc: victim@example.net'}),
        ('sender_address', {'sender_address': 'billing@example.com\nBcc: victim@example.net'}),
        ('subject', {'subject': 'Hi\nBcc: victim@example.net'}),
        ('subject', {'subject': 'Hi\rX-Spam: no'}),
        ('to', {'to': ('anna@example.org\r\nBcc: victim@example.net',)}),
        ('cc', {'cc': ('boss@example.org\n',)}),
        ('bcc', {'bcc': ('archive@example.com\r\n',)}),
        ('reply_to', {'reply_to': 'office@example.com\r\nBcc: victim@example.net'}),
        ('attachments', {'attachments': (Attachment('a.pdf\r\nX: y', 'application/pdf', b''),)}),
        ('attachments', {'attachments': (Attachment('a.pdf', 'application/pdf\r\nX: y', b''),)}),
        ('message_id', {'message_id': '<a@b>\r\nBcc: victim@example.net'}),
    ],
)
def test_header_injection_is_refused_naming_the_field(field: str, changes: dict[str, object]) -> None:
    with pytest.raises(MessageError) as caught:
        build_mime(invoice(**changes))
    assert caught.value.field == field


@pytest.mark.parametrize('bad', ['not-an-address', 'a@b@c.com', 'anna@', '"a b"@example.com<x>'])
def test_invalid_addresses_are_refused(bad: str) -> None:
    with pytest.raises(MessageError) as caught:
        build_mime(invoice(cc=(bad,)))
    assert caught.value.field == 'cc'


def test_international_domain_becomes_punycode() -> None:
    built = build_mime(invoice(to=('anna@bær.is',)))
    assert built.envelope_recipients[0] == 'anna@xn--br-1ia.is'


def test_no_recipient_at_all_is_refused() -> None:
    with pytest.raises(MessageError) as caught:
        build_mime(invoice(to=(), cc=(), bcc=()))
    assert caught.value.field == 'to'


def test_addresses_split_on_commas_and_semicolons() -> None:
    assert split_list(' a@x.com; b@y.com ,c@z.com;; ') == ['a@x.com', 'b@y.com', 'c@z.com']


def test_smtp_settings_give_from_reply_to_and_blind_copy() -> None:
    settings = EmailSettings(
        username='login-name',
        email='billing@example.com',
        reply_to_enabled=True,
        reply_to='office@example.com',
        bcc_enabled=True,
        bcc='archive@example.com',
    )
    message = message_from_settings(
        settings, business_name='Acme ehf.', to=['anna@example.org', 'Anna@example.org'], subject='Invoice 1'
    )
    assert message.sender_address == 'billing@example.com'
    assert message.sender_name == 'Acme ehf.'
    assert message.reply_to == 'office@example.com'
    assert message.to == ('anna@example.org',)
    assert message.bcc == ('archive@example.com',)
    assert message.message_id.endswith('@example.com>')


def test_unticked_options_add_no_reply_to_or_copy() -> None:
    settings = EmailSettings(username='billing@example.com', reply_to='office@example.com', bcc='archive@example.com')
    message = message_from_settings(settings, business_name='Acme', to=['a@example.org'], subject='s')
    assert message.reply_to is None and message.bcc == ()


def test_http_settings_send_from_the_reply_to_address() -> None:
    settings = EmailSettings(protocol=Protocol.HTTP, http_server='https://relay.example', reply_to='me@example.com')
    message = message_from_settings(settings, business_name='Acme', to=['a@example.org'], subject='s')
    assert message.sender_address == 'me@example.com' and message.reply_to == 'me@example.com'


def encoded_word(text: str) -> str:
    return '=?utf-8?q?' + ''.join(f'={byte:02X}' for byte in text.encode()) + '?='


@pytest.mark.parametrize(
    ('field', 'changes'),
    [
        ('subject', {'subject': encoded_word(encoded_word('Hi\r\nBcc: victim@example.net'))}),
        ('subject', {'subject': '=?utf-8?b?SGkNCkJjYzogdmljdGltQGV4YW1wbGUubmV0?='}),
        ('subject', {'subject': 'Hi =?unknown-charset?q?=0D=0ABcc:_v?='}),
        ('subject', {'subject': 'Hi\x1bthere'}),
        ('sender_name', {'sender_name': f'Acme {encoded_word("ehf.")}{encoded_word(chr(0x2029))}'}),
        ('attachments', {'attachments': (Attachment(encoded_word('a\x7f.pdf'), 'application/pdf', b''),)}),
    ],
)
def test_encoded_words_are_read_to_the_end_and_an_unreadable_one_is_refused(
    field: str, changes: dict[str, object]
) -> None:
    with pytest.raises(MessageError) as caught:
        build_mime(invoice(**changes))
    assert caught.value.field == field


def test_a_harmless_encoded_word_is_sent_as_the_text_it_stands_for() -> None:
    mime = parsed(invoice(subject=f'Reikningur {encoded_word("42 – greiðsla")}', sender_name=encoded_word('Þórður')))
    assert str(mime['Subject']) == 'Reikningur 42 – greiðsla'
    assert mime['From'].addresses[0].display_name == 'Þórður'


def test_a_tab_is_ordinary_header_whitespace() -> None:
    assert str(parsed(invoice(subject='Invoice\t42'))['Subject']) in ('Invoice\t42', 'Invoice 42')


@pytest.mark.parametrize(
    'set_header',
    [
        lambda m: m.__setitem__('Subject', '=?utf-8?q?x=0D=0AFrom:_evil=40example.net?='),
        lambda m: m.set_raw('Subject', 'x\r\nBcc: victim@example.net'),
        lambda m: m.set_raw('Subject', 'x\r\n \r\nThe body, early'),
        lambda m: m.set_raw('Subject', 'x\nBcc: victim@example.net'),
        lambda m: m.set_raw('Subject', 'x\x00y'),
    ],
)
def test_the_builder_refuses_to_write_a_header_that_would_fold_into_another(set_header: Any) -> None:
    """The last guard, with the checks before it bypassed: it holds on Pythons without the CVE-2024-6923 fix."""
    mime = EmailMessage(policy=MIME_POLICY)
    set_header(mime)
    mime.set_content('Hello')
    with pytest.raises(MessageError) as caught:
        mime.as_bytes(policy=MIME_POLICY)
    assert caught.value.field == 'subject'
    assert 'would have broken the email header' in caught.value.problem


def test_the_header_block_must_end_where_the_builder_thinks_it_ends() -> None:
    check_header_block(['From', 'Subject'], b'From: a@example.com\r\nSubject: Hi\r\n there\r\n\r\nBody')
    for data in (
        b'From: a@example.com\r\nSubject: Hi\r\nBcc: victim@example.net\r\n\r\nBody',
        b'From: a@example.com\r\n\r\nSubject: Hi\r\n\r\nBody',
        b'From: a@example.com\r\nno header here\r\nSubject: Hi\r\n\r\nBody',
        b'From: a@example.com\r\nSubject: Hi\r\n',
    ):
        with pytest.raises(MessageError):
            check_header_block(['From', 'Subject'], data)


def test_the_runtimes_own_header_check_stays_on_where_it_exists() -> None:
    if not hasattr(policy.SMTP, 'verify_generated_headers'):
        pytest.skip(f'Python {sys.version.split()[0]} has no verify_generated_headers (added in 3.11.10 and 3.12.5)')
    assert MIME_POLICY.verify_generated_headers is True


def test_markdown_becomes_plain_text_without_its_marks() -> None:
    markdown = (
        '# Invoice INV-0042\n\nDear **Þórður**, thank you for _your_ order.\nPay by Friday.\n\n'
        '- design work\n- printing\n  - 200 copies\n\n1. first\n2. second\n\n'
        'Pay [online](https://pay.example/i?a=1&b=2), see <https://nordurljos.example> or write to '
        '[us](mailto:hello@nordurljos.example).\n\n> Quoted words\n\n```\ncode   kept\n```\n'
    )
    mime = parsed(invoice(text_body=markdown, html_body=markdown_to_html(markdown)))
    plain = mime.get_body(preferencelist=('plain',))
    assert plain is not None
    assert plain.get_content().replace('\r\n', '\n') == (
        'Invoice INV-0042\n\nDear Þórður, thank you for your order.\nPay by Friday.\n\n'
        '- design work\n- printing\n  - 200 copies\n\n1. first\n2. second\n\n'
        'Pay online (https://pay.example/i?a=1&b=2), see https://nordurljos.example or write to '
        'us (hello@nordurljos.example).\n\n  Quoted words\n\ncode   kept\n'
    )


def test_a_non_ascii_file_name_has_an_ascii_fallback_and_long_names_fold() -> None:
    name = 'Reikningur 42 – Þórður Ægisson ehf. fyrir hönnun og prentun í nóvember.pdf'
    raw = build_mime(invoice(attachments=(PDF._replace(filename=name),))).as_bytes()
    assert max(len(line) for line in raw.split(b'\r\n')[:60]) <= 78
    assert b'filename="Reikningur 42 - Thordur Aegisson ehf. fyrir honnun og prentun.pdf"' in raw
    [attachment] = parsed(invoice(attachments=(PDF._replace(filename=name),))).iter_attachments()
    assert attachment.get_filename() == name
    old_client_view = re.sub(rb'\s*filename\*\d*\*?=[^;]*;', b'', raw)
    [attachment] = email.message_from_bytes(old_client_view, policy=policy.default).iter_attachments()
    assert attachment.get_filename() == 'Reikningur 42 - Thordur Aegisson ehf. fyrir honnun og prentun.pdf'
    assert ascii_filename('Þórður.pdf', 60) == 'Thordur.pdf'
