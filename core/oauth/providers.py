"""The OAuth providers Mailroom knows: endpoints and scopes for Microsoft and Google, and "Other" from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.i18n import N_, _
from core.settings import EmailSettings

ACCOUNT_SCOPES = 'openid email'
"""Asked for beside the mail scope so the token answer names the account signed in (the id_token's email)."""


@dataclass(frozen=True)
class OAuthProvider:
    key: str
    name: str
    authorize_url: str
    token_url: str
    device_url: str
    scope: str  # what the app registration must allow, exactly as the provider card shows it
    secret_required: bool
    authorize_params: dict[str, str] = field(default_factory=dict)
    ask_account: bool = True

    @property
    def requested_scope(self) -> str:
        return f'{self.scope} {ACCOUNT_SCOPES}' if self.ask_account else self.scope

    @property
    def mail_scopes(self) -> frozenset[str]:
        """The scopes that let the token send mail; a token granted without them cannot sign in to SMTP."""
        return frozenset(s for s in self.scope.split() if s not in ('offline_access', 'openid', 'email', 'profile'))


_MICROSOFT_BASE = 'https://login.microsoftonline.com/common/oauth2/v2.0'
MICROSOFT = OAuthProvider(
    key='microsoft',
    name='Microsoft',
    authorize_url=f'{_MICROSOFT_BASE}/authorize',
    token_url=f'{_MICROSOFT_BASE}/token',
    device_url=f'{_MICROSOFT_BASE}/devicecode',
    scope='https://outlook.office.com/SMTP.Send offline_access',
    secret_required=False,
    authorize_params={'prompt': 'select_account'},
)
GOOGLE = OAuthProvider(
    key='google',
    name='Google',
    authorize_url='https://accounts.google.com/o/oauth2/auth',
    token_url='https://oauth2.googleapis.com/token',
    device_url='',  # Google's device flow does not allow the mail scope
    scope='https://mail.google.com/',
    secret_required=True,
    # A refresh token comes back only with offline access, and reliably only when consent is asked again.
    authorize_params={'access_type': 'offline', 'prompt': 'consent'},
)
PROVIDER_LABELS: dict[str, str] = {
    'microsoft': N_('Microsoft (Outlook.com, Microsoft 365)'),
    'google': N_('Google (Gmail, Google Workspace)'),
    'other': N_('Other OAuth provider'),
}
"""Marked for translation: shown with _()."""


def oauth_provider(settings: EmailSettings) -> OAuthProvider:
    """The provider the settings sign in with; "other" takes its endpoints and scope from the settings."""
    if settings.oauth_provider == MICROSOFT.key:
        return MICROSOFT
    if settings.oauth_provider == GOOGLE.key:
        return GOOGLE
    return OAuthProvider(
        key='other',
        name=_('your provider'),
        authorize_url=settings.oauth_authorize_url,
        token_url=settings.oauth_token_url,
        device_url=settings.oauth_device_url,
        scope=settings.oauth_scope,
        secret_required=False,
        ask_account=False,
    )


def provider_for_host(host: str) -> str | None:
    """Microsoft or Google from the SMTP server name, to preselect the provider."""
    name = host.strip().rstrip('.').lower()
    if name.endswith(('office365.com', 'outlook.com', 'hotmail.com', 'live.com')):
        return MICROSOFT.key
    if name.endswith(('gmail.com', 'googlemail.com', 'google.com')):
        return GOOGLE.key
    return None


@dataclass(frozen=True)
class Registration:
    """How to register your own app with the provider, in the order a person clicks through it."""

    steps: tuple[str, ...]
    notes: tuple[str, ...]


def registration(key: str, redirect_uri: str) -> Registration:
    """The provider card's steps in the current language; the redirect URI is the one this Mailroom listens on."""
    if key == MICROSOFT.key:
        return Registration(
            steps=(
                _(
                    'Open entra.microsoft.com → App registrations → New registration. Name it Mailroom. Supported '
                    'account types: your organisation only (Microsoft 365), or "any organizational directory and '
                    'personal Microsoft accounts" (Outlook.com).'
                ),
                _('Redirect URI: choose "Public client/native (mobile & desktop)" and paste {redirect_uri}').format(
                    redirect_uri=redirect_uri
                ),
                _(
                    'API permissions → Add a permission → APIs my organization uses → Office 365 Exchange Online → '
                    'Delegated permissions → SMTP.Send. Mailroom asks for exactly: {scope} (and "{account_scopes}" to '
                    'show which account signed in).'
                ).format(scope=MICROSOFT.scope, account_scopes=ACCOUNT_SCOPES),
                _('Authentication → Allow public client flows: Yes (needed only for "Sign in with a code").'),
                _('Copy the Application (client) ID from Overview into Client ID here. No client secret is needed.'),
            ),
            notes=(
                _(
                    'Microsoft 365 only: sending over SMTP must be allowed for the mailbox, even with a sign-in. An '
                    'administrator runs, in Exchange Online PowerShell: {command}'
                ).format(
                    command='Set-CASMailbox -Identity you@yourcompany.com -SmtpClientAuthenticationDisabled $false'
                ),
                _(
                    'Many organisations let only an administrator approve a new app: if the sign-in says "Need admin '
                    'approval", ask them to grant admin consent to your app registration.'
                ),
            ),
        )
    if key == GOOGLE.key:
        return Registration(
            steps=(
                _(
                    'Open console.cloud.google.com, create a project, then APIs & Services → OAuth consent screen. '
                    'User type: Internal for Google Workspace (recommended), External for a personal Gmail account.'
                ),
                _('Data access (scopes) → Add: {scope}').format(scope=GOOGLE.scope),
                _(
                    'Clients (Credentials) → Create client → Application type "Desktop app". Google accepts any port '
                    'on 127.0.0.1 for a desktop app, so there is no redirect URI to paste (Mailroom uses '
                    '{redirect_uri}).'
                ).format(redirect_uri=redirect_uri),
                _(
                    'Copy the Client ID and the Client secret into the fields here. For a desktop app the secret is '
                    'not really secret, but Mailroom stores it encrypted all the same.'
                ),
            ),
            notes=(
                _(
                    'While an External app is in "Testing", Google ends every sign-in after 7 days and sending stops: '
                    'press Publish app (or use Internal for Workspace) so the sign-in lasts.'
                ),
                _('For a personal Gmail account an app password (Authentication: Password) is the simpler way.'),
            ),
        )
    return Registration(
        steps=(
            _(
                'Register an app with your provider as a public (desktop) client with the redirect URI {redirect_uri}'
            ).format(redirect_uri=redirect_uri),
            _(
                'Copy its client ID (and client secret, if it gives one), its authorisation and token addresses, and '
                'the scope it documents for sending mail over SMTP into the fields here.'
            ),
        ),
        notes=(_('Sign in with a code works only if your provider has a device authorisation address.'),),
    )
