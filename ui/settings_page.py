"""The Email settings page: the seed's form, bound live to SettingsForm, with provider help, the test and Update."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from nicegui import ui
from starlette.requests import Request

from core.diagnostics.events import SettingsChange
from core.discovery.model import Proposal, SignIn, UsernameForm
from core.i18n import N_, _
from core.oauth.providers import GOOGLE, MICROSOFT
from core.oauth.signins import CALLBACK_PATH
from core.providers import Provider, detect_provider, is_well_known_host
from core.settings import (
    PORT_CHOICES,
    PORT_LABELS,
    SECRET_FIELDS,
    SECURITY_LABELS,
    AuthMethod,
    EmailSettings,
    Protocol,
    SavedSecret,
    SecretUnavailable,
    Security,
    address_warnings,
    port_explanation,
    secret_in_use,
    security_label,
    suggest_host_fix,
    url_warning,
)
from ui.components import sign_in_again_notice
from ui.deliverability_panel import deliverability_panel
from ui.diagnostics_panel import DiagnosticsPanel
from ui.discovery_panel import FindSettings
from ui.language import page
from ui.layout import frame
from ui.notices import PageNotifier
from ui.sending_limits_card import remember_size, sending_limits_card
from ui.services import Services
from ui.settings_form import SettingsForm
from ui.sign_in_panel import SignInPanel, registration_card

PASSWORD_SAVED_PLACEHOLDER = N_('Saved — leave blank to keep')
ADDRESS_FIELDS = ('username', 'email', 'reply_to_http', 'reply_to', 'bcc')
TLS_WARNING = N_(
    'Skips the check that the server is who it claims to be. Use it only when you send from your own server with a '
    'self-signed certificate.'
)
TLS_WARNING_WELL_KNOWN = N_(
    '{provider} always has a valid certificate. If verification fails with {provider}, something between you and '
    'the server is intercepting the connection (a proxy, antivirus or attacker). Do not tick this.'
)
UNREADABLE_NOTES: dict[str, str] = {
    'password': N_('The saved password can no longer be read: enter it again.'),
    'http_token': N_('The saved access token can no longer be read: enter it again.'),
    'oauth_client_secret': N_('The saved client secret can no longer be read: enter it again.'),
}
"""Beside each secret field whose saved secret the key can no longer decrypt."""
PLAINTEXT_WARNING = N_(
    'With no encryption, your password and every email (with its attached documents) travel across the network in '
    'readable form. Anyone on the network path can read them and take over the account. Choose this only for a server '
    'on your own machine or local network that offers no encryption.'
)


OAUTH_PROVIDERS_BY_NAME = {provider.name: provider for provider in (MICROSOFT, GOOGLE)}
"""Find my settings names the sign-in a server needs ("Microsoft", "Google"); these are the ones Mailroom does."""


def register(services: Services) -> None:
    @page('/settings')
    def settings_page(request: Request) -> None:
        with frame(_('Email settings')):
            SettingsEditor(services, redirect_uri(request)).build()


def redirect_uri(request: Request) -> str:
    """Where the provider sends the browser back: this Mailroom on 127.0.0.1 (providers allow any loopback port)."""
    return f'http://127.0.0.1:{request.url.port or 80}{CALLBACK_PATH}'


class SettingsEditor:
    """One editor per browser tab; its form is the single source of truth for every input on the page."""

    def __init__(self, services: Services, redirect_uri: str = f'http://127.0.0.1:8080{CALLBACK_PATH}') -> None:
        self.repository = services.folder.settings
        self.outbox = services.outbox
        self.business = services.folder.business
        self.remember_size = partial(remember_size, services.folder.server_facts)
        self.dns = services.dns
        self.limits_card = partial(sending_limits_card, services)
        self.form = SettingsForm.from_settings(self.repository.load_public())
        self.revision = self.repository.revision()  # what this page started from, to see another window's save
        self.inputs: dict[str, ui.input] = {}
        self.unreadable_notes: dict[str, ui.label] = {}
        self.labels: dict[str, str] = {'security': _('Connection security'), 'oauth_account': _('Sign-in')}
        self.address_notes: dict[str, ui.label] = {}
        self.built = False
        self.confirming_plaintext = False
        self.notify = PageNotifier()  # a refresh can replace the provider card whose button asked for a toast
        self.redirect_uri = redirect_uri
        self.sign_in = SignInPanel(
            self.form, self.repository, services.tokens, services.signins, redirect_uri, self.refresh, self.saved_here
        )
        self.finder = FindSettings(
            services.discovery,
            services.folder.preferences,
            lambda: self.form.to_settings().sender_address,
            self.use_found,
            lambda: self.tester.start(),
        )

    def build(self) -> None:
        with ui.row().classes('w-full items-center'):
            ui.label(_('Connect Mailroom to your outgoing mail service.')).classes('text-grey-8')
            ui.space()
            self.unsaved = ui.badge(_('Unsaved changes'), color='orange').props('outline')
        if self.outbox.paused_for_sign_in():
            sign_in_again_notice(link=False)
        with ui.row().classes('w-full items-start gap-6 no-wrap max-lg:flex-wrap'):
            with ui.card().classes('w-full max-w-xl').props('flat bordered'):
                self._protocol_section()
                self._http_section()
                self._smtp_section()
                self._options_section()
                self._security_section()
                ui.separator()
                with ui.row().classes('w-full justify-end'):
                    ui.button(_('Update'), icon='save', on_click=self.update).props('unelevated')
            with ui.column().classes('grow min-w-80 gap-4'):
                self.provider_help = ui.column().classes('w-full')
                with ui.card().classes('w-full').props('flat bordered'):
                    ui.label(_('Test email settings')).classes('text-h6')
                    self.tester = DiagnosticsPanel(
                        self.settings_for_test,
                        self.business_name,
                        self.apply_change,
                        self.remember_size,
                        lambda steps: delivery.after_test(steps),
                        self.sign_in.tokens,
                    )
                    self.tester.build()
                with ui.card().classes('w-full').props('flat bordered').mark('deliverability'):
                    ui.label(_('Deliverability')).classes('text-h6')
                    delivery = deliverability_panel(self.form.to_settings, self.dns)
                self.limits_card()  # how fast batches go: beside the test, not under the form's Update
        self.built = True
        self.refresh()

    # --- sections -------------------------------------------------------------------------------------------------

    def _protocol_section(self) -> None:
        ui.label(_('Protocol')).classes('text-subtitle2 text-grey-8')
        ui.toggle({Protocol.SMTP.value: 'SMTP', Protocol.HTTP.value: 'HTTP'}, on_change=self.refresh).bind_value(
            self.form, 'protocol'
        ).props('no-caps unelevated toggle-color=primary').mark('protocol')

    def _http_section(self) -> None:
        with ui.column().classes('w-full gap-1').bind_visibility_from(self.form, 'protocol', value='http'):
            self._text_input('http_server', _('HTTP server'), placeholder='https://email.example.com')
            self.url_warning = ui.label().classes('text-orange-9 text-sm')
            ui.label(_('Replies to your emails go to this address; usually your business email.')).classes(
                'text-grey-7 text-sm'
            )
            self._text_input('reply_to', _('Reply-to email'), placeholder='office@example.com', key='reply_to_http')
            self._text_input('http_token', _('Access token (only if your service gives you one)'), password=True)
            self._unreadable_note('http_token')

    def _smtp_section(self) -> None:
        with ui.column().classes('w-full gap-1').bind_visibility_from(self.form, 'protocol', value='smtp'):
            self._text_input('host', _('SMTP server'), placeholder='smtp.gmail.com')
            with ui.row().classes('w-full items-center gap-2') as self.host_fix_row:
                ui.icon('lightbulb', color='amber-8')
                self.host_fix_label = ui.label().classes('text-sm')
                ui.button(_('Apply'), on_click=self.apply_host_fix).props('flat dense no-caps').mark('apply-host-fix')
            with ui.row().classes('w-full items-start gap-2 no-wrap'):
                self._text_input('port', _('Port'), classes='w-28')
                security = (
                    ui.select(
                        {s.value: security_label(s) for s in SECURITY_LABELS},
                        label=_('Connection security'),
                        on_change=self.on_security_change,
                    )
                    .bind_value(self.form, 'security')
                    .classes('grow')
                    .mark('security')
                )
                security.props('outlined dense')
            with ui.row().classes('gap-2'):
                for port, explanation in PORT_CHOICES.items():
                    ui.button(_(PORT_LABELS[port]), on_click=lambda port=port: self.choose_port(port)).props(
                        'outline dense no-caps'
                    ).classes('px-2').tooltip(_(explanation)).mark(f'port-{port}')
            self.port_help = ui.label().classes('text-grey-7 text-sm')
            self._text_input('username', _('Username'), placeholder='you@example.com')
            self.finder.button()  # below the field, so a longer label (Icelandic) never squeezes it
            with ui.column().classes('w-full gap-0') as self.email_box:
                ui.label(_('Your username is not an email address: enter the address you send from.')).classes(
                    'text-grey-7 text-sm'
                )
                self._text_input('email', _('Email address'), placeholder='you@example.com')
            self.finder.panel()
            ui.label(_('Authentication')).classes('text-subtitle2 text-grey-8 mt-2')
            ui.toggle(
                {
                    AuthMethod.PASSWORD.value: _('Password'),
                    AuthMethod.OAUTH.value: _('Sign in with Microsoft, Google …'),
                },
                on_change=self.on_auth_change,
            ).bind_value(self.form, 'auth').props('no-caps unelevated toggle-color=primary').mark('auth')
            with (
                ui.column()
                .classes('w-full gap-1')
                .bind_visibility_from(self.form, 'auth', value=AuthMethod.PASSWORD.value)
            ):
                password = self._text_input('password', _('Password'), password=True)
                self._unreadable_note('password')
                ui.checkbox(
                    _('Show password'), on_change=lambda e: password.props(f'type={"text" if e.value else "password"}')
                )
            self.sign_in.build(self._text_input, self._unreadable_note)

    def _options_section(self) -> None:
        ui.label(_('Additional options')).classes('text-subtitle2 text-grey-8 mt-2')
        ui.checkbox(_('Send a copy of all emails to this address'), on_change=self.refresh).bind_value(
            self.form, 'bcc_enabled'
        )
        with ui.column().classes('w-full pl-8').bind_visibility_from(self.form, 'bcc_enabled'):
            self._text_input('bcc', _('Copy (BCC) address'), placeholder='records@example.com')
        with ui.column().classes('w-full gap-0').bind_visibility_from(self.form, 'protocol', value='smtp'):
            ui.checkbox(
                _('Receive replies at a different email address than you send from'), on_change=self.refresh
            ).bind_value(self.form, 'reply_to_enabled')
            with ui.column().classes('w-full pl-8').bind_visibility_from(self.form, 'reply_to_enabled'):
                self._text_input('reply_to', _('Reply-to email'), placeholder='office@example.com')

    def _security_section(self) -> None:
        with ui.column().classes('w-full gap-0').bind_visibility_from(self.form, 'protocol', value='smtp'):
            ui.label(_('Security settings')).classes('text-subtitle2 text-grey-8 mt-2')
            ui.checkbox(_('Do not verify TLS certificate'), on_change=self.refresh).bind_value(
                self.form, 'skip_tls_verify'
            )
            self.tls_warning = ui.label().classes('text-sm')

    def _text_input(
        self,
        name: str,
        label: str,
        *,
        placeholder: str = '',
        password: bool = False,
        classes: str = 'w-full',
        key: str | None = None,
    ) -> ui.input:
        field = (
            ui.input(
                label,
                placeholder=placeholder,
                password=password,
                validation=partial(self.field_error_for, name),
                on_change=self.refresh,
            )
            .bind_value(self.form, name, forward=_text_or_blank)
            .props('outlined dense')
            .classes(classes)
            .mark(key or name)
        )
        self.inputs[key or name] = field
        self.labels[key or name] = label
        if (key or name) in ADDRESS_FIELDS:  # what to know about a valid address: an internal domain, say
            self.address_notes[key or name] = ui.label().classes('text-sm text-orange-9').mark(f'{key or name}-note')
        return field

    def _unreadable_note(self, name: str) -> None:
        text = _(UNREADABLE_NOTES[name])
        self.unreadable_notes[name] = ui.label(text).classes('text-negative text-sm').mark(f'{name}-unreadable')

    # --- behaviour ------------------------------------------------------------------------------------------------

    def errors(self) -> dict[str, str]:
        settings = self.form.to_settings()
        saved = self.repository.saved_secret(settings, secret_in_use(settings))
        return self.form.errors(has_stored_password=saved is SavedSecret.FITS)

    def field_error_for(self, name: str, _value: object = None) -> str | None:
        """Errors depend on several fields (the email field on the username), so the whole form is checked."""
        return self.errors().get(name)

    def refresh(self) -> None:
        """Everything on the page that is derived from the form, recomputed after any change."""
        if not self.built:
            return  # bindings fire while the page is still being built
        form = self.form
        self.unsaved.set_visibility(form.differs_from(self.repository.load_public()))
        fix = suggest_host_fix(form.host)
        self.host_fix_row.set_visibility(fix is not None)
        if fix is not None:
            self.host_fix_label.set_text(_('Did you mean {fix}?').format(fix=fix.describe()))
        port = form.port_number()
        self.port_help.set_text(port_explanation(port) if port is not None else '')
        self.email_box.set_visibility(form.to_settings().needs_email_field)
        self.url_warning.set_text(url_warning(form.http_server) or '')
        self._refresh_tls_warning()
        self._refresh_address_notes()
        self._refresh_provider_help()
        self._refresh_secret_placeholders()
        self.sign_in.refresh()

    def _refresh_secret_placeholders(self) -> None:
        """ "Saved" only while the saved secret belongs to the very connection on the form; change any part and
        the field asks for it again."""
        settings = self.form.to_settings()
        for name in (name for name in SECRET_FIELDS if name in self.unreadable_notes):
            saved = self.repository.saved_secret(settings, name)
            placeholder = _(PASSWORD_SAVED_PLACEHOLDER) if saved is SavedSecret.FITS else ''
            # the label stays above the field, so "Saved" shows without focus (Quasar hides a placeholder under a label)
            stacked = 'stack-label' if placeholder else ''
            self.inputs[name].props(
                f'placeholder="{placeholder}" {stacked}', remove='' if placeholder else 'stack-label'
            )
            self.unreadable_notes[name].set_visibility(saved is SavedSecret.UNREADABLE and not getattr(settings, name))

    def _refresh_address_notes(self) -> None:
        notes = address_warnings(self.form.to_settings())
        for key, label in self.address_notes.items():
            label.set_text(notes.get(key.removesuffix('_http'), ''))

    def _refresh_tls_warning(self) -> None:
        provider = detect_provider(host=self.form.host)
        strong = self.form.skip_tls_verify and is_well_known_host(self.form.host)
        text = (
            _(TLS_WARNING_WELL_KNOWN).format(provider=provider.name if provider else _('This provider'))
            if strong
            else _(TLS_WARNING)
        )
        self.tls_warning.set_text(text)
        self.tls_warning.classes(replace='text-sm ' + ('text-negative font-medium' if strong else 'text-grey-7'))

    def _refresh_provider_help(self) -> None:
        settings = self.form.to_settings()
        provider = None
        if settings.protocol is Protocol.SMTP:
            provider = detect_provider(host=settings.host, email=settings.sender_address)
        self.provider_help.clear()
        self.provider_help.set_visibility(provider is not None or settings.uses_oauth)
        with self.provider_help:
            if settings.uses_oauth:
                registration_card(settings.oauth_provider, self.redirect_uri)
            if provider is not None:
                provider_card(provider, on_use=lambda: self.use_provider(provider), password=not settings.uses_oauth)

    def on_auth_change(self) -> None:
        if self.form.auth == AuthMethod.OAUTH.value and not self.form.oauth_client_id:
            self.sign_in.preselect()
        self.refresh()

    def saved_here(self) -> None:
        """This page changed the saved settings itself (Sign out): no other window did."""
        self.revision = self.repository.revision()

    def choose_port(self, port: int) -> None:
        self.form.port = str(port)
        self.refresh()

    def apply_host_fix(self) -> None:
        fix = suggest_host_fix(self.form.host)
        if fix is None:
            return
        self.form.host = fix.host
        if fix.port is not None:
            self.form.port = str(fix.port)
        if fix.security is not None:
            self.form.security = Security.AUTO.value if fix.port in (465, 587) else fix.security.value
        self.refresh()

    def use_provider(self, provider: Provider) -> None:
        self.form.host = provider.host
        self.form.port = str(provider.port)
        self.form.security = Security.AUTO.value
        self.refresh()
        then = (
            _('{provider} settings filled in. Now sign in.')
            if self.form.auth == AuthMethod.OAUTH.value
            else _('{provider} settings filled in. Now enter your password.')
        )
        self.notify(then.format(provider=provider.name), type='info')

    def use_found(self, proposal: Proposal) -> None:
        """Fill the form from Find my settings; like every edit it is saved only by Update."""
        address = self.form.to_settings().sender_address
        self.form.protocol = 'smtp'
        self.form.host = proposal.host
        self.form.port = str(proposal.port)
        by_port = EmailSettings(port=proposal.port).effective_security
        self.form.security = Security.AUTO.value if by_port is proposal.security else proposal.security.value
        if proposal.username_form is not UsernameForm.FULL_ADDRESS:
            self.form.email = address  # the username is not the address: the page asks for it apart
        if proposal.username:
            self.form.username = proposal.username
        sign_in = OAUTH_PROVIDERS_BY_NAME.get(proposal.oauth_provider) if proposal.sign_in is SignIn.OAUTH else None
        if sign_in is not None:  # the server refuses passwords: its provider's sign-in is the way in
            self.form.auth = AuthMethod.OAUTH.value
            self.form.oauth_provider = sign_in.key
        self.refresh()
        if sign_in is not None:
            filled = _(
                'Filled in: {settings} (source: {source}). This server takes no password: sign in with {provider}, '
                'test, then Update to save.'
            )
        elif proposal.username:
            filled = _('Filled in: {settings} (source: {source}). Enter your password, test, then Update to save.')
        else:
            filled = _(
                'Filled in: {settings} (source: {source}). Ask your provider for your username and enter it. '
                'Enter your password, test, then Update to save.'
            )
        said = filled.format(
            settings=proposal.describe(), source=proposal.source_detail, provider=sign_in.name if sign_in else ''
        )
        self.notify(said, type='info')

    def apply_change(self, change: SettingsChange) -> None:
        """A fix offered by the settings test, e.g. Connection security SSL/TLS for a port that speaks TLS first."""
        self.form.apply(change.field, change.value)
        self.refresh()
        ui.notify(_('{change}: done. Test again, then Update to save.').format(change=change.label), type='positive')

    async def on_security_change(self) -> None:
        if self.confirming_plaintext:
            return  # the value echoes back through the binding while the question is open
        if self.form.security == Security.NONE.value and not self.form.allow_plaintext:
            self.confirming_plaintext = True
            try:
                accepted = await confirm_plaintext()
            finally:
                self.confirming_plaintext = False
            if accepted:
                self.form.allow_plaintext = True
            else:
                self.form.security = Security.AUTO.value
        elif self.form.security != Security.NONE.value:
            self.form.allow_plaintext = False
        self.refresh()

    def business_name(self) -> str:
        """The sender's display name in the test email, as customers will see it on real ones."""
        profile = self.business.load()
        return profile.name if profile is not None and profile.name else 'Mailroom'

    def settings_for_test(self) -> EmailSettings | None:
        """The unsaved form for the settings test; a blank secret field uses the saved one only where it belongs."""
        if not self.validate_all():
            return None
        try:
            return self.repository.with_saved_secrets(self.form.to_settings())
        except SecretUnavailable as error:
            ui.notify(str(error), type='negative')
            return None

    def validate_all(self) -> bool:
        errors = self.errors()
        for field in self.inputs.values():
            field.validate()
        if 'oauth_account' in errors:  # no field to mark in red: the sign-in itself is missing
            ui.notify(errors['oauth_account'], type='negative')
        return not errors

    def describe(self, errors: dict[str, str]) -> str:
        """Each wrong field by the label it has on the page (the HTTP and SMTP reply-to share one name)."""
        http = self.form.protocol == Protocol.HTTP.value
        key = {'reply_to': 'reply_to_http'} if http else {}
        return ' '.join(
            _('{field}: {problem}').format(field=self.labels.get(key.get(n, n), n), problem=problem)
            for n, problem in errors.items()
        )

    def update(self) -> None:
        errors = self.errors()
        for field in self.inputs.values():
            field.validate()
        if errors:
            ui.notify(
                _('Not saved. {problems}').format(problems=self.describe(errors)), type='negative', multi_line=True
            )
            return
        if self.repository.revision() != self.revision:
            self.ask_overwrite()
            return
        settings = self.form.to_settings()
        if settings.oauth_refresh_token:  # a test may have refreshed the new sign-in meanwhile (and rotated it)
            self.form.oauth_refresh_token = self.sign_in.tokens.latest_refresh_token(settings)
        self.repository.save(self.form.to_settings())
        self.revision = self.repository.revision()
        self.outbox.settings_saved()
        for name in SECRET_FIELDS:
            setattr(self.form, name, '')
        self.refresh()
        self.notify(_('Email settings saved. The Email button now appears on your documents.'), type='positive')

    def ask_overwrite(self) -> None:
        """Another window saved since this page was opened: overwrite that, or show it here instead."""

        def overwrite() -> None:
            dialog.close()
            self.revision = self.repository.revision()
            self.update()

        def reload() -> None:
            dialog.close()
            self.form.load(self.repository.load_public())
            self.revision = self.repository.revision()
            self.refresh()
            self.notify(_('Showing the settings saved in the other window. Nothing was saved from this page.'))

        with ui.dialog() as dialog, ui.card().classes('max-w-md'):
            ui.label(_('Saved in another window')).classes('text-h6')
            ui.label(
                _(
                    'These settings were changed in another window since you opened this page. Overwrite them with '
                    'what is on this page, or reload the saved settings (your changes on this page are then dropped).'
                )
            )
            with ui.row().classes('w-full justify-end'):
                ui.button(_('Reload'), on_click=reload).props('flat').mark('reload-settings')
                ui.button(_('Overwrite'), on_click=overwrite).props('unelevated').mark('overwrite-settings')
        dialog.on('hide', dialog.delete)
        dialog.open()


