"""The email log's values: what the user approved (Draft), each email's history (EmailRecord) and where both live.

Kept apart from the outbox, which sends, so that the pages and the storage that only show or keep the log load
nothing of the machinery that builds and delivers messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from core.causes import Cause, Failure, Step, explain
from core.delivery import RecipientOutcome
from core.i18n.phrase import Phrase, loaded_text, stored_text

if TYPE_CHECKING:
    from core.message import Attachment


class EmailStatus(StrEnum):
    """SENT: every To and Cc recipient accepted (a blind copy never counts). PARTLY_SENT: some of them accepted,
    others refused. FAILED: none of them accepted. CANCELLED: taken out of the queue by the user before it went."""

    QUEUED = 'queued'
    SENDING = 'sending'
    SENT = 'sent'
    PARTLY_SENT = 'partly-sent'
    FAILED = 'failed'
    CANCELLED = 'cancelled'


@dataclass(frozen=True)
class Draft:
    """What the user approved in the compose dialog; the sender and copy address come from the settings at send time."""

    to: tuple[str, ...]
    subject: str
    text_body: str
    html_body: str
    business_name: str
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    document_id: str = ''
    document_label: str | Phrase = ''  # a Phrase, worded for each reader; a string in records from before


@dataclass(frozen=True)
class EmailRecord:
    """One line of the email log. Times are UTC; `failure` is what its last try ended with (the value the transports
    and the settings test give), `sent_reply` the server's own words on a send that went."""

    id: str
    created_at: datetime
    draft: Draft
    attachment_names: tuple[str, ...] = ()
    attachment_bytes: int = 0
    status: EmailStatus = EmailStatus.QUEUED
    tries: int = 0
    next_try_at: datetime | None = None
    updated_at: datetime | None = None
    sent_at: datetime | None = None
    message_id: str = ''
    failure: Failure | None = None
    sent_reply: str = ''
    recipients: tuple[str, ...] = field(default=())
    outcomes: tuple[RecipientOutcome, ...] = ()  # each recipient's latest outcome; empty in records from before
    batch_id: str = ''  # the batch it was queued with, if any

    @property
    def not_accepted(self) -> tuple[RecipientOutcome, ...]:
        """The recipients a Retry sends to: refused, or not yet taken."""
        return tuple(o for o in self.outcomes if not o.accepted)

    @property
    def accepted(self) -> tuple[str, ...]:
        """The To and Cc addresses the server took (the blind copies are not the document's recipients)."""
        return tuple(o.address for o in self.outcomes if o.accepted and not o.blind)

    @property
    def cause(self) -> str:
        """The stable cause code of the failure, or '' when there is none."""
        return self.failure.cause.value if self.failure else ''

    @property
    def step(self) -> str:
        return self.failure.step.value if self.failure else ''

    @property
    def transient(self) -> bool:
        return self.failure.transient if self.failure else False

    @property
    def reply(self) -> str:
        """The server's words: on the failure when there is one, else on the send that went."""
        return self.failure.reply if self.failure else self.sent_reply

    @property
    def said(self) -> str:
        """What Mailroom has to say about the failure beyond the server's words, in the current language."""
        return str(self.failure.said) if self.failure and self.failure.said else ''

    @property
    def explanation(self) -> str:
        """The plain-words what/why/fix for the failure, the same text the settings test shows."""
        return explain(self.failure.cause, step=self.failure.step).text() if self.failure else ''

    def to_dict(self) -> dict[str, Any]:
        draft = self.draft
        return {
            'id': self.id,
            'created_at': self.created_at.isoformat(),
            'to': list(draft.to),
            'cc': list(draft.cc),
            'bcc': list(draft.bcc),
            'subject': draft.subject,
            'text_body': draft.text_body,
            'html_body': draft.html_body,
            'business_name': draft.business_name,
            'document_id': draft.document_id,
            'document_label': stored_text(draft.document_label),
            'attachment_names': list(self.attachment_names),
            'attachment_bytes': self.attachment_bytes,
            'status': self.status.value,
            'tries': self.tries,
            'next_try_at': _iso(self.next_try_at),
            'updated_at': _iso(self.updated_at),
            'sent_at': _iso(self.sent_at),
            'message_id': self.message_id,
            'failure': self.failure.to_dict() if self.failure else None,
            'reply': '' if self.failure else self.sent_reply,  # a failure keeps its own
            'recipients': list(self.recipients),
            'outcomes': [o.to_dict() for o in self.outcomes],
            'batch_id': self.batch_id,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmailRecord:
        draft = Draft(
            to=tuple(data.get('to', ())),
            cc=tuple(data.get('cc', ())),
            bcc=tuple(data.get('bcc', ())),
            subject=data.get('subject', ''),
            text_body=data.get('text_body', ''),
            html_body=data.get('html_body', ''),
            business_name=data.get('business_name', ''),
            document_id=data.get('document_id', ''),
            document_label=loaded_text(data.get('document_label')),
        )
        return cls(
            id=data['id'],
            created_at=datetime.fromisoformat(data['created_at']),
            draft=draft,
            attachment_names=tuple(data.get('attachment_names', ())),
            attachment_bytes=int(data.get('attachment_bytes', 0)),
            status=EmailStatus(data.get('status', EmailStatus.QUEUED.value)),
            tries=int(data.get('tries', 0)),
            next_try_at=_from_iso(data.get('next_try_at')),
            updated_at=_from_iso(data.get('updated_at')),
            sent_at=_from_iso(data.get('sent_at')),
            message_id=data.get('message_id', ''),
            failure=_failure(data),
            sent_reply='' if _failure(data) else data.get('reply', ''),
            recipients=tuple(data.get('recipients', ())),
            outcomes=tuple(RecipientOutcome.from_dict(o) for o in data.get('outcomes', ()) if isinstance(o, dict)),
            batch_id=data.get('batch_id', ''),
        )


def _failure(data: dict[str, Any]) -> Failure | None:
    """The record's failure from its `failure` dict, or from the separate fields older versions wrote."""
    if isinstance(failure := data.get('failure'), dict):
        return Failure.from_dict(failure)
    if not (cause := data.get('cause')):
        return None
    step = Step(data['step']) if data.get('step') else Step.INPUT
    reply, transient = str(data.get('reply', '')), bool(data.get('transient', False))
    return Failure(step, Cause(cause), reply, transient, cause == Cause.OUTCOME_UNKNOWN)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _from_iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class EmailLogStore(Protocol):
    """Where the log and the queued attachments live; storage/email_log_repo.py implements it on the data folder."""

    def add(self, record: EmailRecord, attachments: Sequence[Attachment]) -> None: ...

    def add_many(self, entries: Sequence[tuple[EmailRecord, Sequence[Attachment]]]) -> None: ...

    def update(self, record: EmailRecord) -> None: ...

    def get(self, record_id: str) -> EmailRecord | None: ...

    def all(self) -> list[EmailRecord]: ...

    def attachments(self, record_id: str) -> tuple[Attachment, ...]: ...

    def discard_attachments(self, record_id: str) -> None: ...


class MemoryEmailLog:
    """An EmailLogStore in memory, for tests and benchmarks."""

    def __init__(self) -> None:
        self._records: dict[str, EmailRecord] = {}
        self._attachments: dict[str, tuple[Attachment, ...]] = {}

    def add(self, record: EmailRecord, attachments: Sequence[Attachment]) -> None:
        self._records[record.id] = record
        self._attachments[record.id] = tuple(attachments)

    def add_many(self, entries: Sequence[tuple[EmailRecord, Sequence[Attachment]]]) -> None:
        for record, attachments in entries:
            self.add(record, attachments)

    def update(self, record: EmailRecord) -> None:
        self._records[record.id] = record

    def get(self, record_id: str) -> EmailRecord | None:
        return self._records.get(record_id)

    def all(self) -> list[EmailRecord]:
        return sorted(self._records.values(), key=lambda r: r.created_at, reverse=True)

    def attachments(self, record_id: str) -> tuple[Attachment, ...]:
        return self._attachments.get(record_id, ())

    def discard_attachments(self, record_id: str) -> None:
        self._attachments.pop(record_id, None)


def filter_records(
    records: Iterable[EmailRecord],
    *,
    status: EmailStatus | None = None,
    text: str = '',
    document_id: str = '',
) -> list[EmailRecord]:
    """The Emails page's filters: by status, by document, and by words in the recipients, subject or document."""
    needle = text.strip().lower()
    result = []
    for record in records:
        if status is not None and record.status is not status:
            continue
        if document_id and record.draft.document_id != document_id:
            continue
        label = str(record.draft.document_label)  # as the reader sees it
        haystack = ' '.join([*record.draft.to, *record.draft.cc, record.draft.subject, label])
        if needle and needle not in haystack.lower():
            continue
        result.append(record)
    return result
