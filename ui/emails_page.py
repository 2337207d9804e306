"""The Emails page (the log, with filters and Retry), each document's own history, and the outbox's lifetime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from core.causes import Cause, explain
from core.delivery import Delivery, RecipientOutcome
from core.email_log import EmailRecord, EmailStatus, filter_records
from ui.layout import frame
from ui.notices import PageNotifier
from ui.services import Services

STATUS_STYLE: dict[EmailStatus, tuple[str, str, str]] = {
    EmailStatus.QUEUED: ('schedule', 'warning', 'Queued'),
    EmailStatus.SENDING: ('sync', 'info', 'Sending'),
    EmailStatus.SENT: ('check_circle', 'positive', 'Sent'),
    EmailStatus.PARTLY_SENT: ('rule', 'orange-9', 'Partly sent'),
    EmailStatus.FAILED: ('error', 'negative', 'Failed'),
}
MAX_ROWS = 200


def register(services: Services) -> None:
    """The log page of every email sent or waiting."""

    @ui.page('/emails')
    def emails_page(document: str = '', status: str = '') -> None:
        with frame('Emails'):
            EmailLogView(services, document_id=document, status=status).build()


def local_time(moment: datetime | None) -> str:
    return moment.astimezone().strftime('%d %b %Y %H:%M') if moment else ''


def status_badge(record: EmailRecord) -> None:
    icon, color, label = STATUS_STYLE[record.status]
    with ui.row().classes('items-center gap-1 no-wrap'):
        ui.icon(icon, color=color, size='xs')
        ui.label(label).classes(f'text-{color} font-medium email-status')


def not_sent_line(outcome: RecipientOutcome, *, waiting: bool = False) -> str:
    """One recipient the server did not take, in plain words, with its own reply."""
    whom = f'the copy to {outcome.address}' if outcome.blind else outcome.address
    if outcome.delivery is Delivery.DEFERRED and waiting:
        return f'Not sent to {whom} yet: the server asked to try again later ({outcome.reply}).'
    if outcome.delivery is Delivery.DEFERRED:
        return f'Not sent to {whom}: the server asked to try again later, and the tries ran out ({outcome.reply}).'
    return f'Not sent to {whom}: the server refused this address ({outcome.reply}).'


def recipient_outcomes(record: EmailRecord) -> None:
    """Who has the email and who has not, each refusal with the server's reply."""
    missing = record.not_accepted
    if not missing:
        return
    with ui.column().classes('gap-0'):
        if record.accepted:
            ui.label(f'Sent to {", ".join(record.accepted)}.').classes('text-caption text-positive')
        if copies := [o.address for o in record.outcomes if o.accepted and o.blind]:
            ui.label(f'The blind copy went to {", ".join(copies)}.').classes('text-caption text-grey-8')
        for outcome in missing:
            later = outcome.delivery is Delivery.DEFERRED
            with ui.row().classes('items-center gap-1 no-wrap'):
                ui.icon('schedule' if later else 'block', color='warning' if later else 'negative', size='xs')
                waiting = record.status is EmailStatus.QUEUED
                ui.label(not_sent_line(outcome, waiting=waiting)).classes('text-caption break-all').mark(
                    'recipient-not-sent'
                )


def failure_details(record: EmailRecord, *, retry_note: bool = True) -> None:
    """The same words as the settings test: cause code, what happened, why, what to do, the server's reply."""
    recipient_outcomes(record)
    if not record.cause:
        return
    try:
        explanation = explain(Cause(record.cause), step=record.step)
    except ValueError:
        explanation = None
    with ui.column().classes('gap-0'):
        with ui.row().classes('items-center gap-2'):
            ui.badge(record.cause, color='negative' if record.status is EmailStatus.FAILED else 'warning').classes(
                'font-mono'
            )
            ui.label(f'at step {record.step}').classes('text-caption text-grey-7')
        if explanation is not None:
            ui.label(explanation.what).classes('font-medium')
            ui.label(explanation.why).classes('text-grey-8')
            ui.label(explanation.fix).classes('text-grey-8')
        if record.reply and not record.not_accepted:  # else each refused address is listed with its reply
            ui.label(f'Server reply: {record.reply}').classes('font-mono text-caption text-grey-8 break-all')
        if retry_note and record.status is EmailStatus.QUEUED and record.next_try_at:
            ui.label(f'Mailroom tries again at {local_time(record.next_try_at)} (try {record.tries + 1}).').classes(
                'text-caption'
            )


