"""The outgoing message as a value, and its MIME form: the one place that decides what goes into headers."""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from email.errors import HeaderParseError
from email.header import decode_header
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import formatdate, make_msgid
from html.parser import HTMLParser
from typing import Any, NamedTuple
from urllib.parse import quote

from core import addresses
from core.i18n import N_
from core.i18n.phrase import Phrase, PhraseError, phrase
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


class _GuardedPolicy(EmailPolicy):
    """policy.SMTP, plus a last check on every header it writes, in every part.

    A header must come out as `Name: value` with each further line starting with a space or tab, and end with one
    CRLF: then nothing in a value can start a header (or the body) of its own, whatever the checks before missed and
    whichever Python runs this (3.11.7 writes a decoded line break out as it is, CVE-2024-6923).
    """

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = super().fold_binary(name, value)
        check_folded_header(name, folded)
        return folded


MIME_POLICY = _GuardedPolicy(linesep='\r\n', header_factory=_HeaderRegistry())
if hasattr(MIME_POLICY, 'verify_generated_headers'):  # Python 3.11.10+/3.12.5+: the runtime's own check, kept on
    MIME_POLICY = MIME_POLICY.clone(verify_generated_headers=True)
SMTPUTF8_POLICY = MIME_POLICY.clone(utf8=True)  # headers in UTF-8, for a server that offers SMTPUTF8
# Every C0 and C1 control but TAB (ordinary header whitespace), DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r'[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]')
_CONTROL_BYTES = re.compile(rb'[\x00-\x08\x0a-\x1f\x7f]')
_ENCODED_WORD = re.compile(r'=\?[^?]*\?[bq]\?.*?\?=', re.IGNORECASE | re.DOTALL)
_DECODING_ROUNDS = 4
_HEADER_NAME = re.compile(r'[!-9;-~]+')
_HEADER_LINE = re.compile(rb'([!-9;-~]+):')
_CHARACTER_NAMES = {
    '\r': N_('a line break (CR)'),
    '\n': N_('a line break (LF)'),
    '\x00': N_('a NUL character'),
    '\x85': N_('a line break (NEL, U+0085)'),
    '\u2028': N_('a line break (LINE SEPARATOR, U+2028)'),
    '\u2029': N_('a paragraph break (PARAGRAPH SEPARATOR, U+2029)'),
}
# Fields named in the words the pages use (the compose dialog, the settings, the business page, the relay's form).
_FIELD_LABELS = {
    'subject': N_('The subject'),
    'sender_name': N_('The business name'),
    'from': N_('The sender name (from)'),
    'sender_address': N_('The sender address (Email settings)'),
    'reply_to': N_('The reply-to email'),
    'to': N_('The To address'),
    'cc': N_('The Cc address'),
    'bcc': N_('The Bcc address'),
    'address': N_('The address'),
    'attachments': N_("The attachment's file name"),
    'attachment': N_("The attachment's file name"),
    'message_id': N_('The Message-ID'),
}
# The header each field ends up in, for the last check to name the field.
_HEADER_FIELDS = {
    'from': 'sender_name',
    'to': 'to',
    'cc': 'cc',
    'reply-to': 'reply_to',
    'subject': 'subject',
    'message-id': 'message_id',
    'content-disposition': 'attachments',
    'content-type': 'attachments',
}
# Letters that have no ASCII form by decomposition, for an attachment's ASCII file name.
_ASCII_LETTERS = str.maketrans(
    {
        'Þ': 'Th',
        'þ': 'th',
        'Ð': 'D',
        'ð': 'd',
        'Æ': 'Ae',
        'æ': 'ae',
        'Ø': 'O',
        'ø': 'o',
        'ß': 'ss',
        'Œ': 'Oe',
        'œ': 'oe',
        'Ł': 'L',
        'ł': 'l',
        '–': '-',
        '—': '-',
        '‘': "'",
        '’': "'",
        '“': "'",
        '”': "'",
        '"': "'",
        '\\': '_',
    }
)
_RFC2231_SAFE = '!#$&+-.^_`|~'
_MAX_HEADER_LINE = 78
_CONTENT_TYPE = re.compile(r'^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$', re.IGNORECASE)


