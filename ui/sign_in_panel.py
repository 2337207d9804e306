"""The sign-in part of the Email settings page: provider, app registration, Sign in / Sign in with a code / Sign out.

The tokens stay on the server: the form keeps a fresh refresh token in its server-side state (no input is bound to
it) until Update seals it like a password.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace

from nicegui import ui

from core.causes import explain
from core.i18n import _
from core.oauth.providers import PROVIDER_LABELS, oauth_provider, provider_for_host, registration
from core.oauth.signins import SignIns
from core.oauth.tokens import TokenCache
from core.oauth.values import OAuthApp, OAuthFailure, TokenSet
from core.settings import AuthMethod, EmailSettings, SavedSecret, oauth_errors
from storage.settings_repo import SettingsRepository
from ui.settings_form import SettingsForm


class SignInPanel:
    """Built inside the SMTP section; `refresh` follows the form; `on_change` tells the page something changed."""

    def __init__(
        self,
        form: SettingsForm,
        repository: SettingsRepository,
        tokens: TokenCache,
        signins: SignIns,
        redirect_uri: str,
        on_change: Callable[[], None],
        on_forgotten: Callable[[], None],
    ) -> None:
        self.form = form
        self.repository = repository
        self.tokens = tokens
        self.signins = signins
        self.redirect_uri = redirect_uri
        self.on_change = on_change
        self.on_forgotten = on_forgotten  # the saved settings changed under the page: it must not ask to overwrite
        self.waiting: asyncio.Task[None] | None = None

    def build(self, text_input: Callable[..., ui.input], unreadable_note: Callable[[str], None]) -> None:
        with ui.column().classes('w-full gap-1').bind_visibility_from(self.form, 'auth', value=AuthMethod.OAUTH.value):
            ui.select(
                {key: _(name) for key, name in PROVIDER_LABELS.items()}, label=_('Provider'), on_change=self.on_change
            ).bind_value(self.form, 'oauth_provider').props('outlined dense').classes('w-full').mark('oauth_provider')
            text_input('oauth_client_id', _('Client ID'), placeholder=_('from your app registration'))
            text_input('oauth_client_secret', _('Client secret (Google; others only if they give one)'), password=True)
            unreadable_note('oauth_client_secret')
            with ui.column().classes('w-full gap-1').bind_visibility_from(self.form, 'oauth_provider', value='other'):
                text_input('oauth_authorize_url', _('Authorisation address'), placeholder='https://…/authorize')
                text_input('oauth_token_url', _('Token address'), placeholder='https://…/token')
                text_input('oauth_device_url', _('Device authorisation address (optional)'), placeholder='https://…')
                text_input('oauth_scope', _('Scope'), placeholder=_('the scope for sending mail over SMTP'))
            with ui.row().classes('w-full items-center gap-2'):
                ui.icon('account_circle', color='primary')
                self.account = ui.label().classes('text-sm grow').mark('oauth-account')
            with ui.row().classes('w-full gap-2'):
                self.sign_in_button = ui.button(on_click=self.sign_in).props('unelevated no-caps').mark('oauth-sign-in')
                self.code_button = (
                    ui.button(_('Sign in with a code'), on_click=self.sign_in_with_code)
                    .props('outline no-caps')
                    .tooltip(_('For a browser on another computer: enter a code there'))
                    .mark('oauth-sign-in-code')
                )
                self.sign_out_button = (
                    ui.button(_('Sign out'), on_click=self.sign_out).props('flat no-caps').mark('oauth-sign-out')
                )
            with ui.column().classes('w-full gap-1') as self.progress:
                self.progress_text = ui.label().classes('text-sm').mark('oauth-progress')
                with ui.row().classes('gap-2'):
                    self.progress_link = ui.link(_('Open the sign-in page'), '#', new_tab=True).mark('oauth-open')
                    ui.button(_('Cancel'), on_click=self.cancel).props('flat dense no-caps').mark('oauth-cancel')
            self.progress.set_visibility(False)

    # --- state shown ------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        settings = self.form.to_settings()
        provider = oauth_provider(settings)
        self.sign_in_button.set_text(
            _('Sign in with {provider}').format(provider=provider.name) if provider.key != 'other' else _('Sign in')
        )
        self.code_button.set_visibility(bool(provider.device_url))
        saved = self.saved_state(settings)
        signed_in = bool(self.form.oauth_refresh_token) or saved is SavedSecret.FITS
        self.sign_out_button.set_visibility(signed_in or saved is not SavedSecret.NOT_SAVED)
        self.account.set_text(self.describe(settings, saved))

    def saved_state(self, settings: EmailSettings) -> SavedSecret:
        return self.repository.saved_secret(settings, 'oauth_refresh_token')

    def describe(self, settings: EmailSettings, saved: SavedSecret) -> str:
        who = self.form.oauth_account or settings.username or _('your account')
        if self.form.oauth_refresh_token:
            return _('Signed in as {account}: press Update to save the sign-in.').format(account=who)
        if saved is SavedSecret.FITS:
            return _('Signed in as {account}.').format(account=who)
        if saved is SavedSecret.UNREADABLE:
            return _('The saved sign-in can no longer be read: sign in again.')
        if saved is SavedSecret.OTHER_CONNECTION:
            return _('The saved sign-in was made for another server, account or app registration: sign in again.')
        return _('Not signed in.')

    def preselect(self) -> None:
        """Switching to a sign-in: Microsoft or Google from the SMTP server, when it says which."""
        if found := provider_for_host(self.form.host):
            self.form.oauth_provider = found

    # --- actions ----------------------------------------------------------------------------------------------------

    def app(self) -> OAuthApp | None:
        """The app registration from the form (a blank client secret uses the saved one), or None after saying why."""
        settings = self.form.to_settings()
        problems = oauth_errors(settings, signed_in=True)
        settings = self.repository.with_saved_secrets(settings, require=False)
        provider = oauth_provider(settings)
        if provider.secret_required and not settings.oauth_client_secret:
            problems['oauth_client_secret'] = _('{provider} needs the client secret of your app registration.').format(
                provider=provider.name
            )
        if problems:
            said = _('Cannot sign in yet. {problems}').format(problems=' '.join(problems.values()))
            ui.notify(said, type='negative', multi_line=True)
            return None
        return OAuthApp.of(settings)

    async def sign_in(self) -> None:
        app = self.app()
        if app is None:
            return
        pending = self.signins.begin(app, self.redirect_uri)
        self.show_progress(
            _(
                'Continue in the new tab: sign in with {provider} and allow Mailroom to send. No new tab? '
                'Open the sign-in page with the link below.'
            ).format(provider=app.provider.name)
        )
        self.progress_link.props(f'href="{pending.url}"')
        self.progress_link.set_visibility(True)
        # A new tab keeps this page (and its unsaved form) open; the link stays for a browser that blocks it.
        ui.run_javascript(f'window.open({json.dumps(pending.url)}, "_blank")')
        await self.finish(self.signins.result(pending), lambda: self.signins.cancel(pending))

    async def sign_in_with_code(self) -> None:
        from core.oauth.client import request_device_code, wait_for_device

        app = self.app()
        if app is None:
            return
        try:
            device = await request_device_code(app)
        except OAuthFailure as failure:
            self.failed(failure)
            return
        self.show_progress(
            _(
                'On any computer or phone, open {address} and enter the code {code}. '
                'This page continues once you have signed in there.'
            ).format(address=device.verification_uri, code=device.user_code)
        )
        self.progress_link.props(f'href="{device.verification_uri}"')
        self.progress_link.set_visibility(True)
        await self.finish(wait_for_device(app, device), lambda: None)

    async def finish(self, result: Awaitable[TokenSet], cancel: Callable[[], None]) -> None:
        """Wait for the sign-in (a task the Cancel button can stop), then keep its tokens in the form."""

        async def wait() -> None:
            try:
                token = await result
            except OAuthFailure as failure:
                self.failed(failure)
            except TimeoutError:
                self.hide_progress()
                ui.notify(_('The sign-in took too long and was stopped. Press Sign in to try again.'), type='warning')
            else:
                self.signed_in(token)

        self.waiting = asyncio.create_task(wait())
        try:
            await self.waiting
        except asyncio.CancelledError:
            cancel()
            self.hide_progress()

    def cancel(self) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.cancel()
        ui.notify(_('Sign-in cancelled.'))

    def signed_in(self, token: TokenSet) -> None:
        self.hide_progress()
        self.form.oauth_refresh_token = token.refresh_token
        if token.account:
            self.form.oauth_account = token.account
            self.form.username = token.account
        else:
            self.form.oauth_account = self.form.username
        settings = replace(self.form.to_settings(), oauth_refresh_token=token.refresh_token)
        self.tokens.remember(settings, token)
        self.on_change()
        said = _('Signed in as {account}. Test the settings, then press Update to save.')
        ui.notify(said.format(account=self.form.oauth_account or _('your account')), type='positive')

    def failed(self, failure: OAuthFailure) -> None:
        self.hide_progress()
        said = explain(failure.cause, reply=failure.detail)
        ui.notify(
            _('Not signed in. {explanation}').format(explanation=said.text()),
            type='negative',
            multi_line=True,
            timeout=0,
            close_button=True,
        )

    def sign_out(self) -> None:
        """Forget the sign-in here and in the saved settings at once; sending with it stops."""
        settings = self.form.to_settings()
        self.tokens.forget(settings)
        self.form.oauth_refresh_token = ''
        self.form.oauth_account = ''
        self.repository.forget_sign_in()
        self.on_forgotten()
        self.on_change()
        ui.notify(_('Signed out: the sign-in is forgotten. Sign in again to send with this account.'), type='info')

    def show_progress(self, text: str) -> None:
        self.progress_text.set_text(text)
        self.progress.set_visibility(True)

    def hide_progress(self) -> None:
        self.progress.set_visibility(False)


def registration_card(key: str, redirect_uri: str) -> None:
    """The provider card's steps for registering your own app: the redirect URI to paste and the exact scopes."""
    steps = registration(key, redirect_uri)
    heading = (
        _('Sign in with {provider}: register your app').format(provider=_(PROVIDER_LABELS[key]))
        if key in ('microsoft', 'google')
        else _('Sign in with your provider: register your app')
    )
    with ui.card().classes('w-full bg-blue-1').props('flat bordered').mark('oauth-card'):
        ui.label(heading).classes('text-h6')
        ui.label(
            _('Mailroom ships no app of its own: you register one (free, once) and paste its client ID here.')
        ).classes('text-sm text-grey-8')
        with ui.column().classes('gap-1'):
            for number, step in enumerate(steps.steps, start=1):
                ui.label(f'{number}. {_(step)}').classes('text-sm')
        for note in steps.notes:
            with ui.row().classes('items-start no-wrap gap-1'):
                ui.icon('info', color='orange-9', size='xs').classes('mt-1')
                ui.label(_(note)).classes('text-sm')
