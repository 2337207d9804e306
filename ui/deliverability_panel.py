"""The Deliverability section of Email settings: findings for the From domain, grouped by status, and the paste box
for the received test email's headers. All rules live in core.deliverability; this module only renders them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from nicegui import background_tasks, ui

from core.deliverability.findings import STATUS_LABELS, Finding, FindingStatus
from core.diagnostics.events import StepEvent
from core.dns import DnsResolver
from core.i18n import _
from core.settings import EmailSettings

STYLES: dict[FindingStatus, tuple[str, str]] = {
    FindingStatus.PROBLEM: ('error', 'negative'),
    FindingStatus.WARN: ('warning', 'orange-8'),
    FindingStatus.UNKNOWN: ('help', 'grey-7'),
    FindingStatus.GOOD: ('check_circle', 'positive'),
}


def deliverability_panel(read_settings: Callable[[], EmailSettings], resolver: DnsResolver) -> DeliverabilityPanel:
    """Build the section inside the current container; the settings page calls `after_test` when a test passes."""
    panel = DeliverabilityPanel(read_settings, resolver)
    panel.build()
    return panel


def finding_card(finding: Finding) -> None:
    """One finding: what was found, then why it matters and what to do, then the records it is based on."""
    icon, color = STYLES[finding.status]
    marks = (f'finding-{finding.check}', f'finding-{finding.status.value}')
    with ui.row().classes('w-full items-start gap-2 no-wrap py-1').mark(*marks):
        ui.icon(icon, color=color, size='sm').classes('mt-0.5')
        with ui.column().classes('gap-0 grow min-w-0'):
            ui.label(finding.title).classes('font-medium')
            ui.label(finding.message).classes('text-sm break-words')
            if finding.meaning:
                ui.label(finding.meaning).classes('text-xs text-grey-8 break-words')
            if finding.action:
                with ui.row().classes('gap-1 no-wrap items-baseline'):
                    ui.label(_('What to do:')).classes('text-xs font-medium whitespace-nowrap')
                    ui.label(finding.action).classes('text-xs break-words')
            if finding.details:
                with (
                    ui.expansion(_('Details')).props('dense').classes('text-xs w-full'),
                    ui.grid(columns='auto 1fr').classes('gap-x-3 gap-y-0'),
                ):
                    for key, value in finding.shown_details().items():
                        ui.label(key).classes('text-grey-7 whitespace-nowrap')
                        ui.label(value).classes('break-all font-mono')


def findings_list(findings: Iterable[Finding]) -> None:
    """Grouped by status, problems first, each group headed with its size; what is good folds away while there is
    something to fix, so the page leads with the work."""
    found = tuple(findings)
    to_fix = any(finding.status is not FindingStatus.GOOD for finding in found)
    for status, label in STATUS_LABELS.items():
        group = [finding for finding in found if finding.status is status]
        if not group:
            continue
        heading = _('{group} ({count})').format(group=_(label), count=len(group))
        if status is FindingStatus.GOOD and to_fix:
            with (
                ui.expansion(heading)
                .props('dense header-class="px-0 text-subtitle2"')
                .classes('w-full text-grey-8')
                .mark(f'group-{status.value}')
            ):
                for finding in group:
                    finding_card(finding)
            continue
        ui.label(heading).classes('text-subtitle2 text-grey-8 mt-2').mark(f'group-{status.value}')
        for finding in group:
            finding_card(finding)


class DeliverabilityPanel:
    def __init__(self, read_settings: Callable[[], EmailSettings], resolver: DnsResolver) -> None:
        self.read_settings = read_settings
        self.resolver = resolver
        self.task: asyncio.Task[None] | None = None
        self.domain = ''

    def build(self) -> None:
        ui.label(
            _(
                'Will your emails land in the inbox or in spam? This looks up what the DNS of your sending '
                'address’s domain tells receivers (SPF, DKIM, DMARC).'
            )
        ).classes('text-sm text-grey-8')
        self.check_button = (
            ui.button(_('Check deliverability'), icon='mark_email_read', on_click=lambda: self.start())
            .props('outline no-caps')
            .mark('check-deliverability')
        )
        with ui.row().classes('items-center gap-2') as self.progress:
            ui.spinner(size='sm')
            self.progress_label = ui.label('').classes('text-sm text-grey-8').mark('deliverability-progress')
        self.progress.set_visibility(False)
        self.results = ui.column().classes('w-full gap-0').mark('deliverability-findings')
        with (
            ui.expansion(_('Paste the headers of the test email as received'), icon='content_paste')
            .classes('w-full')
            .mark('headers-section')
        ):
            ui.label(
                _(
                    'Open the test email where it arrived, show its full headers (Gmail: ⋮ → Show original) and '
                    'paste them here: they show what the receiving server decided.'
                )
            ).classes('text-sm text-grey-8')
            self.pasted = (
                ui.textarea(placeholder='Delivered-To: …\nAuthentication-Results: …\nDKIM-Signature: …')
                .props('outlined dense autogrow input-class="font-mono text-xs"')
                .classes('w-full')
                .mark('pasted-headers')
            )
            self.headers_button = (
                ui.button(_('Check these headers'), icon='fact_check', on_click=self.check_headers)
                .props('outline no-caps')
                .mark('check-headers')
            )
            self.header_results = ui.column().classes('w-full gap-0').mark('header-findings')

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def after_test(self, events: Iterable[StepEvent]) -> None:
        """A passing settings test: check the domain it sent from, comparing the name the server gave itself."""
        from core.deliverability.check import server_name_from

        self.start(server_name_from(events))

    def start(self, server_name: str = '') -> None:
        if self.running:
            return
        self.task = background_tasks.create(self._run(self.read_settings(), server_name), name='deliverability')

    async def _run(self, settings: EmailSettings, server_name: str) -> None:
        from core.deliverability.check import check_deliverability
        from core.deliverability.facts import SendingSetup

        setup = SendingSetup.from_settings(settings, server_name=server_name)
        self.domain = setup.from_domain
        self.check_button.disable()
        self.results.clear()
        self.progress_label.set_text(
            _('Looking up SPF, DKIM and DMARC for {domain}…').format(domain=self.domain)
            if self.domain
            else _('Checking…')
        )
        self.progress.set_visibility(True)
        try:
            report = await check_deliverability(setup, self.resolver)
            with self.results:
                title = (
                    _('Deliverability of {domain}').format(domain=report.domain)
                    if report.domain
                    else _('Deliverability of your sending address')
                )
                ui.label(title).classes('text-h6').mark('deliverability-title')
                findings_list(report.findings)
        finally:
            self.progress.set_visibility(False)
            self.check_button.enable()

    async def check_headers(self) -> None:
        from core.deliverability.facts import SendingSetup
        from core.deliverability.headers import analyse_headers

        expected = SendingSetup.from_settings(self.read_settings()).from_domain
        self.headers_button.disable()
        self.header_results.clear()
        with self.header_results, ui.row().classes('items-center gap-2') as waiting:
            ui.spinner(size='sm')
            ui.label(_('Checking the headers and their signatures…')).classes('text-sm text-grey-8')
        try:
            analysis = await analyse_headers(self.pasted.value or '', expected, self.resolver)
        finally:
            waiting.delete()
            self.headers_button.enable()
        with self.header_results:
            if analysis.error:
                ui.label(analysis.error).classes('text-sm text-negative').mark('headers-error')
                return
            findings_list(analysis.findings)
