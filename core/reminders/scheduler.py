"""The reminder loop: inside the app's own event loop, it looks at every open invoice and queues what is due.

Each reminder is an email of its own in the outbox (logged, retried, with the invoice PDF), queued under an id made
from (invoice, stage), and recorded in the store: a second run, a restart or a crash between the two never sends it
twice. Nothing stops silently: a fault is logged and shown on the Reminders page, and the loop carries on.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Protocol

from core.background import BackgroundTask, sleep_or_wake
from core.documents.model import BusinessProfile, Contact, Document, DocumentType, document_language
from core.documents.money import format_money
from core.documents.statement import open_amounts
from core.email_log import EmailRecord, EmailStatus
from core.i18n import babel_locale
from core.i18n.phrase import Phrase, phrase
from core.message import Attachment
from core.outbox import Clock, Outbox, Sleep, document_attachments, document_draft, document_label, utc_now
from core.reminders.plan import InvoiceOutlook, Outlook, SentReminder, plan_invoice, reminder_email_id
from core.reminders.stages import ReminderSettings, ReminderStage

LOG = logging.getLogger(__name__)
_NO_LONGER_WANTED = frozenset({Outlook.PAID, Outlook.PAUSED})
CHECK_SECONDS = 15 * 60.0  # a new day, a payment or a changed schedule is seen within this


class ReminderStore(Protocol):
    """Where the schedule, the sent records and the "don't remind" choices live (storage/reminders_repo.py)."""

    def settings(self) -> ReminderSettings: ...

    def sent(self) -> list[SentReminder]: ...

    def add_sent(self, record: SentReminder) -> None: ...

    def paused(self) -> set[str]: ...


@dataclass(frozen=True)
class Sources:
    """What the scheduler reads from the rest of the app, as plain callables so that tests can hand in their own."""

    documents: Callable[[], Iterable[Document]]
    contact: Callable[[str], Contact | None]
    business: Callable[[], BusinessProfile]
    type_files: Callable[[str], Sequence[Attachment]]
    email_ready: Callable[[], bool]


@dataclass
class RunReport:
    """The last run, for the Reminders page: when, what went, and what kept a reminder from going. The loop runs in
    no page's language, so the words are phrases, worded on the page for whoever opens it."""

    at: datetime | None = None
    queued: list[str] = field(default_factory=list)  # email ids
    problems: dict[str, Phrase] = field(default_factory=dict)  # invoice id -> what is wrong, in plain words
    waiting: Phrase | None = None  # why nothing could go at all


