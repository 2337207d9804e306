"""Email settings as one immutable value, its validation and the facts derived from it."""

from __future__ import annotations

import functools
import ipaddress
import re
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from core import addresses
from core.i18n import N_, _
from core.i18n.phrase import phrase


class Protocol(StrEnum):
    HTTP = 'http'
    SMTP = 'smtp'


class Security(StrEnum):
    AUTO = 'auto'
    SSL = 'ssl'
    STARTTLS = 'starttls'
    NONE = 'none'


SECURITY_LABELS: dict[Security, str] = {
    Security.AUTO: N_('Auto (by port)'),
    Security.SSL: 'SSL/TLS',
    Security.STARTTLS: 'STARTTLS',
    Security.NONE: N_('None (unencrypted)'),
}
"""Marked where defined; shown with `security_label`, in the language of the reader."""

PORT_LABELS: dict[int, str] = {465: '465 · SSL/TLS', 587: '587 · STARTTLS', 25: N_('25 · often blocked')}

PORT_CHOICES: dict[int, str] = {
    465: N_('Encrypted from the first byte (SSL/TLS). Recommended.'),
    587: N_('Mail submission; encryption switched on with STARTTLS. Recommended.'),
    25: N_('Old server-to-server port; often blocked by networks and providers.'),
}

SECRET_FIELDS: tuple[str, ...] = ('password', 'http_token', 'oauth_client_secret', 'oauth_refresh_token')
"""The secrets: encrypted at rest, never sent to the browser, never logged, and each bound to its connection."""

SECRET_LABELS: dict[str, str] = {
    'password': N_('password'),
    'http_token': N_('access token'),
    'oauth_client_secret': N_('client secret'),
    'oauth_refresh_token': N_('sign-in'),
}

UNREADABLE_SECRET: dict[str, str] = {
    'password': N_('The saved password can no longer be read: enter it again on the Email settings page.'),
    'http_token': N_('The saved access token can no longer be read: enter it again on the Email settings page.'),
    'oauth_client_secret': N_(
        'The saved client secret can no longer be read: enter it again on the Email settings page.'
    ),
    'oauth_refresh_token': N_(
        'The saved sign-in can no longer be read: press Sign in again on the Email settings page, then Update.'
    ),
}
OTHER_CONNECTION_SECRET: dict[str, str] = {
    'password': N_(
        'The saved password was saved for another connection, so it is not sent to {target}: enter the password again.'
    ),
    'http_token': N_(
        'The saved access token was saved for another connection, so it is not sent to {target}: '
        'enter the access token again.'
    ),
    'oauth_client_secret': N_(
        'The saved client secret was saved for another connection, so it is not sent to {target}: '
        'enter the client secret again.'
    ),
    'oauth_refresh_token': N_(
        'The saved sign-in was made for another connection or account than {target}: press Sign in again on the '
        'Email settings page, then Update.'
    ),
}
"""Whole sentences per secret, so each language words its own (a secret's name changes form inside a sentence)."""


class AuthMethod(StrEnum):
    """How Mailroom signs in to the SMTP server: the password, or a token from the provider's sign-in (XOAUTH2)."""

    PASSWORD = 'password'
    OAUTH = 'oauth'


OAUTH_FIELDS: tuple[str, ...] = ('oauth_authorize_url', 'oauth_token_url', 'oauth_device_url', 'oauth_scope')
"""The endpoints and scope of an "Other OAuth provider"; Microsoft and Google have theirs built in (core.oauth)."""


class SavedSecret(StrEnum):
    """Whether a blank secret field may use the saved secret: only one saved for this very connection."""

    NOT_SAVED = 'not-saved'
    FITS = 'fits'
    OTHER_CONNECTION = 'other-connection'
    UNREADABLE = 'unreadable'


class SecretUnavailable(Exception):
    """A secret is needed, one is saved, and it may not (or cannot) be used for this connection."""

    def __init__(self, name: str, state: SavedSecret, target: str) -> None:
        self.name = name
        self.state = state
        table = UNREADABLE_SECRET if state is SavedSecret.UNREADABLE else OTHER_CONNECTION_SECRET
        self.said = phrase(table[name], target=target)  # the email log words it for each reader
        super().__init__(str(self.said))


LOOPBACK_HOSTS = frozenset({'localhost', '127.0.0.1', '::1', '[::1]'})
TRIMMED_FIELDS: tuple[str, ...] = (
    'http_server',
    'host',
    'username',
    'email',
    'bcc',
    'reply_to',
    'oauth_client_id',
    'oauth_authorize_url',
    'oauth_token_url',
    'oauth_device_url',
    'oauth_scope',
)
"""Text fields whose surrounding spaces are typing noise; the secrets are kept exactly as typed."""


