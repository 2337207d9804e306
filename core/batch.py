"""Emailing many documents at once: preparing each message, the preflight, and the batch as a stored thing.

Every document becomes its own email in the outbox, built by the same draft builder as the Email button, and keeps
its own status. The batch only groups them: it is stored (so pause and cancel survive a restart) and its progress is
counted from the email log, so the page always shows what really happened.
"""

from __future__ import annotations

import math
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from core import addresses
from core.documents.model import BusinessProfile, Contact, Document
from core.documents.statement import Statement
from core.email_log import Draft, EmailRecord, EmailStatus
from core.i18n import _
from core.i18n.phrase import Phrase, loaded_text, phrase, stored_text
from core.message import Attachment, human_size
from core.outbox import Outbox, document_attachments, document_draft, document_key, document_label
from core.settings import EmailSettings, SecretUnavailable
from core.templates import EmailTemplate, TemplateError

DEFAULT_SIZE_LIMIT = 10_000_000  # what nearly every provider takes (Gmail 25 MB, Microsoft 365 35 MB, hosting 10 MB)
PREVIEW_COUNT = 3
QUEUE_CHUNK = 100  # emails recorded per write: few writes, and the dialog can still show progress


class BatchState(StrEnum):
    RUNNING = 'running'
    PAUSED = 'paused'
    CANCELLED = 'cancelled'


@dataclass(frozen=True)
class Prepared:
    """One document's email, ready to queue, or the problems that keep it from going (phrases: a batch keeps the
    ones left out, for whoever opens it later)."""

    key: str
    label: str | Phrase
    draft: Draft | None
    attachments: tuple[Attachment, ...]  # the PDF first, then the files of its type; empty when not made
    problems: tuple[Phrase, ...] = ()

    def left_out(self) -> tuple[Phrase, ...]:
        """What a batch records about it when it is not sent: the document and each of its problems."""
        return tuple(phrase('{document}: {problem}', document=self.label, problem=p) for p in self.problems)

    @property
    def ready(self) -> bool:
        return not self.problems and self.draft is not None and bool(self.attachments)

    @property
    def recipients(self) -> int:
        return _recipients(self.draft) if self.draft else 0


def _recipients(draft: Draft) -> int:
    return len(draft.to) + len(draft.cc) + len(draft.bcc)


def prepare(
    document: Document | Statement,
    business: BusinessProfile,
    contact: Contact | None,
    template: EmailTemplate,
    extras: Sequence[Attachment] = (),
    *,
    render: bool = True,
) -> Prepared:
    """The email the Email button would propose for this document, and its PDF with `extras` (its type's files); a
    document without a valid address gets its problem instead (and no PDF is made for it)."""
    label = document_label(document)
    recipient = document.customer if isinstance(document, Statement) else contact
    if recipient is None:
        return Prepared(
            document_key(document), label, None, (), (phrase('Its contact was deleted: nobody to send to.'),)
        )
    try:
        draft = document_draft(document, business, contact, template)
    except TemplateError as error:
        problem = phrase('The email template has a problem: {error}', error=str(error))
        return Prepared(document_key(document), label, None, (), (problem,))
    problems = address_problems(draft, recipient.name)
    if problems or not render:
        return Prepared(draft.document_id, label, draft, (), problems)
    return Prepared(draft.document_id, label, draft, document_attachments(document, business, contact, extras))


def address_problems(draft: Draft, name: str) -> tuple[Phrase, ...]:
    if not draft.to:
        return (
            phrase('{name} has no email address: add one on the Contacts page, or leave this document out.', name=name),
        )
    wrong = [f'{a} ({why})' for a in (*draft.to, *draft.cc) if (why := addresses.problem(a))]
    if wrong:
        problem = phrase(
            'The email address of {name} is not valid: {problems}. Correct it on the Contacts page.',
            name=name,
            problems='; '.join(wrong),
        )
        return (problem,)
    return ()


def message_size(item: Prepared) -> int:
    """About what the email weighs on the wire: its files in base64 (4 bytes for 3, line breaks) plus text and HTML."""
    files = sum(len(a.data) for a in item.attachments)
    body = len(item.draft.text_body.encode()) + len(item.draft.html_body.encode()) if item.draft else 0
    return math.ceil(files / 3) * 4 * 78 // 76 + body + 4_000


