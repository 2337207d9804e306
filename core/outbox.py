"""Sending documents by email: record first, then send; retry transient failures with backoff; never lose one.

Every email is written to the log as `queued` (with its attachments) before any network traffic, so a crash or a
restart loses nothing: `resume()` turns interrupted `sending` entries back into `queued` and `run_due()` sends them.
Delivery is at least once; a message resent after a crash keeps its Message-ID so that mail programs can tell.
The log's own values (Draft, EmailRecord, EmailLogStore) are in core.email_log.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from core.background import BackgroundTask, sleep_or_wake
from core.causes import (
    SESSION_CAUSES,
    Cause,
    Failure,
    Step,
    classify_reply,
    classify_smtp_error,
    failed_step,
    is_transient,
)
from core.delivery import Delivery, RecipientOutcome, address_key, merge_outcomes
from core.documents.model import BusinessProfile, Contact, Document, document_language
from core.documents.statement import Statement
from core.email_log import Draft, EmailLogStore, EmailRecord, EmailStatus
from core.i18n import using_language
from core.i18n.phrase import Phrase, literal, phrase
from core.message import Attachment, MessageError, OutgoingMessage, message_from_settings, validate_message
from core.pacing import Pacer, is_rate_limited
from core.providers import SendingLimits
from core.settings import EmailSettings, SavedSecret, SecretUnavailable
from core.templates import EmailTemplate, context_for, render_email
from core.transport.base import Receipt, Sender, Transport, TransportError

BACKOFF: tuple[timedelta, ...] = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30))
LONGEST_PAUSE_IN_SESSION = timedelta(seconds=30)  # a longer wait for the pacer closes the connection meanwhile
LOG = logging.getLogger(__name__)


class Stage(StrEnum):
    """What the compose dialog shows while a send is under way."""

    RENDERING = 'rendering'
    CONNECTING = 'connecting'
    SENDING = 'sending'
    SENT = 'sent'
    PARTLY_SENT = 'partly-sent'
    QUEUED = 'queued'
    FAILED = 'failed'


# The sign-in with the provider needs the person (sign in again, consent, fix the app registration): the outbox pauses,
# spending no tries, until settings are saved again.
PAUSING_CAUSES = frozenset(
    {
        Cause.OAUTH_SIGN_IN_AGAIN,
        Cause.OAUTH_CONSENT_REQUIRED,
        Cause.OAUTH_ADMIN_CONSENT_REQUIRED,
        Cause.OAUTH_CLIENT_INVALID,
        Cause.OAUTH_SCOPE_MISSING,
    }
)

ProgressCallback = Callable[[Stage], None]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[None]]


def utc_now() -> datetime:
    return datetime.now(UTC)


def classify_failure(error: BaseException, step: Step) -> Failure:
    """TransportError already carries its failure; a MessageError is bad input; anything else is classified here."""
    if isinstance(error, TransportError):
        return error.failure
    if isinstance(error, MessageError):
        return Failure(Step.INPUT, Cause.INVALID_INPUT, '', False, said=error.said)
    if not isinstance(error, OSError | TimeoutError | EOFError):  # a defect in Mailroom: retrying won't help
        return internal_failure(error, step)
    cause = classify_smtp_error(error, step)
    return Failure(step, cause, '', is_transient(cause), said=literal(f'{type(error).__name__}: {error}'))


def internal_failure(error: BaseException, step: Step) -> Failure:
    """A fault in Mailroom itself; its text stays out of the log, which the user may paste anywhere."""
    said = phrase('{error} in Mailroom', error=type(error).__name__)
    return Failure(step, Cause.INTERNAL_ERROR, '', False, said=said)


def refusal_failure(refused: RecipientOutcome, classified: Failure | None = None) -> Failure:
    """A recipient refused while the connection stayed healthy, as the failure the log shows; `classified` is the
    transport's own reading when it refused them all (it knows whether the session had signed in)."""
    code = refused.reply_code
    cause = classify_reply(code, refused.reply, 'rcpt') if code else Cause.RECIPIENT_REJECTED
    step = failed_step(cause, 'rcpt')
    if classified is not None:
        step, cause = classified.step, classified.cause
    return Failure(step, cause, refused.reply, refused.delivery is Delivery.DEFERRED)


