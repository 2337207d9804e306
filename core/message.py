"""The outgoing message as a value, and its MIME form: the one place that decides what goes into headers."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from email import policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html.parser import HTMLParser
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email

from core.settings import EmailSettings


class _HeaderRegistry(HeaderRegistry):
    """The standard registry, except that it builds each header class once.

    The stock one calls `type()` for every header it parses (17 times for a small message): about a third of the
    time it takes to build one, and classes are garbage only the cyclic collector frees.
    """

    def __getitem__(self, name: str) -> type[BaseHeader]:
        return _header_class(self.registry.get(name.lower(), self.default_class), self.base_class)


@functools.cache
def _header_class(specialised: type, base: type) -> type[BaseHeader]:
    return type('_' + specialised.__name__, (specialised, base), {})


MIME_POLICY = policy.SMTP.clone(header_factory=_HeaderRegistry())
_LINE_BREAK = re.compile(r'[\r\n\x00\u2028\u2029\x85\x0b\x0c]')
_CONTENT_TYPE = re.compile(r'^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$', re.IGNORECASE)
_ADDRESS_SEPARATORS = re.compile(r'[,;]')


class MessageError(ValueError):
    """A message that must not be sent as it stands; `field` names the culprit so forms and the relay can say so."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f'{field}: {problem}')
        self.field = field
        self.problem = problem


class Attachment(NamedTuple):
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything a transport needs; addresses are plain `user@domain` strings, the display name is separate."""

    sender_address: str
    to: tuple[str, ...]
    subject: str
    sender_name: str = ''
    text_body: str = ''
    html_body: str = ''
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()
    message_id: str = ''
    deliver_to: tuple[str, ...] = ()  # when set, only these get it this time (the rest already have it)

    @property
    def envelope_recipients(self) -> list[str]:
        """To, Cc and Bcc without duplicates: Bcc lives only here, never in a header."""
        everyone = unique_addresses([*self.to, *self.cc, *self.bcc])
        if not self.deliver_to:
            return everyone
        wanted = {a.strip().lower() for a in self.deliver_to}
        return [a for a in everyone if a.strip().lower() in wanted]

    def with_message_id(self) -> OutgoingMessage:
        """Fix the Message-ID before sending so that a retry or a log entry refers to the same message."""
        if self.message_id:
            return self
        return replace(self, message_id=new_message_id(self.sender_address))


@dataclass(frozen=True)
class BuiltMessage:
    """The MIME message plus the envelope: what an SMTP transaction needs."""

    mime: EmailMessage
    envelope_from: str
    envelope_recipients: list[str] = field(default_factory=list)

    @property
    def message_id(self) -> str:
        return str(self.mime['Message-ID'])

    def as_bytes(self) -> bytes:
        return self.mime.as_bytes(policy=MIME_POLICY)


def split_addresses(text: str) -> list[str]:
    """Addresses typed as one string, separated by `,` or `;` (Manager's format and the compose dialog's)."""
    return [part.strip() for part in _ADDRESS_SEPARATORS.split(text) if part.strip()]


def unique_addresses(addresses: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for address in addresses:
        key = address.strip().lower()
        if key and key not in seen:
            seen.add(key)
            result.append(address.strip())
    return result


def check_header_text(field_name: str, value: str) -> str:
    """Refuse line breaks and NULs: they are how header injection works, and no legitimate value needs them."""
    if _LINE_BREAK.search(value):
        raise MessageError(field_name, 'contains a line break, which is not allowed in an email header.')
    return value


def normalize_address(field_name: str, address: str) -> str:
    """Syntax-check one address and return it in ASCII form (international domains become punycode)."""
    check_header_text(field_name, address)
    try:
        valid = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as error:
        raise MessageError(field_name, f'"{address.strip()}" is not a valid email address: {error}') from None
    if valid.ascii_email is None:
        raise MessageError(
            field_name, f'"{address.strip()}" has non-English letters before the @, which most mail servers refuse.'
        )
    return valid.ascii_email


def new_message_id(sender_address: str) -> str:
    """A Message-ID on the sender's domain, in ASCII even when the domain is international."""
    domain = sender_address.rpartition('@')[2].strip()
    try:
        domain = domain.encode('idna').decode('ascii')
    except UnicodeError:
        domain = ''
    return make_msgid(domain=domain if domain and not _LINE_BREAK.search(domain) else 'mailroom.invalid')