_SIZE_KEYWORD = re.compile(r'^250[ -]SIZE(?:[ =](\d+))?\s*$', re.IGNORECASE | re.MULTILINE)


def announced_size(ehlo_reply: str) -> int | None:
    """The SIZE a server's EHLO reply announces (RFC 1870); None when it announces none, or 0 (no fixed limit)."""
    match = _SIZE_KEYWORD.search(ehlo_reply)
    return int(match.group(1)) or None if match and match.group(1) else None


def size_problems(items: Sequence[Prepared], size_limit: int | None) -> tuple[list[Prepared], str]:
    """Each message over the server's size limit gets its problem; the note says which limit was used."""
    limit = size_limit or DEFAULT_SIZE_LIMIT
    note = (
        ''
        if size_limit
        else _(
            'The server has not told its size limit yet, so {limit} is assumed (run Test email settings to learn the '
            'real one).'
        ).format(limit=human_size(limit))
    )
    checked = []
    for item in items:
        size = message_size(item)
        if item.ready and size > limit:
            problem = phrase(
                'The email would be about {size}, more than the {limit} the server takes: send this one on its own '
                'with a smaller PDF, or through another server.',
                size=human_size(size),
                limit=human_size(limit),
            )
            item = replace(item, problems=(*item.problems, problem))
        checked.append(item)
    return checked, note


def settings_problem(is_saved: bool, load: Callable[[], EmailSettings | None]) -> str | None:
    """A problem that stops the whole batch: no saved settings, or a saved password/token that cannot be used."""
    if not is_saved:
        return _(
            'Email settings are not saved, so nothing can be sent: fill them in and press Update on Email settings.'
        )
    try:
        load()
    except SecretUnavailable as error:
        return _('Nothing can be sent: {error}').format(error=error)
    return None


