"""A batch's progress: counts from the email log, live while the page is open and the same after a reload."""

from __future__ import annotations

from nicegui import ui

from core.batch import Batch, BatchProgress, BatchState
from core.email_log import EmailRecord, EmailStatus
from core.i18n import N_, _, ngettext
from ui.components import STATUS_STYLE, email_row, local_time
from ui.language import page
from ui.layout import frame
from ui.services import Services

COUNTED: tuple[EmailStatus, ...] = (
    EmailStatus.QUEUED,
    EmailStatus.SENDING,
    EmailStatus.SENT,
    EmailStatus.PARTLY_SENT,
    EmailStatus.FAILED,
    EmailStatus.CANCELLED,
)
STATE_LABELS = {
    BatchState.RUNNING: N_('Sending'),
    BatchState.PAUSED: N_('Paused'),
    BatchState.CANCELLED: N_('Cancelled'),
}


def register(services: Services) -> None:
    @page('/batches')
    def batches_page() -> None:
        with frame(_('Batches')):
            batch_list(services)

    @page('/batches/{batch_id}')
    def batch_page(batch_id: str) -> None:
        with frame(_('Batch')):
            batch = services.batches.get(batch_id)
            if batch is None:
                ui.label(_('This batch does not exist.'))
                ui.link(_('All batches'), '/batches')
                return
            BatchView(services, batch).build()


def batch_list(services: Services) -> None:
    batches = services.batches.latest()
    if not batches:
        ui.label(_('No batches yet: choose documents on the Documents page, then Email selected.')).classes(
            'text-grey-7'
        )
        return
    with ui.list().props('bordered separator').classes('w-full rounded'):
        for batch in batches:
            progress = services.batches.progress(batch)
            item = ui.item(on_click=lambda b=batch: ui.navigate.to(f'/batches/{b.id}')).props('clickable')
            with item, ui.item_section():
                ui.item_label(str(batch.title)).classes('font-medium')
                ui.item_label(f'{local_time(batch.created_at)} · {summary(progress)}').props('caption')


def summary(progress: BatchProgress) -> str:
    state = _('Done') if progress.finished else _(STATE_LABELS[progress.state])
    counts = ', '.join(f'{progress.count(s)} {_(STATUS_STYLE[s][2]).lower()}' for s in COUNTED if progress.count(s))
    return f'{state}: {counts}' if counts else state


class BatchView:
    """Progress bar, counts, Pause / Resume / Cancel, what the preflight left out, and every email of the batch."""

    def __init__(self, services: Services, batch: Batch) -> None:
        self.services = services
        self.batch = batch
        self._shown: tuple[object, ...] = ()

    def build(self) -> None:
        ui.label(str(self.batch.title)).classes('text-h6')
        ui.label(_('Started {time}').format(time=local_time(self.batch.created_at))).classes('text-caption text-grey-7')
        self.head()
        if self.batch.left_out:
            left_out = len(self.batch.left_out)
            words = ngettext('{count} left out before sending', '{count} left out before sending', left_out)
            with ui.expansion(words.format(count=left_out), icon='error_outline').classes('w-full'):
                for line in self.batch.left_out:
                    ui.label(str(line)).classes('text-caption').mark('batch-left-out')
        self.emails()
        ui.timer(1.0, self.refresh_if_changed)

    def progress(self) -> BatchProgress:
        self.batch = self.services.batches.get(self.batch.id) or self.batch
        return self.services.batches.progress(self.batch)

    @ui.refreshable_method
    def head(self) -> None:
        progress = self.progress()
        value = progress.done / progress.total if progress.total else 1.0
        ui.linear_progress(value=value, show_value=False, size='12px').classes('w-full').mark('batch-progress')
        with ui.row().classes('items-center gap-2'):
            for status in COUNTED:
                icon, color, label = STATUS_STYLE[status]
                ui.chip(f'{_(label)}: {progress.count(status)}', icon=icon, color=color, text_color='white').props(
                    'dense'
                ).mark(f'batch-count-{status.value}')
        with ui.row().classes('items-center gap-2'):
            state = _('Done') if progress.finished else _(STATE_LABELS[progress.state])
            ui.label(state).classes('font-medium').mark('batch-state')
            if progress.finishes_at and not progress.finished:
                ui.label(
                    _('The last email should go by {time}.').format(time=local_time(progress.finishes_at))
                ).classes('text-caption')
            ui.space()
            if progress.finished:
                return
            if progress.state is BatchState.RUNNING:
                ui.button(_('Pause'), icon='pause', on_click=self.pause).props('outline').mark('batch-pause')
            if progress.state is BatchState.PAUSED:
                ui.button(_('Resume'), icon='play_arrow', on_click=self.resume).props('unelevated').mark('batch-resume')
            if progress.state is not BatchState.CANCELLED:
                ui.button(_('Cancel the rest'), icon='block', on_click=self.ask_cancel).props(
                    'flat color=negative'
                ).mark('batch-cancel')

    @ui.refreshable_method
    def emails(self) -> None:
        records = self.records()
        with ui.list().props('bordered separator').classes('w-full rounded'):
            for record in records:
                email_row(record, on_retry=self.retry)

    def records(self) -> list[EmailRecord]:
        log = self.services.folder.email_log
        return [r for r in map(log.get, self.batch.record_ids) if r is not None]

    def refresh_if_changed(self) -> None:
        signature = (self.batch.state, *((r.status, r.updated_at) for r in self.records()))
        if signature != self._shown:
            self._shown = signature
            self.head.refresh()
            self.emails.refresh()

    def pause(self) -> None:
        self.services.batches.pause(self.batch.id)
        ui.notify(_('Paused: no further email of this batch goes until you press Resume.'))
        self.refresh_now()

    def resume(self) -> None:
        self.services.batches.resume(self.batch.id)
        ui.notify(_('Resumed.'))
        self.refresh_now()

    def ask_cancel(self) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(_('Cancel the emails of this batch that have not gone yet?')).classes('font-medium')
            ui.label(
                _(
                    'Emails already sent stay sent. The others are taken out of the queue and marked Cancelled; '
                    'Retry on any of them sends it after all.'
                )
            ).classes('text-caption')
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Keep sending'), on_click=dialog.close).props('flat')

                def cancel() -> None:
                    dialog.close()
                    self.services.batches.cancel(self.batch.id)
                    ui.notify(_('Cancelled: what was sent stays sent; the rest will not go.'))
                    self.refresh_now()

                ui.button(_('Cancel the rest'), on_click=cancel).props('unelevated color=negative').mark(
                    'batch-cancel-confirm'
                )
        dialog.open()

    async def retry(self, record: EmailRecord) -> None:
        self.services.outbox.retry(record.id)
        self.services.outbox.wake()
        self.refresh_now()

    def refresh_now(self) -> None:
        self._shown = ()
        self.refresh_if_changed()
