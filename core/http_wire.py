"""Manager's HTTP email format, both ways: the fields Mailroom posts and the parsing the relay does.

`POST /` as multipart/form-data (the relay also takes urlencoded when there are no files) with the fields `from`
(display name), `reply_to`, `to` (addresses separated by `,` or `;`), `subject`, `body` (HTML) and one file part per
attachment; Mailroom adds the optional `cc` and `bcc`. A Mailroom relay answers 200 with a JSON `RelayReply` that
confirms whether it delivered the blind copy; any other service's success answer counts as "bcc not confirmed".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core import addresses
from core.i18n.phrase import literal
from core.message import (
    Attachment,
    MessageError,
    OutgoingMessage,
    check_header_text,
    normalize_address,
    text_to_html,
    unique_addresses,
)

FROM = 'from'
REPLY_TO = 'reply_to'
TO = 'to'
SUBJECT = 'subject'
BODY = 'body'
CC = 'cc'
BCC = 'bcc'
REQUIRED_FIELDS = (FROM, REPLY_TO, TO, SUBJECT, BODY)
FILE_FIELD = 'attachment'
RELAY_REPLY_TYPE = 'application/json'

FileParts = list[tuple[str, tuple[str, bytes, str]]]


@dataclass(frozen=True)
class WireMessage:
    """A request in Manager's format after parsing and validation: every address checked, no header injection."""

    from_name: str
    reply_to: str
    to: tuple[str, ...]
    subject: str
    body: str
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()

    @property
    def recipient_count(self) -> int:
        return len(unique_addresses([*self.to, *self.cc, *self.bcc]))

    @property
    def size(self) -> int:
        """Bytes of content: the body and the attachments, the part a size limit is about."""
        return len(self.body.encode()) + sum(len(a.data) for a in self.attachments)


@dataclass(frozen=True)
class RelayReply:
    """What a Mailroom relay answers on success; `bcc_delivered` is the confirmation HttpTransport relies on."""

    message_id: str
    accepted: tuple[str, ...]
    bcc_delivered: bool
    upstream_reply: str = ''

    def to_json(self) -> str:
        return json.dumps(
            {
                'status': 'sent',
                'message_id': self.message_id,
                'accepted': list(self.accepted),
                'bcc_delivered': self.bcc_delivered,
                'upstream_reply': self.upstream_reply,
            }
        )


def wire_fields(message: OutgoingMessage, *, include_bcc: bool = True) -> dict[str, str]:
    """The form fields for one message; the body is HTML (plain text is escaped into paragraphs)."""
    fields = {
        FROM: message.sender_name or message.sender_address,
        REPLY_TO: message.reply_to or message.sender_address,
        TO: ', '.join(message.to),
        SUBJECT: message.subject,
        BODY: message.html_body or text_to_html(message.text_body),
    }
    if message.cc:
        fields[CC] = ', '.join(message.cc)
    if include_bcc and message.bcc:
        fields[BCC] = ', '.join(message.bcc)
    return fields


def wire_files(message: OutgoingMessage) -> FileParts:
    """One file part per attachment, in the shape httpx's `files=` takes."""
    return [(FILE_FIELD, (a.filename, a.data, a.content_type)) for a in message.attachments]


def parse_relay_reply(content_type: str, text: str) -> RelayReply | None:
    """A Mailroom relay's confirmation, or None when the answer came from another kind of service."""
    if content_type.split(';')[0].strip().lower() != RELAY_REPLY_TYPE:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get('status') != 'sent':
        return None
    accepted = data.get('accepted')
    return RelayReply(
        message_id=str(data.get('message_id', '')),
        accepted=tuple(str(a) for a in accepted) if isinstance(accepted, list) else (),
        bcc_delivered=data.get('bcc_delivered') is True,
        upstream_reply=str(data.get('upstream_reply', '')),
    )


def error_summary(status: int, reason: str, body: str, *, limit: int = 300) -> str:
    """How an HTTP failure is shown: `<status> <reason>: <body>`, the body cut to one short line."""
    text = ' '.join(body.split())
    if len(text) > limit:
        text = f'{text[: limit - 1]}…'
    head = f'{status} {reason}'.strip()
    return f'{head}: {text}' if text else head


def parse_wire(fields: Mapping[str, Sequence[str]], files: Sequence[Attachment]) -> WireMessage:
    """Validate a posted form; raises MessageError naming the wire field (missing ones all named at once)."""
    values = {name: ', '.join(v for v in fields.get(name, ()) if v is not None) for name in fields}
    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    missing += [name for name in (FROM, REPLY_TO, TO) if name in fields and not values[name].strip()]
    if missing:
        raise MessageError(', '.join(missing), literal('required field is missing or empty.'))
    # Encoded words decoded before anything else looks at a value, so `=?…?=` hides neither a line break nor an address.
    text = {name: check_header_text(name, values.get(name, '')) for name in (FROM, REPLY_TO, TO, SUBJECT, CC, BCC)}
    attachments = []
    for attachment in files:
        filename = check_header_text(FILE_FIELD, attachment.filename)
        check_header_text(FILE_FIELD, attachment.content_type, label=literal("The attachment's content type"))
        attachments.append(attachment._replace(filename=filename))
    return WireMessage(
        from_name=text[FROM].strip(),
        reply_to=normalize_address(REPLY_TO, values[REPLY_TO]),
        to=_addresses(TO, values[TO]),
        cc=_addresses(CC, values.get(CC, '')),
        bcc=_addresses(BCC, values.get(BCC, '')),
        subject=text[SUBJECT].strip(),
        body=values[BODY],
        attachments=tuple(attachments),
    )


def _addresses(field_name: str, text: str) -> tuple[str, ...]:
    """A `,`/`;` list by the one address rule: quoted display names with commas stay whole."""
    return tuple(unique_addresses(normalize_address(field_name, a) for a in addresses.split_list(text)))
