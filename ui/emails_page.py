"""The Emails page: the log of every email, with filters, and Retry for those that did not reach everyone."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from core.email_log import EmailRecord, EmailStatus, filter_records
from core.i18n import _
from ui.components import STATUS_STYLE, email_row, sign_in_again_notice
from ui.language import page
from ui.layout import frame
from ui.notices import PageNotifier
from ui.services import Services

MAX_ROWS = 200


def register(services: Services) -> None:
    """The log page of every email sent or waiting."""

    @page('/emails')
    def emails_page(document: str = '', status: str = '') -> None:
        with frame(_('Emails')):
            EmailLogView(services, document_id=document, status=status).build()


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
        if self.services.outbox.paused_for_sign_in():
            sign_in_again_notice(link=True)
        with ui.row().classes('w-full items-center gap-4'):
            options = {'': _('All')} | {s.value: _(STATUS_STYLE[s][2]) for s in EmailStatus}
            status = self.status.value if self.status else ''
            ui.select(options, value=status, label=_('Status'), on_change=self.on_status).classes('w-40').mark(
                'email-status'
            )
            search = ui.input(_('Search recipients, subject or document'), on_change=self.on_text)
            search.classes('grow').mark('email-search')
            if self.document_id:
                ui.chip(_('One document'), icon='description', removable=True, on_value_change=self.all_documents)
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
            ui.label(_('No emails yet.') if not (self.status or self.text) else _('No email matches.')).classes(
                'text-grey-7'
            )
            return
        with ui.list().props('bordered separator').classes('w-full rounded'):
            for record in records[:MAX_ROWS]:
                email_row(record, on_retry=self.retry)
        if len(records) > MAX_ROWS:
            ui.label(
                _('Showing the newest {shown} of {count}; narrow the search to see others.').format(
                    shown=MAX_ROWS, count=len(records)
                )
            )

    async def retry(self, record: EmailRecord) -> None:
        outbox = self.services.outbox
        outbox.retry(record.id)
        self.rows.refresh()
        result = await outbox.attempt(record.id)
        self.rows.refresh()
        if result.status is EmailStatus.SENT:
            self.notify(_('Sent: {subject}').format(subject=result.draft.subject), type='positive')
        elif result.status is EmailStatus.PARTLY_SENT:
            missing = ', '.join(o.address for o in result.not_accepted)
            partly = _('Partly sent: {subject}; not to {addresses}.').format(
                subject=result.draft.subject, addresses=missing
            )
            self.notify(partly, type='warning', multi_line=True)
        else:
            problem = ' '.join(part for part in (result.explanation, result.said) if part) or result.reply
            self.notify(_('Not sent: {problem}').format(problem=problem), type='warning', multi_line=True)