def log_defect(error: BaseException, doing: str) -> None:
    """A fault in Mailroom, logged by type and place only: its message could hold an address, a password or a token."""
    frames = traceback.extract_tb(error.__traceback__)
    place = f' at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name}' if frames else ''
    LOG.error('Outbox: %s while %s%s', type(error).__name__, doing, place)


class Outbox:
    """Queues, sends and retries emails; one instance per data folder, shared by the pages and the background loop."""

    def __init__(
        self,
        log: EmailLogStore,
        settings: Callable[[], EmailSettings | None],
        transport_for: Callable[[EmailSettings], Transport],
        *,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        on_sent: Callable[[EmailRecord], None] | None = None,
        backoff: Sequence[timedelta] = BACKOFF,
        limits: Callable[[], SendingLimits | None] = lambda: None,
    ) -> None:
        self.log = log
        self._settings = settings
        self._transport_for = transport_for
        self._clock = clock
        self._sleep = sleep
        self._on_sent = on_sent
        self._backoff = tuple(backoff)
        self._in_flight: set[str] = set()
        self._wake = asyncio.Event()
        self._task = BackgroundTask(self.run_forever)
        self._limits = limits
        self.held: Callable[[EmailRecord], bool] = lambda _record: False  # core.batch.Batches answers this
        self._pacer: Pacer | None = None

    @property
    def pacer(self) -> Pacer:
        """Made at first use, from what the log says went in the last day (the log is not read at start-up)."""
        if self._pacer is None:
            self._pacer = Pacer(history=self._sent_today())
        return self._pacer

    def now(self) -> datetime:
        return self._clock()

    def sending_limits(self) -> SendingLimits | None:
        self.pacer.limits = self._limits()
        return self.pacer.limits

    def finish_time(self, recipients: Sequence[int], start: datetime | None = None) -> datetime | None:
        """When emails to these numbers of recipients, queued now (or at `start`), will all have gone at the latest
        pace the sending limits allow."""
        self.sending_limits()
        times = self.pacer.schedule(max(start or self._clock(), self._clock()), recipients)
        return times[-1] if times else None

    @property
    def max_tries(self) -> int:
        return len(self._backoff) + 1

    def enqueue(
        self, draft: Draft, attachments: Sequence[Attachment] = (), *, record_id: str = '', batch_id: str = ''
    ) -> EmailRecord:
        """Persist the email as queued before anything touches the network. With `record_id`, an email already in
        the log under that id is returned as it is: queueing it again never sends it twice."""
        if record_id and (existing := self.log.get(record_id)) is not None:
            return existing
        record = self._new_record(draft, attachments, record_id, batch_id)
        self.log.add(record, attachments)
        self._wake.set()
        return record

    def enqueue_many(
        self, emails: Sequence[tuple[Draft, Sequence[Attachment]]], *, batch_id: str = ''
    ) -> list[EmailRecord]:
        """Several emails persisted as queued in one write per log file they touch (a batch's hundreds)."""
        entries = [(self._new_record(draft, attachments, '', batch_id), attachments) for draft, attachments in emails]
        self.log.add_many(entries)
        self._wake.set()
        return [record for record, _attachments in entries]

    def _new_record(
        self, draft: Draft, attachments: Sequence[Attachment], record_id: str, batch_id: str
    ) -> EmailRecord:
        now = self._clock()
        return EmailRecord(
            id=record_id or uuid.uuid4().hex,
            created_at=now,
            draft=draft,
            attachment_names=tuple(a.filename for a in attachments),
            attachment_bytes=sum(len(a.data) for a in attachments),
            next_try_at=now,
            updated_at=now,
            batch_id=batch_id,
        )

    async def send(
        self, draft: Draft, attachments: Sequence[Attachment] = (), progress: ProgressCallback | None = None
    ) -> EmailRecord:
        """Queue and try at once; a transient failure leaves it queued for the background retries."""
        record = self.enqueue(draft, attachments)
        return await self.attempt(record.id, progress)

    async def attempt(self, record_id: str, progress: ProgressCallback | None = None) -> EmailRecord:
        """One try now. Never raises for a delivery problem: the outcome is in the returned record."""
        record = self.log.get(record_id)
        if record is None:
            raise KeyError(record_id)
        if record.status in (EmailStatus.SENT, EmailStatus.SENDING) or record_id in self._in_flight:
            return record
        return (await self._try_batch([record], progress or _ignore))[0]

    async def run_due(self) -> list[EmailRecord]:
        """Try every email that is due, oldest first, over one connection while it stays healthy."""
        return await self._try_batch(self.due(), _ignore)

    async def _try_batch(self, records: list[EmailRecord], progress: ProgressCallback) -> list[EmailRecord]:
        ids = [record.id for record in records]
        self._in_flight.update(ids)
        try:
            return await self._send_batch(list(records), _watched(progress))
        finally:
            self._in_flight.difference_update(ids)

    async def _send_batch(self, pending: list[EmailRecord], progress: ProgressCallback) -> list[EmailRecord]:
        """A failed message ends its session and the rest continue on a fresh one; a failed connect fails them all."""
        done: list[EmailRecord] = []
        while pending:
            try:
                settings = self._settings()
            except SecretUnavailable as error:  # nothing is sent without its own secret
                return done + [self._without_secret(r, error, progress) for r in pending]
            if settings is None:
                unsaved = phrase('Email settings are not saved yet: save them on the Email settings page.')
                missing = Failure(Step.INPUT, Cause.INVALID_INPUT, '', False, said=unsaved)
                return done + [self._failed(self._started(r), missing, progress) for r in pending]
            self.pacer.limits = self._limits()
            if self._pacer_wait(pending[0], settings) > LONGEST_PAUSE_IN_SESSION:
                return done + self._latest(pending)  # they wait in the queue; next_due_in knows until when
            progress(Stage.CONNECTING)
            async with AsyncExitStack() as stack:
                try:
                    sender = await stack.enter_async_context(self._transport_for(settings).session())
                except Exception as error:  # a failed connect fails every pending try the same way
                    failure = classify_failure(error, Step.CONNECT)
                    if is_rate_limited(failure):  # too many connections for now: the next session waits longer
                        self.pacer.slow_down(self._clock())
                    if failure.cause is Cause.INTERNAL_ERROR:
                        log_defect(error, 'connecting')
                    return done + [self._failed(self._started(r), failure, progress) for r in pending]
                while pending:
                    wait = self._pacer_wait(pending[0], settings)
                    if wait > LONGEST_PAUSE_IN_SESSION:
                        return done + self._latest(pending)
                    if wait:
                        await self._sleep(wait.total_seconds())
                    head = pending.pop(0)
                    latest = self.log.get(head.id) or head
                    if latest.status is not EmailStatus.QUEUED or self.held(latest):  # cancelled or paused meanwhile
                        done.append(latest)
                        continue
                    self.pacer.reserve(self._clock(), _recipient_count(latest, settings))
                    record, healthy = await self._send_guarded(sender, latest, settings, progress)
                    done.append(record)
                    if record.failure and is_rate_limited(record.failure) and record.status is not EmailStatus.SENT:
                        done[-1] = self._slowed(record)  # "too many": the server wants a pause, not a failure
                        return done + self._latest(pending)
                    if healthy:
                        self.pacer.recovered()
                        continue
                    ended = record.failure
                    if ended and ended.cause in PAUSING_CAUSES:  # the sign-in, not this message: all wait for it
                        return done + [self._paused(r, ended, progress) for r in pending]
                    if ended and ended.cause in SESSION_CAUSES:  # the server, not this message: the rest alike
                        return done + [self._failed(self._started(r), ended, progress) for r in pending]
                    break
                with suppress(Exception):  # the messages are accepted; a failing QUIT changes nothing
                    await stack.aclose()
        return done

    def _pacer_wait(self, record: EmailRecord, settings: EmailSettings) -> timedelta:
        now = self._clock()
        return max(timedelta(0), self.pacer.next_slot(now, _recipient_count(record, settings)) - now)

    def _latest(self, records: list[EmailRecord]) -> list[EmailRecord]:
        return [self.log.get(r.id) or r for r in records]

    def _slowed(self, record: EmailRecord) -> EmailRecord:
        """Back in the queue until the pacer's pause is over; the try does not count against the email."""
        now = self._clock()
        until = self.pacer.slow_down(now)
        record = replace(record, status=EmailStatus.QUEUED, tries=max(0, record.tries - 1), next_try_at=until)
        self.log.update(replace(record, updated_at=now))
        return record

    def _sent_today(self) -> list[tuple[datetime, int]]:
        """What went in the last day, so a restart does not forget the daily limit."""
        since = self._clock() - timedelta(days=1)
        return [(r.sent_at, max(1, len(r.recipients))) for r in self.log.all() if r.sent_at and r.sent_at > since]

    def _started(self, record: EmailRecord) -> EmailRecord:
        record = replace(
            record, status=EmailStatus.SENDING, tries=record.tries + 1, updated_at=self._clock(), next_try_at=None
        )
        self.log.update(record)
        return record

    async def _send_guarded(
        self, sender: Sender, record: EmailRecord, settings: EmailSettings, progress: ProgressCallback
    ) -> tuple[EmailRecord, bool]:
        """A fault in Mailroom fails this one email with its cause; the others still go."""
        try:
            return await self._send_one(sender, record, settings, progress)
        except Exception as error:
            log_defect(error, 'sending one email')
            latest = self.log.get(record.id) or record
            if latest.status is EmailStatus.SENT:  # it went; only the bookkeeping after it failed
                return latest, False
            if latest.status is not EmailStatus.SENDING:
                latest = self._started(latest)
            return self._failed(latest, internal_failure(error, Step.DATA), progress), False

    async def _send_one(
        self, sender: Sender, record: EmailRecord, settings: EmailSettings, progress: ProgressCallback
    ) -> tuple[EmailRecord, bool]:
        """One try; True when the session is still fit for the next email (the server answered, even with a no)."""
        try:
            message = self._message(record, settings)
        except Exception as error:  # bad input: nothing was sent
            return self._failed(self._started(record), classify_failure(error, Step.INPUT), progress), False
        # Only those not yet reached: the accepted have it, and the permanently refused wait for the user's Retry.
        done = {address_key(o.address) for o in record.outcomes if o.delivery is not Delivery.DEFERRED}
        pending = [a for a in message.envelope_recipients if address_key(a) not in done]
        # One write marks it sending and fixes its Message-ID, before a byte leaves.
        record = self._started(
            replace(record, message_id=message.message_id, recipients=tuple(message.envelope_recipients))
        )
        if not pending:  # nothing left to try (the settings lost the recipients it waited for)
            return self._settled(record, record.outcomes, None, progress), True
        try:
            progress(Stage.SENDING)
            receipt = await sender.send(replace(message, deliver_to=tuple(pending)))
        except asyncio.CancelledError:
            self.log.update(replace(record, status=EmailStatus.QUEUED, next_try_at=self._clock()))
            raise
        except TransportError as error:
            failure = classify_failure(error, Step.DATA)
            if failure.cause in PAUSING_CAUSES:
                return self._paused(record, failure, progress), False
            if not error.recipients or error.cause in SESSION_CAUSES:  # about the sender or account, not them
                return self._failed(record, failure, progress), False
            # The server refused every recipient of this try, each with its own reply: the session is fine.
            outcomes = merge_outcomes(record.outcomes, error.recipients, blind=message.bcc)
            return self._settled(record, outcomes, None, progress, failure), True
        except Exception as error:  # every failure becomes data in the log
            if not isinstance(error, OSError | TimeoutError | EOFError):
                log_defect(error, 'handing an email to the transport')
            return self._failed(record, classify_failure(error, Step.DATA), progress), False
        outcomes = merge_outcomes(record.outcomes, receipt.recipients, blind=message.bcc)
        return self._settled(record, outcomes, receipt, progress), True

    def _settled(
        self,
        record: EmailRecord,
        outcomes: tuple[RecipientOutcome, ...],
        receipt: Receipt | None,
        progress: ProgressCallback,
        classified: Failure | None = None,
    ) -> EmailRecord:
        """Sent only when every To and Cc recipient is accepted; else a (partial) failure, retried if temporary."""
        if receipt is not None:
            record = replace(record, message_id=receipt.message_id or record.message_id)
        record = replace(record, outcomes=outcomes)
        addressed = [o for o in outcomes if not o.blind] or list(outcomes)
        missing = [o for o in addressed if not o.accepted]
        if missing:
            deferred = [o for o in missing if o.delivery is Delivery.DEFERRED]
            return self._failed(record, refusal_failure((deferred or missing)[0], classified), progress)
        first_time = record.sent_at is None
        reply = receipt.server_reply if receipt else record.reply  # a refused blind copy is in `outcomes`
        record = replace(record, sent_at=record.sent_at or self._clock(), sent_reply=reply)
        if later := [o for o in outcomes if o.delivery is Delivery.DEFERRED]:  # a blind copy the server will take later
            record = self._failed(record, refusal_failure(later[0]), progress)  # the document is sent all the same
        else:
            record = self._finished(record, progress)
        if first_time and self._on_sent is not None:
            try:
                self._on_sent(record)
            except Exception as error:  # the email is sent whatever happens to the document's mark
                log_defect(error, 'marking a document sent')
        return record

    def _message(self, record: EmailRecord, settings: EmailSettings) -> OutgoingMessage:
        """Built from the current settings at each try, so a retry after fixing them uses the fix."""
        draft = record.draft
        message = message_from_settings(
            settings,
            business_name=draft.business_name,
            to=draft.to,
            cc=draft.cc,
            bcc=draft.bcc,
            subject=draft.subject,
            text_body=draft.text_body,
            html_body=draft.html_body,
            attachments=self.log.attachments(record.id),
        )
        if record.message_id:
            message = replace(message, message_id=record.message_id)
        return validate_message(message)  # bad input fails as input before any network traffic, whatever the transport

    def _finished(self, record: EmailRecord, progress: ProgressCallback) -> EmailRecord:
        """Sent: every To and Cc recipient has it (a blind copy that never went is shown on the record)."""
        record = replace(
            record,
            status=EmailStatus.SENT,
            updated_at=self._clock(),
            next_try_at=None,
            failure=None,
        )
        self.log.update(record)
        self.log.discard_attachments(record.id)
        progress(Stage.SENT)
        return record

    def _failed(self, record: EmailRecord, failure: Failure, progress: ProgressCallback) -> EmailRecord:
        now = self._clock()
        retry = failure.transient and record.tries < self.max_tries
        if record.sent_at is not None and not retry:  # only a blind copy is missing, and waiting no longer helps
            return self._finished(record, progress)
        partly = bool(record.accepted) and not retry
        record = replace(
            record,
            status=EmailStatus.QUEUED if retry else EmailStatus.PARTLY_SENT if partly else EmailStatus.FAILED,
            next_try_at=now + self._backoff[record.tries - 1] if retry else None,
            updated_at=now,
            failure=failure,
        )
        self.log.update(record)
        progress(Stage.QUEUED if retry else Stage.PARTLY_SENT if partly else Stage.FAILED)
        return record

    def _without_secret(self, record: EmailRecord, error: SecretUnavailable, progress: ProgressCallback) -> EmailRecord:
        """An unreadable secret keeps the email waiting (no try used up); one saved for another connection fails it."""
        if error.state is not SavedSecret.UNREADABLE:
            failure = Failure(Step.INPUT, Cause.SAVED_SECRET_OTHER_CONNECTION, '', False, said=error.said)
            return self._failed(self._started(record), failure, progress)
        now = self._clock()
        record = replace(
            record,
            status=EmailStatus.QUEUED,
            next_try_at=now + (self._backoff[0] if self._backoff else BACKOFF[0]),
            updated_at=now,
            failure=Failure(Step.INPUT, Cause.SAVED_SECRET_UNREADABLE, '', True, said=error.said),
        )
        self.log.update(record)
        progress(Stage.QUEUED)
        return record

    def _paused(self, record: EmailRecord, failure: Failure, progress: ProgressCallback) -> EmailRecord:
        """Waiting for the person to sign in again: queued, with the cause shown, no try used up, not due."""
        record = replace(
            record,
            tries=record.tries - 1 if record.status is EmailStatus.SENDING else record.tries,
            status=EmailStatus.QUEUED,
            next_try_at=None,
            updated_at=self._clock(),
            failure=replace(failure, transient=True),
        )
        self.log.update(record)
        progress(Stage.QUEUED)
        return record

    def paused_for_sign_in(self) -> bool:
        """Whether emails wait for the person to sign in again (the settings and emails pages say so)."""
        return any(_paused(r) for r in self.log.all() if r.status is EmailStatus.QUEUED)

    def retry(self, record_id: str) -> EmailRecord:
        """The user's Retry on a failed or partly sent email: a fresh series of tries, due now, to those not reached."""
        record = self.log.get(record_id)
        if record is None:
            raise KeyError(record_id)
        if record.status not in (EmailStatus.FAILED, EmailStatus.PARTLY_SENT, EmailStatus.CANCELLED):
            return record
        record = replace(
            record,
            status=EmailStatus.QUEUED,
            tries=0,
            next_try_at=self._clock(),
            updated_at=self._clock(),
            outcomes=tuple(o for o in record.outcomes if o.accepted),
        )
        self.log.update(record)
        self._wake.set()
        return record

    def cancel(self, record_id: str) -> EmailRecord | None:
        """Take a queued email out of the queue (it shows as cancelled); one already under way goes on."""
        record = self.log.get(record_id)
        if record is None or record.status is not EmailStatus.QUEUED:
            return record
        record = replace(record, status=EmailStatus.CANCELLED, next_try_at=None, updated_at=self._clock())
        self.log.update(record)
        return record

    def wake(self) -> None:
        """Look at the queue now (a batch was resumed)."""
        self._wake.set()

    def settings_saved(self) -> None:
        """Emails waiting for a password that could not be read go as soon as new settings are saved."""
        for record in self.log.all():
            if record.status is EmailStatus.QUEUED and _paused(record):
                self.log.update(replace(record, next_try_at=self._clock(), failure=None))
            elif record.status is EmailStatus.QUEUED and record.cause == Cause.SAVED_SECRET_UNREADABLE.value:
                self.log.update(replace(record, next_try_at=self._clock()))
        self._wake.set()

    def resume(self) -> list[EmailRecord]:
        """At start: an email caught in `sending` by a crash goes back to the queue. Returns everything queued."""
        queued: list[EmailRecord] = []
        for record in self.log.all():
            if record.status is EmailStatus.SENDING:
                record = replace(record, status=EmailStatus.QUEUED, next_try_at=self._clock())
                self.log.update(record)
            if record.status is EmailStatus.QUEUED:
                queued.append(record)
        return queued

    def due(self) -> list[EmailRecord]:
        now = self._clock()
        queued = [
            r
            for r in self.log.all()
            if r.status is EmailStatus.QUEUED and r.id not in self._in_flight and not self._waits(r)
        ]
        return sorted((r for r in queued if r.next_try_at is None or r.next_try_at <= now), key=lambda r: r.created_at)

    def next_due_in(self) -> float | None:
        """Seconds until the next queued email is due (0 if one is due now) and the pacer lets it go; None when
        nothing waits (emails of a paused batch wait for Resume, which wakes the loop)."""
        now = self._clock()
        times = [r.next_try_at or now for r in self.log.all() if r.status is EmailStatus.QUEUED and not self._waits(r)]
        if not times:
            return None
        return max(0.0, (min(times) - now).total_seconds(), (self.pacer.next_slot(now) - now).total_seconds())

    def _waits(self, record: EmailRecord) -> bool:
        """Held back by the person: its batch is paused, or the sign-in must be made again."""
        return self.held(record) or _paused(record)

    async def run_forever(self, *, idle_seconds: float = 60.0) -> None:
        """The background loop: send what is due, then sleep until the next due time or until something is queued.

        It outlives any fault: a queued email must never wait for a restart because another one broke something.
        """
        resumed = False
        while True:
            wait: float | None = idle_seconds
            try:
                if not resumed:
                    self.resume()
                    resumed = True
                await self.run_due()
                wait = self.next_due_in()
            except Exception as error:
                log_defect(error, 'going through the queue')
            self._wake.clear()
            await self._sleep_or_wake(idle_seconds if wait is None else min(wait, idle_seconds))

    def start(self) -> None:
        """Run the background loop in the running event loop, once; `stop` ends it."""
        self._task.start()

    async def stop(self) -> None:
        await self._task.stop()

    async def _sleep_or_wake(self, seconds: float) -> None:
        await sleep_or_wake(self._sleep, self._wake, seconds)