def _text_or_blank(value: str | None) -> str:
    """A cleared input reports None; the form keeps text."""
    return value or ''


def provider_card(provider: Provider, *, on_use: Callable[[], None], password: bool = True) -> None:
    """The provider's settings; its password steps and notes only when signing in with a password."""
    with ui.card().classes('w-full bg-blue-1').props('flat bordered').mark('provider-card'):
        ui.label(_('{provider} detected').format(provider=provider.name)).classes('text-h6')
        server = _('Server {host}, port {port}, {security}.')
        ui.label(
            server.format(host=provider.host, port=provider.port, security=security_label(provider.security))
        ).classes('text-sm')
        ui.label(_(provider.username_hint)).classes('text-sm text-grey-8')
        ui.button(_('Use these settings'), icon='auto_fix_high', on_click=on_use).props('unelevated dense no-caps')
        if provider.steps and password:
            with ui.column().classes('gap-0'):
                for number, step in enumerate(provider.steps, start=1):
                    ui.label(f'{number}. {_(step)}').classes('text-sm')
        for note in provider.notes if password else ():
            with ui.row().classes('items-start no-wrap gap-1'):
                ui.icon('info', color='orange-9', size='xs').classes('mt-1')
                ui.label(_(note)).classes('text-sm')


async def confirm_plaintext() -> bool:
    with ui.dialog() as dialog, ui.card().classes('max-w-md'):
        ui.label(_('Send without encryption?')).classes('text-h6 text-negative')
        ui.label(_(PLAINTEXT_WARNING))
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Keep encryption'), on_click=lambda: dialog.submit(False)).props('flat')
            ui.button(_('I understand, send unencrypted'), on_click=lambda: dialog.submit(True)).props('color=negative')
    result = await dialog
    dialog.delete()
    return bool(result)