@dataclass(frozen=True)
class EmailSettings:
    """What the user chose on the Email settings form. Secrets travel only inside core/ and storage/."""

    protocol: Protocol = Protocol.SMTP
    http_server: str = ''
    http_token: str = field(default='', repr=False)
    host: str = ''
    port: int = 587
    security: Security = Security.AUTO
    username: str = ''
    email: str = ''
    password: str = field(default='', repr=False)
    bcc_enabled: bool = False
    bcc: str = ''
    reply_to_enabled: bool = False
    reply_to: str = ''
    skip_tls_verify: bool = False
    allow_plaintext: bool = False
    auth: AuthMethod = AuthMethod.PASSWORD
    oauth_provider: str = 'microsoft'
    oauth_client_id: str = ''
    oauth_client_secret: str = field(default='', repr=False)
    oauth_refresh_token: str = field(default='', repr=False)
    oauth_account: str = ''
    oauth_authorize_url: str = ''
    oauth_token_url: str = ''
    oauth_device_url: str = ''
    oauth_scope: str = ''

    def __post_init__(self) -> None:
        """Normalised once here, so no reader of a settings value has to strip it again."""
        for name in TRIMMED_FIELDS:
            object.__setattr__(self, name, getattr(self, name).strip())

    @property
    def uses_oauth(self) -> bool:
        """Signed in through the provider (XOAUTH2) rather than with a password; only for SMTP."""
        return self.protocol is Protocol.SMTP and self.auth is AuthMethod.OAUTH

    @functools.cached_property
    def needs_email_field(self) -> bool:
        """The seed's extra Email address field: shown when the username is not an email address. (Cached: the sender
        address depends on it, and a settings test asks for that a few times.)"""
        return self.protocol is Protocol.SMTP and bool(self.username) and not looks_like_email(self.username)

    @property
    def sender_address(self) -> str:
        if self.protocol is Protocol.HTTP:
            return self.reply_to
        return self.email if self.needs_email_field else self.username

    @property
    def effective_security(self) -> Security:
        """Auto means: 465 speaks TLS from the start, every other port must upgrade with STARTTLS."""
        if self.security is not Security.AUTO:
            return self.security
        return Security.SSL if self.port == 465 else Security.STARTTLS

    @property
    def reply_to_address(self) -> str | None:
        if self.protocol is Protocol.HTTP:
            return self.reply_to or None
        return self.reply_to if self.reply_to_enabled and self.reply_to else None

    @property
    def bcc_address(self) -> str | None:
        return self.bcc if self.bcc_enabled and self.bcc else None

    def to_public_dict(self) -> dict[str, Any]:
        """Every field except the secrets, as JSON-friendly values."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.name not in SECRET_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmailSettings:
        """Build from stored or form data; unknown keys are ignored, missing ones take defaults."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if 'protocol' in values:
            values['protocol'] = Protocol(values['protocol'])
        if 'security' in values:
            values['security'] = Security(values['security'])
        if 'auth' in values:
            values['auth'] = AuthMethod(values['auth'])
        if 'port' in values:
            values['port'] = int(values['port'])
        return cls(**values)


def secret_owner(settings: EmailSettings, name: str) -> dict[str, Any]:
    """The whole connection a secret was given for; change any part of it and the saved secret is not used."""
    if name == 'http_token':
        parts = urlsplit(settings.http_server)
        server = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
        return {'http_server': server, 'skip_tls_verify': settings.skip_tls_verify}
    app = {
        'provider': settings.oauth_provider,
        'client_id': settings.oauth_client_id,
        'token_url': settings.oauth_token_url,
    }
    if name == 'oauth_client_secret':  # the app registration's, whichever account signs in with it
        return app
    connection = {
        'host': settings.host.rstrip('.').lower(),
        'port': settings.port,
        'security': settings.effective_security.value,
        'skip_tls_verify': settings.skip_tls_verify,
        'allow_plaintext': settings.allow_plaintext,
        'username': settings.username,
    }
    if name == 'oauth_refresh_token':  # and the app and scope it was granted to
        return {**connection, **app, 'scope': settings.oauth_scope}
    return connection


def secrets_of(settings: EmailSettings) -> tuple[str, ...]:
    """Every secret these settings carry: what must never show in a transcript, the email log or a page."""
    return tuple(secret for name in SECRET_FIELDS if (secret := getattr(settings, name)))