def _recipient_count(record: EmailRecord, settings: EmailSettings) -> int:
    """What the provider counts against its daily limit: every To, Cc and Bcc address, and the settings' copy."""
    draft = record.draft
    return len(draft.to) + len(draft.cc) + len(draft.bcc) + (1 if settings.bcc_address else 0)


def _paused(record: EmailRecord) -> bool:
    return record.cause in PAUSING_CAUSES


def _ignore(_stage: Stage) -> None:
    """No one is watching this try (a background retry)."""


def _watched(progress: ProgressCallback) -> ProgressCallback:
    """A watcher that fails (a page closed mid-send) must not change what happens to the email."""

    def report(stage: Stage) -> None:
        try:
            progress(stage)
        except Exception as error:
            log_defect(error, f'showing the stage {stage.value}')

    return report


def document_key(document: Document | Statement) -> str:
    """What the log files an email under; a statement is identified by its customer and period."""
    if isinstance(document, Statement):
        return f'statement:{document.customer.id}:{document.period_start}:{document.period_end}'
    return document.id


def document_label(document: Document | Statement) -> Phrase:
    """What the email log calls the document ('Sales Invoice INV-0042'), worded for each reader."""
    if isinstance(document, Statement):
        return phrase('Customer Statement {reference}', reference=document.reference)
    return phrase('{type} {reference}', type=document.type.stored_label, reference=document.reference)