def validate_message(message: OutgoingMessage) -> OutgoingMessage:
    """Every header field checked and every address normalised; raises MessageError naming the field."""
    check_header_text('sender_name', message.sender_name)
    check_header_text('subject', message.subject)
    check_header_text('message_id', message.message_id)
    if not message.to and not message.cc and not message.bcc:
        raise MessageError('to', 'enter at least one recipient.')
    for attachment in message.attachments:
        check_header_text('attachments', attachment.filename)
        if not attachment.filename.strip():
            raise MessageError('attachments', 'an attachment has no file name.')
        if not _CONTENT_TYPE.match(attachment.content_type):
            raise MessageError('attachments', f'"{attachment.content_type}" is not a valid content type.')
    return replace(
        message,
        sender_address=normalize_address('sender_address', message.sender_address),
        to=tuple(normalize_address('to', a) for a in message.to),
        cc=tuple(normalize_address('cc', a) for a in message.cc),
        bcc=tuple(normalize_address('bcc', a) for a in message.bcc),
        reply_to=normalize_address('reply_to', message.reply_to) if message.reply_to else None,
    )


def build_mime(message: OutgoingMessage) -> BuiltMessage:
    """The RFC 5322 message: text and HTML as alternatives, attachments after; Bcc only in the envelope."""
    message = validate_message(message).with_message_id()
    mime = EmailMessage(policy=MIME_POLICY)
    mime['From'] = Address(display_name=message.sender_name.strip(), addr_spec=message.sender_address)
    if message.to:
        mime['To'] = [Address(addr_spec=a) for a in message.to]
    if message.cc:
        mime['Cc'] = [Address(addr_spec=a) for a in message.cc]
    if message.reply_to:
        mime['Reply-To'] = Address(addr_spec=message.reply_to)
    mime['Subject'] = message.subject
    mime['Date'] = formatdate(localtime=True)
    mime['Message-ID'] = message.message_id
    text = message.text_body or html_to_text(message.html_body)
    mime.set_content(text, cte='quoted-printable')
    if message.html_body:
        mime.add_alternative(message.html_body, subtype='html', cte='quoted-printable')
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition('/')
        mime.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return BuiltMessage(
        mime=mime, envelope_from=message.sender_address, envelope_recipients=message.envelope_recipients
    )


def message_from_settings(
    settings: EmailSettings,
    *,
    business_name: str,
    to: Iterable[str],
    subject: str,
    text_body: str = '',
    html_body: str = '',
    cc: Iterable[str] = (),
    bcc: Iterable[str] = (),
    attachments: Iterable[Attachment] = (),
) -> OutgoingMessage:
    """From = sender address with the business name; Reply-To and the copy address as the settings say."""
    blind = unique_addresses([*bcc, *([settings.bcc_address] if settings.bcc_address else [])])
    return OutgoingMessage(
        sender_name=business_name,
        sender_address=settings.sender_address,
        to=tuple(unique_addresses(to)),
        cc=tuple(unique_addresses(cc)),
        bcc=tuple(blind),
        reply_to=settings.reply_to_address,
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        attachments=tuple(attachments),
    ).with_message_id()


def text_to_html(text: str) -> str:
    """For services that take only HTML: the text escaped, paragraphs and line breaks kept."""
    paragraphs = [p for p in re.split(r'\n\s*\n', text.strip()) if p]
    return ''.join(f'<p>{html.escape(p).replace(chr(10), "<br>")}</p>' for p in paragraphs)


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({'p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol'})
    _LINE_ENDS = frozenset({'p', 'div', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'ul', 'ol'})
    _HIDDEN = frozenset({'script', 'style', 'head', 'title'})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden_depth += 1
        elif tag in self._BLOCKS:
            self.parts.append('\n')
        if tag == 'li':
            self.parts.append('- ')

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self._LINE_ENDS:
            self.parts.append('\n')

    def handle_data(self, data: str) -> None:
        if not self.hidden_depth:
            self.parts.append(re.sub(r'\s+', ' ', data))


def html_to_text(markup: str) -> str:
    """A readable plain-text alternative for an HTML-only body (the HTTP protocol sends only HTML)."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = [line.strip() for line in ''.join(extractor.parts).splitlines()]
    return re.sub(r'\n{3,}', '\n\n', '\n'.join(lines)).strip() + '\n'


def human_size(size: int) -> str:
    """A message or attachment size as people read it: 21 KB, 4.2 MB."""
    return f'{size / 1_000_000:.1f} MB' if size >= 1_000_000 else f'{max(1, round(size / 1000))} KB'
