"""Extra files an email carries beside the document's PDF: added to one message, or to every email of a type.

One rule for both places: a name that fits in a header, a size below the cap, no two files of the same name.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence

from core.i18n import ngettext
from core.i18n.phrase import phrase
from core.message import Attachment, MessageError, check_header_text, human_size

# Most providers refuse messages over 20 to 35 MB, and attachments grow by a third on the way: one file stays below.
MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024
_TYPES = {'.xml': 'application/xml', '.pdf': 'application/pdf'}  # the same on every system, whatever its tables say


def content_type_for(filename: str) -> str:
    """The MIME type mail programs expect for the file's extension; unknown ones travel as plain bytes."""
    suffix = filename[filename.rfind('.') :].lower() if '.' in filename else ''
    return _TYPES.get(suffix) or mimetypes.guess_type(filename)[0] or 'application/octet-stream'


def added_file(filename: str, data: bytes, present: Sequence[Attachment] = ()) -> Attachment:
    """A file a person added, checked before it is listed; MessageError says what is wrong and what to do."""
    name = filename.strip()
    if not name:
        raise MessageError('attachment', phrase('The file has no name: rename it on your computer, then add it again.'))
    check_header_text('attachment', name)
    if not data:
        raise MessageError(
            'attachment', phrase('{name} is empty (0 bytes): choose the file that has the content.', name=name)
        )
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise MessageError(
            'attachment',
            phrase(
                '{name} is {size}, more than the {limit} one file may have: mail servers refuse emails that large. '
                'Send a smaller file, or a link to it in the message.',
                name=name,
                size=human_size(len(data)),
                limit=human_size(MAX_ATTACHMENT_BYTES),
            ),
        )
    if name.casefold() in {a.filename.casefold() for a in present}:
        raise MessageError(
            'attachment',
            phrase('A file called {name} is already attached: remove it first to replace it.', name=name),
        )
    return Attachment(name, content_type_for(name), data)


def total_bytes(attachments: Sequence[Attachment]) -> int:
    return sum(len(a.data) for a in attachments)


def size_summary(attachments: Sequence[Attachment]) -> str:
    """What the dialog says under the list: how many files and how large, as the server's size limit counts them."""
    count = len(attachments)
    size = total_bytes(attachments)
    sent = size * 4 // 3  # base64: what the server's SIZE limit is measured against
    return ngettext(
        '{count} attachment, {size} in all (about {sent} once encoded for sending).',
        '{count} attachments, {size} in all (about {sent} once encoded for sending).',
        count,
    ).format(count=count, size=human_size(size), sent=human_size(sent))
