"""The "Test email settings" section: renders the settings test's events live; all logic is in core.diagnostics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from nicegui import background_tasks, ui

from core import addresses
from core.causes import Explanation
from core.diagnostics.events import SettingsChange, Status, StepEvent, Verdict
from core.diagnostics.transcript import TranscriptLine, render_transcript
from core.i18n import N_, _
from core.oauth.tokens import TokenCache
from core.settings import EmailSettings
from ui.components import press_on_enter

MODES = {'send': N_('Send test email'), 'check': N_('Check without sending')}
ICONS: dict[Status, tuple[str, str]] = {
    Status.OK: ('✓', 'text-positive'),
    Status.WARN: ('⚠', 'text-warning'),
    Status.FAIL: ('✗', 'text-negative'),
    Status.SKIPPED: ('–', 'text-grey-6'),
}
TRANSCRIPT_FILE = 'mailroom-email-test.txt'


ApplyChange = Callable[[SettingsChange], None]
OnPassed = Callable[[list[StepEvent]], None]


class StepRow:
    """One line of the live step list: spinner while running, then the outcome; click it to see its details."""

    def __init__(self, event: StepEvent) -> None:
        self.expansion = (
            ui.expansion()
            .props('dense hide-expand-icon header-class="px-1 rounded-borders"')
            .classes('w-full')
            .mark(f'step-{event.step.value}')
        )
        with self.expansion.add_slot('header'), ui.row().classes('w-full items-center gap-2 no-wrap'):
            with ui.element('div').classes('w-5 flex justify-center') as self.icon_box:
                ui.spinner(size='sm')
            ui.label(event.title).classes('font-medium whitespace-nowrap')
            self.message = ui.label(event.message).classes('text-grey-8 text-sm grow')
            self.elapsed = ui.label('').classes('text-grey-6 text-xs whitespace-nowrap')
        self.details: ui.grid | None = None

    @property
    def running(self) -> bool:
        children = self.icon_box.default_slot.children
        return bool(children) and isinstance(children[0], ui.spinner)

    def finish(self, event: StepEvent) -> None:
        """Also for a second finish that revises the step (a sender refused only at RCPT)."""
        self.set_icon(event.status)
        self.message.set_text(event.message)
        if event.elapsed_ms is not None:
            self.elapsed.set_text(f'{event.elapsed_ms:.0f} ms')
        details = event.shown_details()
        if event.reply:
            details[_('Server reply')] = event.reply
        if self.details is not None:
            self.details.delete()
            self.details = None
        if not details:
            return
        self.expansion.props(remove='hide-expand-icon')
        with self.expansion, ui.grid(columns='auto 1fr').classes('gap-x-4 gap-y-0 pl-8 pb-2 text-sm') as self.details:
            for key, value in details.items():
                ui.label(key).classes('text-grey-7 whitespace-nowrap')
                ui.label(value).classes('break-all')

    def set_icon(self, status: Status) -> None:
        symbol, color = ICONS[status]
        self.icon_box.clear()
        with self.icon_box:
            ui.label(symbol).classes(f'{color} text-lg font-bold').mark(f'status-{status.value}')


class DiagnosticsPanel:
    """The test section, built by `build()` inside the current container; one panel per browser tab.

    `apply_change` puts a fix the test offers (such as SSL/TLS for a port that speaks TLS first) into the form;
    `learnt` sees every finished step with the settings tested (the server's size limit is kept for the batch
    preflight); `on_passed` hears of a passing test, with its steps; `tokens` are the app's sign-in tokens, shared
    with the outbox."""

    def __init__(
        self,
        read_settings: Callable[[], EmailSettings | None],
        business_name: Callable[[], str],
        apply_change: ApplyChange,
        learnt: Callable[[EmailSettings, StepEvent], None] | None = None,
        on_passed: OnPassed | None = None,
        tokens: TokenCache | None = None,
    ) -> None:
        self.read_settings = read_settings
        self.tokens = tokens
        self.business_name = business_name
        self.apply_change = apply_change
        self.learnt = learnt
        self.on_passed = on_passed
        self.task: asyncio.Task[None] | None = None
        self.stop = asyncio.Event()
        self.rows: dict[int, StepRow] = {}
        self.transcript: list[TranscriptLine] = []

    def build(self) -> None:
        self.mode = (
            ui.radio({key: _(label) for key, label in MODES.items()}, value='send')
            .props('inline dense')
            .mark('test-mode')
        )
        self.recipient = (
            ui.input(
                _('Send the test to'),
                placeholder=_('your own address (leave blank)'),
                validation=lambda v: addresses.problem(v) if (v or '').strip() else None,
            )
            .props('outlined dense clearable')
            .classes('w-full')
            .bind_visibility_from(self.mode, 'value', value='send')
            .mark('test-recipient')
        )
        with ui.row().classes('items-center gap-2'):
            self.test_button = (
                ui.button(_('Test email settings'), icon='play_arrow', on_click=self.start)
                .props('unelevated no-caps')
                .mark('test-settings')
            )
            self.cancel_button = (
                ui.button(_('Cancel'), icon='stop', on_click=self.cancel).props('outline no-caps').mark('cancel-test')
            )
            self.cancel_button.set_visibility(False)
        press_on_enter(self.recipient, self.test_button)
        self.notice = ui.label('').classes('text-negative text-sm').mark('test-notice')
        self.steps = ui.column().classes('w-full gap-1').mark('test-steps')
        self.verdict_box = ui.column().classes('w-full').mark('test-verdict')
        with (
            ui.expansion(_('Transcript'), icon='receipt_long').classes('w-full').mark('test-transcript') as self.log_box
        ):
            self.log = ui.log().classes('w-full h-64 text-xs').mark('transcript-log')
            with ui.row().classes('gap-2'):
                ui.button(_('Copy'), icon='content_copy', on_click=self.copy).props('flat dense no-caps').mark('copy')
                ui.button(_('Download .txt'), icon='download', on_click=self.download).props('flat dense no-caps').mark(
                    'download'
                )
        self.log_box.set_visibility(False)
        ui.context.client.on_disconnect(self.cancel)

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> None:
        if self.running:
            return
        settings = self.read_settings()
        recipient_ok = self.mode.value != 'send' or self.recipient.validate()
        if settings is None or not recipient_ok:
            self.notice.set_text(_('Correct the fields marked in red first, then test again.'))
            return
        self.notice.set_text('')
        self.rows.clear()
        self.transcript.clear()
        self.steps.clear()
        self.verdict_box.clear()
        self.log.clear()
        self.log_box.set_visibility(True)
        self.test_button.disable()
        self.cancel_button.set_visibility(True)
        send = self.mode.value == 'send'
        to = (self.recipient.value or '').strip() or None
        self.stop = asyncio.Event()
        self.task = background_tasks.create(self._run(settings, send, to, self.stop), name='settings test')

    async def _run(self, settings: EmailSettings, send: bool, to: str | None, stop: asyncio.Event) -> None:
        try:
            from core.diagnostics.runner import run_checks  # the network machinery loads on first use

            stream = run_checks(
                settings, send=send, to=to, business_name=self.business_name(), cancel=stop, tokens=self.tokens
            )
            steps: list[StepEvent] = []
            async with contextlib.aclosing(stream) as events:
                async for item in events:
                    self.render(item)
                    if isinstance(item, StepEvent):
                        steps.append(item)
                        if self.learnt is not None and item.status is not Status.RUNNING:
                            self.learnt(settings, item)
                    elif item.passed and self.on_passed is not None:
                        self.on_passed(steps)
        finally:
            self.test_button.enable()
            self.cancel_button.set_visibility(False)

    def cancel(self) -> None:
        """Stops the test at once; it still ends with its verdict (cancelled)."""
        if self.running:
            self.stop.set()

    def render(self, item: StepEvent | Verdict) -> None:
        if isinstance(item, Verdict):
            self._show_verdict(item)
            return
        self._append_transcript(item.transcript)
        if item.status is Status.RUNNING:
            with self.steps:
                self.rows[item.seq] = StepRow(item)
            return
        row = self.rows.get(item.seq)
        if row is None:
            with self.steps:
                row = self.rows[item.seq] = StepRow(item)
        row.finish(item)

    def _append_transcript(self, lines: tuple[TranscriptLine, ...]) -> None:
        for line in lines:
            self.transcript.append(line)
            self.log.push(line.render())

    def _show_verdict(self, verdict: Verdict) -> None:
        self._append_transcript(verdict.transcript[len(self.transcript) :])
        self._banner(verdict.passed, verdict.message, verdict.explanation, verdict.reply, verdict.warnings)
        if verdict.change is not None:
            self._offer(verdict.change)
        phases = ' · '.join(f'{step.value} {ms:.0f}' for step, ms in verdict.timings)
        with self.verdict_box:
            total = _('Total {milliseconds} ms ({phases} ms)').format(
                milliseconds=f'{verdict.total_ms:.0f}', phases=phases
            )
            ui.label(total).classes('text-xs text-grey-7').mark('timings')

    def _banner(
        self, passed: bool, headline: str, explanation: Explanation | None, reply: str, warnings: tuple[str, ...]
    ) -> None:
        self.verdict_box.clear()
        color = 'bg-green-1 border-green-6' if passed else 'bg-red-1 border-red-6'
        with self.verdict_box, ui.card().classes(f'w-full border-l-4 {color}').props('flat'):
            with ui.row().classes('items-center gap-2 no-wrap'):
                ui.icon('check_circle' if passed else 'error', color='positive' if passed else 'negative')
                ui.label(headline).classes('font-medium').mark('verdict-headline')
            if explanation is not None and not passed:
                for label, text in (
                    (_('What happened:'), explanation.what),
                    (_('Why:'), explanation.why),
                    (_('What to do:'), explanation.fix),
                ):
                    with ui.row().classes('gap-2 no-wrap items-baseline'):
                        ui.label(label).classes('text-grey-8 text-sm whitespace-nowrap font-medium')
                        ui.label(text).classes('text-sm')
            if reply:
                ui.label(_('Server reply: {reply}').format(reply=reply)).classes(
                    'text-xs font-mono text-grey-8 break-all'
                )
            for warning in warnings:
                ui.label(f'⚠ {warning}').classes('text-sm text-orange-9')

    def _offer(self, change: SettingsChange) -> None:
        """The fix the test found, as one click that changes the form (saved only with Update, as any edit)."""

        def apply() -> None:
            self.apply_change(change)
            button.disable()

        with self.verdict_box:
            button = (
                ui.button(change.label, icon='auto_fix_high', on_click=apply)
                .props('unelevated no-caps')
                .mark('apply-change')
            )

    @property
    def transcript_text(self) -> str:
        return render_transcript(self.transcript)

    def copy(self) -> None:
        ui.clipboard.write(self.transcript_text)
        ui.notify(_('Transcript copied.'))

    def download(self) -> None:
        ui.download.content(self.transcript_text.encode(), TRANSCRIPT_FILE, 'text/plain; charset=utf-8')