def secret_in_use(settings: EmailSettings) -> str:
    """The one secret these settings sign in with."""
    if settings.protocol is Protocol.HTTP:
        return 'http_token'
    return 'oauth_refresh_token' if settings.uses_oauth else 'password'


def secret_target(settings: EmailSettings, name: str) -> str:
    """Where a secret would go, in the words of the page."""
    if name == 'http_token':
        return settings.http_server
    return _('{host} port {port} ({security})').format(
        host=settings.host, port=settings.port, security=security_label(settings.effective_security)
    )


def security_label(security: Security) -> str:
    """The connection security as the page names it, in the reader's language."""
    return _(SECURITY_LABELS[security])


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, StrEnum) else value


def looks_like_email(text: str) -> bool:
    """A username that is itself a valid address is the sender; the same rule as every other address field."""
    return '@' in text and '<' not in text and addresses.problem(text) is None


@dataclass(frozen=True)
class HostFix:
    """A typed host that carried a port or scheme, split into what belongs in each field."""

    host: str
    port: int | None
    security: Security | None

    def describe(self) -> str:
        parts = [_('SMTP server "{host}"').format(host=self.host)]
        if self.port is not None:
            parts.append(_('port {port}').format(port=self.port))
        if self.security is not None:
            parts.append(security_label(self.security))
        return ', '.join(parts)


_SCHEME_SECURITY = {'smtps': Security.SSL, 'smtp': None, 'submission': Security.STARTTLS}
_SCHEME_PORT = {'smtps': 465, 'smtp': None, 'submission': 587}


def suggest_host_fix(text: str) -> HostFix | None:
    """Recognise `smtp.gmail.com:587`, `smtps://host` and the like, which people paste into the host field."""
    raw = text.strip()
    match = re.match(r'^(?P<scheme>[a-z]+)://(?P<rest>.*)$', raw, re.IGNORECASE)
    scheme = match.group('scheme').lower() if match else None
    rest = match.group('rest') if match else raw
    rest = rest.split('/', 1)[0]
    port: int | None = _SCHEME_PORT.get(scheme or '')
    security = _SCHEME_SECURITY.get(scheme or '')
    host = rest
    port_match = re.match(r'^(?P<host>\[[^\]]+\]|[^:]+):(?P<port>\d{1,5})$', rest)
    if port_match:
        host, port = port_match.group('host'), int(port_match.group('port'))
        if port == 465 and security is None:
            security = Security.SSL
    if scheme is None and not port_match:
        return None
    host = host.strip('[]') if host.startswith('[') else host
    if not host or host_error(host):
        return None
    return HostFix(host=host, port=port, security=security)


def host_error(text: str) -> str | None:
    """A host name (international names allowed) or an IP address."""
    host = text.strip()
    if not host:
        return _('Enter the SMTP server name, for example smtp.gmail.com.')
    candidate = host[1:-1] if host.startswith('[') and host.endswith(']') else host
    try:
        ipaddress.ip_address(candidate)
        return None
    except ValueError:
        pass
    if suggest_host_fix_needed(host):
        return _('Enter only the server name here; the port and security have their own fields.')
    try:
        ascii_name = candidate.rstrip('.').encode('idna').decode('ascii')
    except UnicodeError:
        return _('This is not a valid server name.')
    labels = ascii_name.split('.')
    if len(ascii_name) > 253 or not all(re.fullmatch(r'(?!-)[A-Za-z0-9-]{1,63}(?<!-)', label) for label in labels):
        return _('This is not a valid server name: use letters, digits, dots and hyphens, like smtp.example.com.')
    return None


def suggest_host_fix_needed(host: str) -> bool:
    return '://' in host or bool(re.search(r':\d+$', host))


def is_loopback_host(host: str) -> bool:
    return host.strip().lower() in LOOPBACK_HOSTS or host.strip().startswith('127.')


def url_error(text: str) -> str | None:
    url = text.strip()
    if not url:
        return _('Enter the address of the HTTP email service, for example https://email.example.com.')
    parts = urlsplit(url)
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        return _('Enter a full web address starting with https://')
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return _('The port in this address is not a number between 1 and 65535.')
    return host_error(parts.hostname)


def url_warning(text: str) -> str | None:
    parts = urlsplit(text.strip())
    if parts.scheme == 'http' and parts.hostname and not is_loopback_host(parts.hostname):
        return _('This address is not encrypted (http://): your mail would cross the network readable. Use https://.')
    return None