class EmailLogView:
    """The log, newest first, refreshed while the page is open so background retries show up."""

    def __init__(self, services: Services, *, document_id: str = '', status: str = '') -> None:
        self.services = services
        self.document_id = document_id
        self.status: EmailStatus | None = EmailStatus(status) if status in {s.value for s in EmailStatus} else None
        self.text = ''
        self._shown: tuple[tuple[str, str, str], ...] = ()
        self.notify = PageNotifier()  # Retry refreshes its own row away before it answers

    def build(self) -> None:
        with ui.row().classes('w-full items-center gap-4'):
            options = {'': 'All'} | {s.value: STATUS_STYLE[s][2] for s in EmailStatus}
            status = self.status.value if self.status else ''
            ui.select(options, value=status, label='Status', on_change=self.on_status).classes('w-40').mark(
                'email-status'
            )
            search = ui.input('Search recipients, subject or document', on_change=self.on_text)
            search.classes('grow').mark('email-search')
            if self.document_id:
                ui.chip('One document', icon='description', removable=True, on_value_change=self.all_documents)
        self.rows()
        ui.timer(2.0, self.refresh_if_changed)

    def on_status(self, event: ValueChangeEventArguments[Any]) -> None:
        self.status = EmailStatus(event.value) if event.value else None
        self.rows.refresh()

    def on_text(self, event: ValueChangeEventArguments[Any]) -> None:
        self.text = str(event.value or '')
        self.rows.refresh()

    def all_documents(self) -> None:
        self.document_id = ''
        self.rows.refresh()

    def records(self) -> list[EmailRecord]:
        records = self.services.folder.email_log.all()
        return filter_records(records, status=self.status, text=self.text, document_id=self.document_id)

    def refresh_if_changed(self) -> None:
        if self._signature(self.records()) != self._shown:
            self.rows.refresh()

    @staticmethod
    def _signature(records: list[EmailRecord]) -> tuple[tuple[str, str, str], ...]:
        return tuple((r.id, r.status.value, str(r.updated_at)) for r in records[:MAX_ROWS])

    @ui.refreshable_method
    def rows(self) -> None:
        records = self.records()
        self._shown = self._signature(records)
        if not records:
            ui.label('No emails yet.' if not (self.status or self.text) else 'No email matches.').classes('text-grey-7')
            return
        with ui.list().props('bordered separator').classes('w-full rounded'):
            for record in records[:MAX_ROWS]:
                email_row(record, on_retry=self.retry)
        if len(records) > MAX_ROWS:
            ui.label(f'Showing the newest {MAX_ROWS} of {len(records)}; narrow the search to see others.')

    async def retry(self, record: EmailRecord) -> None:
        outbox = self.services.outbox
        outbox.retry(record.id)
        self.rows.refresh()
        result = await outbox.attempt(record.id)
        self.rows.refresh()
        if result.status is EmailStatus.SENT:
            self.notify(f'Sent: {result.draft.subject}', type='positive')
        elif result.status is EmailStatus.PARTLY_SENT:
            missing = ', '.join(o.address for o in result.not_accepted)
            self.notify(f'Partly sent: {result.draft.subject}; not to {missing}.', type='warning', multi_line=True)
        else:
            self.notify(f'Not sent: {result.explanation or result.reply}', type='warning', multi_line=True)


def email_row(record: EmailRecord, *, on_retry: Callable[[EmailRecord], Awaitable[None]] | None = None) -> None:
    draft = record.draft
    with ui.item().classes('w-full email-row'):
        with ui.item_section().props('side').classes('w-28'):
            status_badge(record)
            ui.label(local_time(record.sent_at or record.created_at)).classes('text-caption text-grey-7')
        with ui.item_section():
            ui.item_label(draft.subject).classes('font-medium')
            recipients = ', '.join([*draft.to, *(f'cc {a}' for a in draft.cc), *(f'bcc {a}' for a in draft.bcc)])
            ui.item_label(f'To {recipients}').props('caption')
            facts = [
                draft.document_label,
                *record.attachment_names,
                f'{record.tries} tries' if record.tries > 1 else '',
            ]
            ui.item_label(' · '.join(f for f in facts if f)).props('caption')
            if record.status is EmailStatus.SENT:
                ui.item_label(f'{record.reply} · Message-ID {record.message_id}').props('caption').classes(
                    'font-mono break-all'
                )
            failure_details(record)
        if record.status in (EmailStatus.FAILED, EmailStatus.PARTLY_SENT) and on_retry is not None:
            with ui.item_section().props('side'):
                retry = ui.button('Retry', icon='refresh', on_click=lambda: on_retry(record)).props('outline dense')
                if record.accepted:
                    retry.tooltip('Sends only to the addresses that did not get it')


def partly_sent_badge(services: Services, document_id: str) -> None:
    """A document not yet Sent whose last email reached only some of its recipients says so beside its title."""
    latest = next(iter(services.folder.email_log.for_document(document_id)), None)
    if latest is not None and latest.status is EmailStatus.PARTLY_SENT:
        badge = ui.badge('Partly sent', color='orange-9').props('outline').mark('document-partly-sent')
        badge.tooltip(' '.join(not_sent_line(o) for o in latest.not_accepted))


def document_history(services: Services, document_id: str) -> None:
    """A document's own emails, for its page: newest first, with a link to the full log."""
    records = services.folder.email_log.for_document(document_id)
    with ui.column().classes('w-full gap-1'):
        ui.label('Emails').classes('text-subtitle1 font-medium')
        if not records:
            ui.label('Not emailed yet.').classes('text-grey-7')
            return
        with ui.list().props('dense bordered separator').classes('w-full rounded'):
            for record in records[:10]:
                email_row(record)
        ui.link('All emails of this document', f'/emails?document={document_id}')
