"""Find my settings: asks every source for the address's settings, shows each one live, then the proposal and where
it came from. All logic is in core.discovery; "Use these settings" only hands the proposal to the page's form."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from nicegui import background_tasks, ui

from core import addresses
from core.discovery.model import (
    SIGN_IN_LABELS,
    SOURCE_TITLES,
    USERNAME_FORM_LABELS,
    Discovery,
    Proposal,
    SignIn,
    Source,
    SourceEvent,
    SourceStatus,
)
from core.discovery.network import Network
from core.i18n import _
from core.settings import security_label
from storage.preferences_repo import PreferencesRepository

STATUS_ICONS: dict[SourceStatus, tuple[str, str]] = {
    SourceStatus.FOUND: ('check_circle', 'positive'),
    SourceStatus.NOTHING: ('remove_circle_outline', 'grey-6'),
    SourceStatus.UNAVAILABLE: ('help', 'orange-9'),
    SourceStatus.SKIPPED: ('block', 'grey-5'),
}


class FindSettings:
    """One per settings page. `read_address` gives the address typed on the form; `on_use` fills the form with a
    proposal; `on_test` starts the settings test on the form as it then is. Whether Thunderbird's online database is
    asked too is the person's choice, remembered in `preferences`."""

    def __init__(
        self,
        network: Network,
        preferences: PreferencesRepository,
        read_address: Callable[[], str],
        on_use: Callable[[Proposal], None],
        on_test: Callable[[], None],
    ) -> None:
        self.network = network
        self.preferences = preferences
        self.read_address = read_address
        self.on_use = on_use
        self.on_test = on_test
        self.task: asyncio.Task[None] | None = None
        self.rows: dict[Source, ui.row] = {}

    def button(self) -> None:
        self.find_button = (
            ui.button(_('Find my settings'), icon='travel_explore', on_click=self.start)
            .props('outline no-caps no-wrap')
            .mark('find-settings')
            .tooltip(_('Looks up the server, port and security for the email address you typed'))
        )
        self.online_ispdb = (
            ui.checkbox(
                _('Also ask Thunderbird’s online provider database (tells Mozilla your domain)'),
                value=self.preferences.online_ispdb(),
                on_change=lambda event: self.preferences.choose_online_ispdb(bool(event.value)),
            )
            .props('dense')
            .classes('text-sm text-grey-8')
            .mark('find-settings-online-ispdb')
        )

    def panel(self) -> None:
        self.box = ui.column().classes('w-full gap-1').mark('find-settings-panel')
        self.box.set_visibility(False)
        ui.context.client.on_disconnect(self.stop)

    def start(self) -> None:
        if self.task is not None and not self.task.done():
            return
        address = self.read_address()
        self.box.clear()
        self.box.set_visibility(True)
        self.rows.clear()
        if addresses.problem(address) is not None:
            with self.box:
                ui.label(
                    _(
                        'Type your email address in Username (or in Email address) first: the settings are found '
                        'from the part after the @.'
                    )
                ).classes('text-sm text-negative').mark('find-settings-notice')
            return
        with self.box:
            self.heading = ui.label(_('Finding the settings for {address} …').format(address=address)).classes(
                'text-subtitle2'
            )
            self.sources = ui.column().classes('w-full gap-0').mark('find-settings-sources')
            self.result = ui.column().classes('w-full')
        self.find_button.disable()
        self.task = background_tasks.create(self._run(address), name='find settings')

    def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()

    async def _run(self, address: str) -> None:
        from core.discovery.finder import discover  # httpx and dnspython load on first use

        try:
            search = discover(address, self.network, online_ispdb=bool(self.online_ispdb.value))
            async with contextlib.aclosing(search) as events:
                async for item in events:
                    if isinstance(item, Discovery):
                        self._show_result(item)
                    else:
                        self._show_source(item)
        finally:
            self.find_button.enable()

    def _show_source(self, event: SourceEvent) -> None:
        row = self.rows.get(event.source)
        if row is None:
            with self.sources:
                row = self.rows[event.source] = ui.row().classes('w-full items-start gap-2 no-wrap text-sm')
        row.clear()
        with row:
            if event.status is SourceStatus.ASKING:
                ui.spinner(size='xs').classes('shrink-0 mt-1')
            else:
                icon, color = STATUS_ICONS[event.status]
                ui.icon(icon, color=color, size='xs').classes('shrink-0 mt-1').mark(f'source-{event.status.value}')
            with ui.column().classes('gap-0 min-w-0'):
                ui.label(_(SOURCE_TITLES[event.source])).classes('font-medium')
                ui.label(event.message).classes('text-grey-7 text-xs break-words')

    def _show_result(self, discovery: Discovery) -> None:
        self.heading.set_text(
            _('Where Mailroom looked for the settings of {address}:').format(address=discovery.address)
        )
        self.result.clear()
        proposal = discovery.proposal
        with self.result:
            if proposal is None:
                with ui.card().classes('w-full bg-orange-1').props('flat bordered').mark('find-settings-result'):
                    ui.label(discovery.message).classes('text-sm')
                return
            with ui.card().classes('w-full bg-green-1').props('flat bordered').mark('find-settings-result'):
                ui.label(_('Found: {settings}').format(settings=proposal.describe())).classes('font-medium')
                with ui.grid(columns='auto 1fr').classes('gap-x-4 gap-y-0 text-sm'):
                    for label, value in _fields(proposal):
                        ui.label(label).classes('text-grey-7 whitespace-nowrap')
                        ui.label(value).classes('break-words')
                for note in _sign_in_notes(proposal):
                    with ui.row().classes('items-start no-wrap gap-1'):
                        ui.icon('info', color='orange-9', size='xs').classes('mt-1')
                        ui.label(note).classes('text-sm')
                with ui.row().classes('gap-2'):
                    ui.button(
                        _('Use these settings'), icon='auto_fix_high', on_click=lambda: self._use(proposal)
                    ).props('unelevated dense no-caps').mark('use-found-settings')
                    self.test_button = (
                        ui.button(_('Test these settings'), icon='play_arrow', on_click=self.on_test)
                        .props('outline dense no-caps')
                        .mark('test-found-settings')
                    )
                    self.test_button.set_visibility(False)

    def _use(self, proposal: Proposal) -> None:
        self.on_use(proposal)
        self.test_button.set_visibility(True)