class MessageError(PhraseError):
    """A message that must not be sent as it stands; `field` names the culprit so forms and the relay can say so.
    The problem names the field in the words the pages use, and is all a person reads."""

    def __init__(self, field: str, said: Phrase) -> None:
        super().__init__(said)
        self.field = field


class Attachment(NamedTuple):
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingMessage:
    """Everything a transport needs. Recipients and Reply-To may carry a display name (`"Doe, John" <j@x.example>`);
    the sender's address is plain and its display name separate."""

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
        """The plain addresses of To, Cc and Bcc without duplicates: Bcc lives only here, never in a header."""
        everyone = unique_addresses(addresses.envelope_of(a) for a in (*self.to, *self.cc, *self.bcc))
        if not self.deliver_to:
            return everyone
        wanted = {addresses.envelope_of(a).lower() for a in self.deliver_to}
        return [a for a in everyone if a.lower() in wanted]

    def with_message_id(self) -> OutgoingMessage:
        """Fix the Message-ID before sending so that a retry or a log entry refers to the same message."""
        if self.message_id:
            return self
        return replace(self, message_id=new_message_id(self.sender_address))


@dataclass(frozen=True)
class BuiltMessage:
    """The MIME message plus the envelope: what an SMTP transaction needs."""

    mime: EmailMessage
    data: bytes
    envelope_from: str
    envelope_recipients: list[str] = field(default_factory=list)
    smtputf8: bool = False
    """An address has letters beyond ASCII before the @: only a server that offers SMTPUTF8 can take it."""

    @property
    def message_id(self) -> str:
        return str(self.mime['Message-ID'])

    def as_bytes(self) -> bytes:
        """The wire form: generated once, and checked header by header, when the message was built."""
        return self.data


def unique_addresses(mailboxes: Iterable[str]) -> list[str]:
    """The first of each address, compared without display name and case."""
    seen: set[str] = set()
    result: list[str] = []
    for address in mailboxes:
        key = addresses.envelope_of(address).lower()
        if key and key not in seen:
            seen.add(key)
            result.append(address.strip())
    return result


def check_header_text(field_name: str, value: str, *, label: Phrase | None = None) -> str:
    """The text a header will carry, with encoded words (`=?utf-8?q?…?=`) decoded as a mail program would read them.

    Refuses control characters, typed or hidden in encoded words: a line break is how header injection works, no
    legitimate value needs one, and Python's email package decodes encoded words in the values it is given.
    """
    label = label or _field_label(field_name)
    text, hidden = value, False
    for _round in range(_DECODING_ROUNDS):  # an encoded word may hold another one: read them all
        if found := _CONTROL.search(text):
            raise MessageError(field_name, _control_problem(label, found.group(), hidden=hidden))
        decoded = _decode_encoded_words(text)
        if decoded is None:
            raise MessageError(
                field_name,
                phrase(
                    '{label} contains encoded text (=?…?=) that cannot be read. Type the text itself instead.',
                    label=label,
                ),
            )
        if decoded == text:
            return text
        text, hidden = decoded, True
    raise MessageError(
        field_name, phrase('{label} contains encoded text (=?…?=) nested too deep. Type the text instead.', label=label)
    )


def _field_label(field_name: str) -> Phrase:
    label = _FIELD_LABELS.get(field_name)
    return Phrase(label) if label else phrase('The {name} field', name=field_name)


def _control_problem(label: Phrase, character: str, *, hidden: bool) -> Phrase:
    known = _CHARACTER_NAMES.get(character)
    code = f'U+{ord(character):04X}'
    name = Phrase(known) if known else phrase('an invisible control character ({code})', code=code)
    if hidden:
        return phrase(
            '{label} contains {name} hidden in encoded text (=?…?=). An email header is a single line of text, '
            'so remove it and try again.',
            label=label,
            name=name,
        )
    return phrase(
        '{label} contains {name}. An email header is a single line of text, so remove it and try again.',
        label=label,
        name=name,
    )