def validate(settings: EmailSettings, *, has_stored_password: bool = False) -> dict[str, str]:
    """Field name -> what is wrong, in words for a non-expert. Empty means the settings can be saved.

    `has_stored_password`: the secret these settings sign in with (password or sign-in) is saved for them."""
    errors: dict[str, str] = {}
    if settings.protocol is Protocol.HTTP:
        if problem := url_error(settings.http_server):
            errors['http_server'] = problem
        if not settings.reply_to:
            errors['reply_to'] = _('Enter the address where replies to your emails should arrive.')
        elif problem := addresses.problem(settings.reply_to, name_allowed=False):
            errors['reply_to'] = problem
    else:
        if problem := host_error(settings.host):
            errors['host'] = problem
        if not 1 <= settings.port <= 65535:
            errors['port'] = _('The port is a number from 1 to 65535; usually 465 or 587.')
        if not settings.username:
            errors['username'] = _('Enter the name you sign in to your email service with (often your email address).')
        if settings.needs_email_field:
            if not settings.email:
                errors['email'] = _('Your username is not an email address: enter the address you send from.')
            elif problem := addresses.problem(settings.email, name_allowed=False):
                errors['email'] = problem
        if settings.uses_oauth:
            errors |= oauth_errors(settings, signed_in=bool(settings.oauth_refresh_token) or has_stored_password)
        elif not settings.password and not has_stored_password:
            errors['password'] = _('Enter the password (for Gmail, Yahoo and iCloud: an app password).')
        if settings.effective_security is Security.NONE and not settings.allow_plaintext:
            errors['security'] = _(
                'Confirm that you accept sending your password and mail unencrypted, or choose encryption.'
            )
        if settings.reply_to_enabled:
            if not settings.reply_to:
                errors['reply_to'] = _('Enter the address where replies should arrive, or untick the option.')
            elif problem := addresses.problem(settings.reply_to, name_allowed=False):
                errors['reply_to'] = problem
    if settings.bcc_enabled:
        if not settings.bcc:
            errors['bcc'] = _('Enter the address that should receive a copy, or untick the option.')
        elif problem := addresses.problem(settings.bcc, name_allowed=False):
            errors['bcc'] = problem
    return errors


def oauth_errors(settings: EmailSettings, *, signed_in: bool) -> dict[str, str]:
    """What the sign-in with a provider still needs: the app's client ID, an Other provider's endpoints, a sign-in."""
    errors: dict[str, str] = {}
    if not settings.oauth_client_id:
        errors['oauth_client_id'] = _(
            'Enter the client ID of your app registration (the provider card on the right says how to get one).'
        )
    if settings.oauth_provider == 'other':
        for name in ('oauth_authorize_url', 'oauth_token_url', 'oauth_device_url'):
            url = getattr(settings, name)
            if not url and name == 'oauth_device_url':
                continue
            if problem := url_error(url) or oauth_url_problem(url):
                errors[name] = problem
        if not settings.oauth_scope:
            errors['oauth_scope'] = _('Enter the scope your provider gives for sending mail over SMTP.')
    if not signed_in and not errors:
        errors['oauth_account'] = _('Press Sign in to connect your account, then Update.')
    return errors


def oauth_url_problem(url: str) -> str | None:
    """The provider's endpoints carry the sign-in: encrypted, except on this computer."""
    parts = urlsplit(url)
    if parts.scheme != 'https' and not is_loopback_host(parts.hostname or ''):
        return _('Use the https:// address your provider gives: the sign-in must not cross the network unencrypted.')
    return None


def address_warnings(settings: EmailSettings) -> dict[str, str]:
    """Field name -> what to know about the valid address in it (an internal domain, letters beyond English)."""
    sender_field = 'username' if settings.protocol is Protocol.SMTP and not settings.needs_email_field else 'email'
    fields_in_use = {
        'reply_to' if settings.protocol is Protocol.HTTP else sender_field: settings.sender_address,
        'reply_to': settings.reply_to_address or '',
        'bcc': settings.bcc_address or '',
    }
    found: dict[str, str] = {}
    for name, text in fields_in_use.items():
        try:
            notes = addresses.warnings([addresses.parse(text)]) if text else []
        except addresses.AddressError:
            continue  # validate() reports it
        if notes:
            found[name] = ' '.join(notes)
    return found


CUSTOM_PORT = N_('A custom port: ask your provider which security it expects.')


def port_explanation(port: int) -> str:
    return _(PORT_CHOICES.get(port, CUSTOM_PORT))