@dataclass(frozen=True)
class Batch:
    """A group of emails sent together; each email is its own record in the log."""

    id: str
    created_at: datetime
    title: str | Phrase  # phrases, worded for whoever opens the batch; words in batches from before
    record_ids: tuple[str, ...]
    state: BatchState = BatchState.RUNNING
    left_out: tuple[str | Phrase, ...] = ()  # the preflight's problems for the documents that were not queued

    def to_dict(self) -> dict[str, Any]:
        return {
            'id': self.id,
            'created_at': self.created_at.isoformat(),
            'title': stored_text(self.title),
            'record_ids': list(self.record_ids),
            'state': self.state.value,
            'left_out': [stored_text(line) for line in self.left_out],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Batch:
        return cls(
            id=data['id'],
            created_at=datetime.fromisoformat(data['created_at']),
            title=loaded_text(data.get('title')),
            record_ids=tuple(data.get('record_ids', ())),
            state=BatchState(data.get('state', BatchState.RUNNING.value)),
            left_out=tuple(loaded_text(line) for line in data.get('left_out', ())),
        )


class BatchStore(Protocol):
    """Where batches live; storage/batches_repo.py keeps them in the data folder."""

    def save(self, batch: Batch) -> None: ...

    def get(self, batch_id: str) -> Batch | None: ...

    def all(self) -> list[Batch]: ...


@dataclass(frozen=True)
class BatchProgress:
    total: int
    counts: Mapping[EmailStatus, int]
    state: BatchState
    finishes_at: datetime | None = None

    def count(self, status: EmailStatus) -> int:
        return self.counts.get(status, 0)

    @property
    def done(self) -> int:
        return self.total - self.count(EmailStatus.QUEUED) - self.count(EmailStatus.SENDING)

    @property
    def finished(self) -> bool:
        return self.done == self.total


class MemoryBatchStore:
    """A BatchStore in memory, for tests and benchmarks."""

    def __init__(self) -> None:
        self._batches: dict[str, Batch] = {}

    def save(self, batch: Batch) -> None:
        self._batches[batch.id] = batch

    def get(self, batch_id: str) -> Batch | None:
        return self._batches.get(batch_id)

    def all(self) -> list[Batch]:
        return sorted(self._batches.values(), key=lambda b: b.created_at, reverse=True)


class Batches:
    """Starts, pauses, resumes and cancels batches; the outbox asks `held` before it sends any email."""

    def __init__(self, store: BatchStore, outbox: Outbox) -> None:
        self._store = store
        self._outbox = outbox
        self._paused: frozenset[str] | None = None
        outbox.held = self.held

    def start(self, title: str | Phrase, items: Iterable[Prepared], left_out: Sequence[str | Phrase] = ()) -> Batch:
        """Queue every ready message (each recorded before anything is sent), then let the outbox send them."""
        batch = self.begin(title, left_out)
        return self.launch(batch, self.add(batch, [item for item in items if item.ready]))

    def begin(self, title: str | Phrase, left_out: Sequence[str | Phrase] = ()) -> Batch:
        """A new batch, held until `launch`, so that no email goes before the batch can count it."""
        batch = Batch(uuid.uuid4().hex, self._outbox.now(), title, (), BatchState.PAUSED, tuple(left_out))
        self._save(batch)
        return batch

    def add(self, batch: Batch, items: Sequence[Prepared]) -> list[str]:
        """Queue ready messages of the batch, several in one write; returns their emails' ids."""
        if wrong := [str(i.label) for i in items if not i.ready]:
            raise ValueError(f'not ready to send: {", ".join(wrong)}')
        emails = [(i.draft, i.attachments) for i in items if i.draft is not None]
        return [record.id for record in self._outbox.enqueue_many(emails, batch_id=batch.id)]

    def launch(self, batch: Batch, record_ids: Sequence[str]) -> Batch:
        batch = replace(batch, record_ids=tuple(record_ids), state=BatchState.RUNNING)
        self._save(batch)
        self._outbox.wake()
        return batch

    def get(self, batch_id: str) -> Batch | None:
        return self._store.get(batch_id)

    def latest(self) -> list[Batch]:
        return self._store.all()

    def pause(self, batch_id: str) -> Batch | None:
        return self._set_state(batch_id, BatchState.PAUSED, from_states={BatchState.RUNNING})

    def resume(self, batch_id: str) -> Batch | None:
        batch = self._set_state(batch_id, BatchState.RUNNING, from_states={BatchState.PAUSED})
        self._outbox.wake()
        return batch

    def cancel(self, batch_id: str) -> Batch | None:
        """What went stays sent; every email still queued is taken out of the queue and shown as cancelled."""
        batch = self._set_state(batch_id, BatchState.CANCELLED, from_states={BatchState.RUNNING, BatchState.PAUSED})
        if batch is not None:
            for record_id in batch.record_ids:
                self._outbox.cancel(record_id)
        return batch

    def held(self, record: EmailRecord) -> bool:
        """Whether an email belongs to a paused batch (it stays queued and waits)."""
        if not record.batch_id:
            return False
        if self._paused is None:
            self._paused = frozenset(b.id for b in self._store.all() if b.state is BatchState.PAUSED)
        return record.batch_id in self._paused

    def progress(self, batch: Batch) -> BatchProgress:
        """Counted from the log, so it is right after a reload or a restart; the finish time is the pacer's."""
        records = [r for r in map(self._outbox.log.get, batch.record_ids) if r is not None]
        counts = Counter(r.status for r in records)
        finishes_at = None
        waiting = [r for r in records if r.status in (EmailStatus.QUEUED, EmailStatus.SENDING)]
        if waiting and batch.state is BatchState.RUNNING:
            start = min(r.next_try_at or self._outbox.now() for r in waiting)
            finishes_at = self._outbox.finish_time([_recipients(r.draft) for r in waiting], start)
        return BatchProgress(len(batch.record_ids), counts, batch.state, finishes_at)

    def _set_state(self, batch_id: str, state: BatchState, *, from_states: set[BatchState]) -> Batch | None:
        batch = self._store.get(batch_id)
        if batch is None or batch.state not in from_states:
            return batch
        batch = replace(batch, state=state)
        self._save(batch)
        return batch

    def _save(self, batch: Batch) -> None:
        self._store.save(batch)
        self._paused = None