def _decode_encoded_words(text: str) -> str | None:
    """RFC 2047 encoded words replaced by their text (spaces between two of them dropped); None if one is unreadable."""
    parts: list[str] = []
    end = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[end : match.start()]
        if not (end and between.isspace()):
            parts.append(between)
        try:
            pieces = decode_header(match.group())
            parts.extend(
                piece.decode(charset.partition('*')[0] if charset else 'raw-unicode-escape')
                if isinstance(piece, bytes)
                else piece
                for piece, charset in pieces
            )
        except (HeaderParseError, LookupError, UnicodeError, ValueError):
            return None
        end = match.end()
    return ''.join(parts) + text[end:] if end else text


def check_folded_header(name: str, folded: bytes) -> None:
    """One header as written: `Name:` on the first line, each other line indented and not blank, one CRLF at the end."""
    lines = folded.split(b'\r\n')
    sound = (
        _HEADER_NAME.fullmatch(name) is not None
        and lines[0].startswith(name.encode('ascii') + b':')
        and len(lines) > 1
        and lines[-1] == b''
        and all(line[:1] in (b' ', b'\t') and line.strip() for line in lines[1:-1])
        and not any(_CONTROL_BYTES.search(line) for line in lines)
    )
    if not sound:
        field_name = _HEADER_FIELDS.get(name.lower(), name.lower())
        raise MessageError(
            field_name,
            phrase(
                '{label} would have broken the email header into lines of its own, so the message was not built. '
                'Remove any line breaks or special characters and try again.',
                label=_field_label(field_name),
            ),
        )


def check_header_block(names: Iterable[str], data: bytes) -> None:
    """The generated header block holds exactly the headers the builder set, each line a header or a continuation."""
    head, blank, _body = data.partition(b'\r\n\r\n')
    starts: list[str] = []
    for line in head.split(b'\r\n'):
        if line[:1] in (b' ', b'\t') and starts:
            continue
        header = _HEADER_LINE.match(line)
        starts.append(header.group(1).decode('ascii').lower() if header else '')
    if not blank or starts != [name.lower() for name in names]:
        raise MessageError(
            'message',
            phrase('The email could not be built safely: its headers did not come out as set. Nothing was sent.'),
        )


def normalize_address(field_name: str, address: str) -> str:
    """One address checked by the one rule, as it goes into a header: display name kept, domain in ASCII."""
    check_header_text(field_name, address)
    if not address.strip():
        raise MessageError(
            field_name, phrase('{label} is empty: enter an email address.', label=_field_label(field_name))
        )
    try:
        return addresses.parse(address).header
    except addresses.AddressError as error:
        raise MessageError(
            field_name, phrase('{label} {problem}', label=_field_label(field_name), problem=error.said)
        ) from None


def new_message_id(sender_address: str) -> str:
    """A Message-ID on the sender's domain, in ASCII even when the domain is international."""
    domain = sender_address.rpartition('@')[2].strip()
    try:
        domain = domain.encode('idna').decode('ascii')
    except UnicodeError:
        domain = ''
    return make_msgid(domain=domain if domain and not _CONTROL.search(domain) else 'mailroom.invalid')


def validate_message(message: OutgoingMessage) -> OutgoingMessage:
    """Every header field checked and every address normalised; raises MessageError naming the field."""
    if not message.to and not message.cc and not message.bcc:
        raise MessageError('to', phrase('Enter at least one recipient (To, Cc or Bcc).'))
    attachments = []
    for attachment in message.attachments:
        filename = check_header_text('attachments', attachment.filename)
        if not filename.strip():
            raise MessageError('attachments', phrase('An attachment has no file name.'))
        if not _CONTENT_TYPE.match(attachment.content_type):
            raise MessageError(
                'attachments',
                phrase('"{content_type}" is not a valid content type.', content_type=attachment.content_type),
            )
        attachments.append(attachment._replace(filename=filename))
    return replace(
        message,
        sender_name=check_header_text('sender_name', message.sender_name),
        subject=check_header_text('subject', message.subject),
        message_id=check_header_text('message_id', message.message_id),
        attachments=tuple(attachments),
        sender_address=addresses.envelope_of(normalize_address('sender_address', message.sender_address)),
        to=tuple(normalize_address('to', a) for a in message.to),
        cc=tuple(normalize_address('cc', a) for a in message.cc),
        bcc=tuple(normalize_address('bcc', a) for a in message.bcc),
        reply_to=normalize_address('reply_to', message.reply_to) if message.reply_to else None,
    )


