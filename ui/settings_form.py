"""The settings form's live state: what the inputs bind to, and its conversion to EmailSettings."""

from __future__ import annotations

from dataclasses import asdict, fields

from nicegui import binding

from core.i18n import _
from core.settings import SECRET_FIELDS, AuthMethod, EmailSettings, Protocol, Security, validate


@binding.bindable_dataclass
class SettingsForm:
    """Plain strings and flags, exactly what the page shows; the port stays text so any typing is accepted."""

    protocol: str = Protocol.SMTP.value
    http_server: str = ''
    http_token: str = ''
    host: str = ''
    port: str = '587'
    security: str = Security.AUTO.value
    username: str = ''
    email: str = ''
    password: str = ''
    bcc_enabled: bool = False
    bcc: str = ''
    reply_to_enabled: bool = False
    reply_to: str = ''
    skip_tls_verify: bool = False
    allow_plaintext: bool = False
    auth: str = AuthMethod.PASSWORD.value
    oauth_provider: str = 'microsoft'
    oauth_client_id: str = ''
    oauth_client_secret: str = ''
    oauth_refresh_token: str = ''  # set by Sign in and kept here, on the server: no input is bound to it
    oauth_account: str = ''
    oauth_authorize_url: str = ''
    oauth_token_url: str = ''
    oauth_device_url: str = ''
    oauth_scope: str = ''

    @classmethod
    def from_settings(cls, settings: EmailSettings | None) -> SettingsForm:
        """Fill the form from saved settings; secrets are never copied into the form."""
        if settings is None:
            return cls()
        public = settings.to_public_dict()
        return cls(**{**public, 'port': str(public['port'])})

    def load(self, settings: EmailSettings | None) -> None:
        fresh = SettingsForm.from_settings(settings)
        for name, value in asdict(fresh).items():
            setattr(self, name, value)

    def apply(self, name: str, value: str) -> None:
        """Set one field by name (a fix the settings test offers); the inputs follow through their bindings."""
        if name not in {f.name for f in fields(self)}:
            raise ValueError(f'no such settings field: {name}')
        setattr(self, name, value)

    def port_number(self) -> int | None:
        text = self.port.strip()
        return int(text) if text.isdigit() else None

    def to_settings(self) -> EmailSettings:
        port = self.port_number()
        return EmailSettings.from_dict({**asdict(self), 'port': port if port is not None else 0})

    def errors(self, *, has_stored_password: bool) -> dict[str, str]:
        errors = validate(self.to_settings(), has_stored_password=has_stored_password)
        if self.protocol == Protocol.SMTP.value and self.port_number() is None:
            errors['port'] = _('The port is a number from 1 to 65535; usually 465 or 587.')
        return errors

    def differs_from(self, saved: EmailSettings | None) -> bool:
        """True while the form holds anything that Update would change."""
        if any(getattr(self, name) for name in SECRET_FIELDS):
            return True
        return asdict(self) != asdict(SettingsForm.from_settings(saved))