class ReminderScheduler:
    def __init__(
        self,
        store: ReminderStore,
        outbox: Outbox,
        sources: Sources,
        *,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        render: Callable[..., tuple[Attachment, ...]] = document_attachments,
    ) -> None:
        self.store = store
        self.outbox = outbox
        self.sources = sources
        self._clock = clock
        self._sleep = sleep
        self._render = render
        self.report = RunReport()
        self._wake = asyncio.Event()
        self._task = BackgroundTask(self.run_forever)

    def today(self) -> date:
        """The business's day: the computer's local date."""
        return self._clock().astimezone().date()

    def overview(self) -> list[InvoiceOutlook]:
        """Every invoice with its reminder outlook, the most overdue first."""
        settings = self.store.settings()
        stages = settings.active()
        today = self.today()
        documents = list(self.sources.documents())
        by_customer: dict[str, list[Document]] = {}
        for document in documents:
            by_customer.setdefault(document.contact_id, []).append(document)
        open_by_id = {k: v for docs in by_customer.values() for k, v in open_amounts(docs, today).items()}
        sent: dict[str, list[SentReminder]] = {}
        for record in self.store.sent():
            sent.setdefault(record.invoice_id, []).append(record)
        first = self._first_emailed(documents)
        paused = self.store.paused()
        outlooks = [
            plan_invoice(
                invoice,
                self.sources.contact(invoice.contact_id),
                open_amount=open_by_id.get(invoice.id, invoice.unpaid),
                first_emailed=first.get(invoice.id),
                sent=sorted(sent.get(invoice.id, ()), key=lambda r: r.queued_at),
                stages=stages,
                paused=invoice.id in paused,
                today=today,
            )
            for invoice in documents
            if invoice.type is DocumentType.SALES_INVOICE
        ]
        return sorted(outlooks, key=lambda o: (-o.days_overdue, o.invoice.reference))

    def _first_emailed(self, documents: Sequence[Document]) -> dict[str, date]:
        """The day each document was first emailed: its earliest sent email, or its Sent mark from before the log."""
        first: dict[str, datetime] = {d.id: d.sent_at for d in documents if d.sent_at is not None}
        for record in self.outbox.log.all():
            key, at = record.draft.document_id, record.sent_at
            if at is not None and (key not in first or at < first[key]):
                first[key] = at
        return {key: at.astimezone().date() for key, at in first.items()}

    async def run_once(self) -> RunReport:
        """Queue every reminder that is due now. Safe to call at any time, as often as wanted."""
        report = RunReport(at=self._clock())
        if self.store.settings().enabled and not self.sources.email_ready():
            report.waiting = phrase(
                'Email settings are not saved yet, so no reminder can go: save them on Email settings.'
            )
        elif self.store.settings().enabled:
            for outlook in self.overview():
                if outlook.outlook in _NO_LONGER_WANTED:
                    self._withdraw(outlook)
                if outlook.outlook is Outlook.NO_ADDRESS:
                    report.problems[outlook.invoice.id] = no_address_problem(outlook)
                if outlook.outlook is Outlook.DUE and outlook.stage is not None:
                    await self._queue_guarded(outlook, outlook.stage, report)
        self.report = report
        return report

    def _withdraw(self, outlook: InvoiceOutlook) -> None:
        """A reminder still waiting in the queue (for a retry, or behind the sending limits) is taken out once the
        invoice is paid, covered or set to "don't remind": the customer must not be asked for money already paid.
        One already being sent goes on; the outbox cannot call it back."""
        for record in outlook.sent:
            email = self.outbox.log.get(record.email_id)
            if email is not None and email.status is EmailStatus.QUEUED:
                self.outbox.cancel(record.email_id)
                LOG.info('Reminders: a queued reminder was withdrawn, the invoice no longer needs one')

    async def _queue_guarded(self, outlook: InvoiceOutlook, stage: ReminderStage, report: RunReport) -> None:
        """A broken template or PDF holds back this invoice's reminder, named on the page; the others still go."""
        try:
            report.queued.append(await self._queue(outlook, stage))
        except Exception as error:
            LOG.error('Reminders: %s while queueing a reminder', type(error).__name__)
            report.problems[outlook.invoice.id] = phrase(
                'The reminder {when} could not be prepared ({error}). '
                'Check the reminder text on this page, then it goes at the next run.',
                when=stage.stored_label,
                error=str(error),
            )

    async def _queue(self, outlook: InvoiceOutlook, stage: ReminderStage) -> str:
        invoice, contact = outlook.invoice, outlook.contact
        email_id = reminder_email_id(invoice.id, stage.id)
        if self.outbox.log.get(email_id) is None:  # else queued already, by a run that stopped before its record
            business = self.sources.business()
            language = document_language(business, contact)
            draft = document_draft(
                invoice,
                business,
                contact,
                stage.template_in(language),
                extra={
                    'days_overdue': outlook.days_overdue,
                    'amount_overdue': format_money(outlook.open_amount, invoice.currency, babel_locale(language)),
                },
            )
            label = phrase('{title} · reminder {stage}', title=document_label(invoice), stage=stage.stored_label)
            draft = replace(draft, document_label=label)
            files = self.sources.type_files(invoice.type.value)
            attachments = await asyncio.to_thread(self._render, invoice, business, contact, files)
            self.outbox.enqueue(draft, attachments, record_id=email_id)
        self.store.add_sent(SentReminder(invoice.id, stage.id, email_id, self._clock(), stage.stored_label))
        return email_id

    def email_of(self, record: SentReminder) -> EmailRecord | None:
        return self.outbox.log.get(record.email_id)

    def changed(self) -> None:
        """The schedule, a payment or a "don't remind" changed: look again now rather than at the next check."""
        self._wake.set()

    async def run_forever(self, *, idle_seconds: float = CHECK_SECONDS) -> None:
        """Runs at start (catching up after the app was off), then every `idle_seconds` and whenever woken."""
        while True:
            try:
                await self.run_once()
            except Exception as error:
                LOG.error('Reminders: %s while looking for reminders that are due', type(error).__name__)
                self.report = RunReport(
                    at=self._clock(),
                    waiting=phrase(
                        'Looking for reminders failed ({error}); Mailroom tries again shortly.',
                        error=type(error).__name__,
                    ),
                )
            self._wake.clear()
            await sleep_or_wake(self._sleep, self._wake, idle_seconds)

    def start(self) -> None:
        self._task.start()

    async def stop(self) -> None:
        await self._task.stop()


def no_address_problem(outlook: InvoiceOutlook) -> Phrase:
    if outlook.contact is None:
        return phrase('The customer has no email address, so this reminder cannot go: add one to the contact (To).')
    return phrase(
        '{name} has no email address, so this reminder cannot go: add one to the contact (To).',
        name=outlook.contact.name,
    )