def build_mime(message: OutgoingMessage) -> BuiltMessage:
    """The RFC 5322 message: text and HTML as alternatives, attachments after; Bcc only in the envelope."""
    message = validate_message(message).with_message_id()
    recipients = message.envelope_recipients
    reply_to = addresses.envelope_of(message.reply_to or '')
    smtputf8 = not all(a.isascii() for a in (message.sender_address, reply_to, *recipients))
    mime_policy = SMTPUTF8_POLICY if smtputf8 else MIME_POLICY
    mime = EmailMessage(policy=mime_policy)
    # Checked mailboxes, quoted where needed; the header checks below still see every line.
    mime['From'] = addresses.mailbox(message.sender_name.strip(), message.sender_address)
    if message.to:
        mime['To'] = ', '.join(message.to)
    if message.cc:
        mime['Cc'] = ', '.join(message.cc)
    if message.reply_to:
        mime['Reply-To'] = message.reply_to
    mime['Subject'] = message.subject
    mime['Date'] = formatdate(localtime=True)
    mime['Message-ID'] = message.message_id
    # With HTML, the text part is made from it: both say the same, and the text has no markup (text_body may be
    # the Markdown the HTML was made from).
    text = html_to_text(message.html_body) if message.html_body else message.text_body
    mime.set_content(text, cte='quoted-printable')
    if message.html_body:
        mime.add_alternative(message.html_body, subtype='html', cte='quoted-printable')
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition('/')
        mime.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
        if not attachment.filename.isascii():
            *_, part = mime.iter_parts()
            del part['Content-Disposition']
            part.set_raw('Content-Disposition', content_disposition(attachment.filename))
    data = mime.as_bytes(policy=mime_policy)
    check_header_block(mime.keys(), data)
    return BuiltMessage(
        mime=mime, data=data, envelope_from=message.sender_address, envelope_recipients=recipients, smtputf8=smtputf8
    )


def content_disposition(filename: str) -> str:
    """`attachment` with the name in RFC 2231 form and an ASCII `filename=` for mail programs that cannot read it.

    Folded here, lines within 78 characters, because the email package would fold away the second `filename`.
    The RFC 2231 form comes first: programs that know it use it, and Python reads the first of the two.
    """
    encoded = "utf-8''" + quote(filename, safe=_RFC2231_SAFE)
    room = _MAX_HEADER_LINE - len(' filename*00*=;')
    chunks: list[str] = []
    while encoded:
        cut = min(room, len(encoded))
        if '%' in encoded[max(0, cut - 2) : cut]:  # never split a %XX escape
            cut = encoded.rindex('%', 0, cut)
        chunks.append(encoded[:cut])
        encoded = encoded[cut:]
    if len(chunks) == 1:
        names = [f' filename*={chunks[0]};']
    else:
        names = [f' filename*{number}*={chunk};' for number, chunk in enumerate(chunks)]
    fallback = ascii_filename(filename, _MAX_HEADER_LINE - len(' filename=""'))
    return '\r\n'.join(['attachment;', *names, f' filename="{fallback}"'])