def recipient_of(document: Document | Statement, contact: Contact | None) -> Contact | None:
    """Who a document goes to: a statement's customer, or a transaction's contact."""
    return document.customer if isinstance(document, Statement) else contact


def document_attachment(
    document: Document | Statement, business: BusinessProfile, contact: Contact | None
) -> Attachment:
    """The document's PDF as the email carries it: '<Type> <Reference>.pdf', in the document's language."""
    from core.pdf import pdf_filename, render  # Typst loads when the first PDF is made, not with the app

    with using_language(document_language(business, recipient_of(document, contact))):
        filename = pdf_filename(document)
    return Attachment(filename, 'application/pdf', render(document, business, contact))


def document_attachments(
    document: Document | Statement,
    business: BusinessProfile,
    contact: Contact | None,
    extras: Sequence[Attachment] = (),
) -> tuple[Attachment, ...]:
    """What an email about a document carries: its PDF first, then the files of its type and of this message."""
    return (document_attachment(document, business, contact), *extras)


def document_draft(
    document: Document | Statement,
    business: BusinessProfile,
    contact: Contact | None,
    template: EmailTemplate,
    *,
    to: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
) -> Draft:
    """The email the template makes for a document: one email to the contact's To addresses with their default Cc
    copied in, unless `to` is given (then it goes to those alone). `extra`: placeholders beyond the document's own.
    Dates and money print in the document's language; `template` should be the one for that language."""
    recipient = recipient_of(document, contact)
    with using_language(document_language(business, recipient)):
        rendered = render_email(template, {**context_for(document, business, contact), **(extra or {})})
    default_to, default_cc = (recipient.emails, recipient.cc) if recipient else ((), ())
    return Draft(
        to=tuple(to or default_to),
        cc=() if to else tuple(default_cc),
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        business_name=business.name,
        document_id=document_key(document),
        document_label=document_label(document),
    )