def _fields(proposal: Proposal) -> list[tuple[str, str]]:
    """Each setting with where it came from, the source named once when every field shares it."""
    username = proposal.username or _('ask your provider')
    rows = [
        (_('SMTP server'), proposal.host),
        (_('Port'), str(proposal.port)),
        (_('Connection security'), security_label(proposal.security)),
        (_('Username'), f'{username} ({_(USERNAME_FORM_LABELS[proposal.username_form])})'),
        (_('Sign-in'), _(SIGN_IN_LABELS[proposal.sign_in])),
        (_('Source'), proposal.source_detail),
    ]
    if proposal.sources.get('username', proposal.source_detail) != proposal.source_detail:
        rows.append((_('Username from'), proposal.sources['username']))
    return rows


def _sign_in_notes(proposal: Proposal) -> list[str]:
    notes = list(proposal.notes)
    if proposal.sign_in is SignIn.OAUTH and proposal.oauth_provider:
        notes.append(
            _(
                '{provider} accepts only “Sign in with {oauth_provider}” (OAuth): a password, even an app password, '
                'is refused.'
            ).format(provider=proposal.provider_name or _('This provider'), oauth_provider=proposal.oauth_provider)
        )
    elif proposal.oauth_provider:
        notes.append(
            _('“Sign in with {oauth_provider}” (OAuth) also works for this account.').format(
                oauth_provider=proposal.oauth_provider
            )
        )
    return notes