def ascii_filename(filename: str, limit: int) -> str:
    """The file name in ASCII letters (Þórður.pdf -> Thordur.pdf), shortened before its extension to fit `limit`."""
    decomposed = unicodedata.normalize('NFKD', filename.translate(_ASCII_LETTERS))
    text = ''.join(c for c in decomposed if not unicodedata.combining(c))
    text = ''.join(c if ' ' <= c <= '~' else '_' for c in text)
    stem, dot, extension = text.rpartition('.')
    if not dot or len(extension) > 8:
        stem, dot, extension = text, '', ''
    return stem[: max(1, limit - len(dot + extension))].rstrip() + dot + extension


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
    """HTML as the plain text people read: paragraphs and line breaks, bullets and numbers, links as `text (url)`."""

    _PARAGRAPHS = frozenset({'p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'blockquote', 'pre', 'hr'})
    _LINES = frozenset({'div', 'tr', 'br', 'li'})
    _HIDDEN = frozenset({'script', 'style', 'head', 'title'})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current = ''  # the line being written, whitespace collapsed
        self.paragraph = False  # a blank line before the next text
        self.hidden_depth = self.pre_depth = self.quote_depth = 0
        self.lists: list[list[int]] = []  # per open list: [next number, or 0 for bullets]
        self.marker = ''  # the bullet or number waiting for the first line of a list item
        self.links: list[tuple[str, int]] = []  # per open link: its address and where its text starts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in self._HIDDEN:
            self.hidden_depth += 1
        elif tag in ('ul', 'ol'):
            self.end_line(paragraph=not self.lists)
            start = values.get('start') or '1'
            self.lists.append([int(start) if start.isdigit() else 1] if tag == 'ol' else [0])
        elif tag == 'li' and self.lists:
            self.end_line()
            counter = self.lists[-1]
            self.marker = f'{counter[0]}. ' if counter[0] else '- '
            counter[0] += 1 if counter[0] else 0
        elif tag in self._PARAGRAPHS or tag in self._LINES:
            self.end_line(paragraph=tag in self._PARAGRAPHS, blank=tag == 'br')
        elif tag in ('td', 'th') and self.current:
            self.current += '  '
        elif tag == 'a':
            self.links.append((values.get('href') or '', len(self.current)))
        elif tag == 'img':
            self.handle_data(values.get('alt') or '')
        self.pre_depth += tag == 'pre'
        self.quote_depth += tag == 'blockquote'

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in ('ul', 'ol') and self.lists:
            self.lists.pop()
            self.end_line(paragraph=not self.lists)
        elif tag == 'a' and self.links:
            href, start = self.links.pop()
            address = href.removeprefix('mailto:')
            if address and not href.startswith('#') and address != self.current[start:].strip():
                self.current = f'{self.current.rstrip()} ({address})'
        elif tag in self._PARAGRAPHS or tag in self._LINES:
            self.end_line(paragraph=tag in self._PARAGRAPHS)
        self.pre_depth = max(0, self.pre_depth - (tag == 'pre'))
        self.quote_depth = max(0, self.quote_depth - (tag == 'blockquote'))

    def handle_data(self, data: str) -> None:
        if self.hidden_depth:
            return
        if self.pre_depth:  # preformatted: every line as it is
            *whole, self.current = (self.current + data).split('\n')
            for line in whole:
                self.write(line, keep_empty=True)
            return
        text = re.sub(r'\s+', ' ', data)
        self.current += text.lstrip() if not self.current or self.current.endswith(' ') else text

    def end_line(self, *, paragraph: bool = False, blank: bool = False) -> None:
        if self.current.strip() or blank:
            self.write(self.current, keep_empty=blank)
        self.current = ''
        self.paragraph = self.paragraph or paragraph

    def write(self, text: str, *, keep_empty: bool = False) -> None:
        """One finished line, indented for the lists and quotes it is in; the first of a list item gets its marker."""
        text = text.rstrip() if self.pre_depth else text.strip()
        if not text and not (keep_empty and self.lines):
            return
        if self.paragraph and self.lines and self.lines[-1]:
            self.lines.append('')
        self.paragraph = False
        indent = '  ' * (self.quote_depth + max(0, len(self.lists) - 1))
        if self.marker:
            indent, self.marker = indent + self.marker, ''
        elif self.lists:
            indent += '   '
        self.lines.append(indent + text if text else '')


def html_to_text(markup: str) -> str:
    """The plain-text part of an email from its HTML: what a reader sees, without markup or Markdown marks."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    extractor.end_line()
    return '\n'.join(extractor.lines).strip('\n') + '\n'


def human_size(size: int) -> str:
    """A message or attachment size as people read it: 21 KB, 4.2 MB."""
    return f'{size / 1_000_000:.1f} MB' if size >= 1_000_000 else f'{max(1, round(size / 1000))} KB'
