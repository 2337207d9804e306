"""What finding settings produces: live events per source, then one Discovery with the proposal and where it came from.

The UI and the CLI render these values and add no logic of their own, as with the settings test's StepEvents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.i18n import N_, _
from core.settings import SECURITY_LABELS, Security


class Source(StrEnum):
    """Where an answer came from, in priority order: the first that answers wins."""

    PROVIDER = 'provider'
    ISPDB = 'ispdb'
    AUTOCONFIG = 'autoconfig'
    LIVE_ISPDB = 'live-ispdb'  # asked only when the person chose it: asking tells Mozilla the domain
    MX = 'mx'
    SRV = 'srv'
    PROBE = 'probe'


SOURCE_TITLES: dict[Source, str] = {
    Source.PROVIDER: N_('Mailroom’s provider list'),
    Source.ISPDB: N_('Thunderbird’s provider database (bundled)'),
    Source.AUTOCONFIG: N_('Your domain’s own settings file'),
    Source.LIVE_ISPDB: N_('Thunderbird’s online provider database'),
    Source.MX: N_('Your domain’s mail servers (MX)'),
    Source.SRV: N_('Found in DNS (SRV records)'),
    Source.PROBE: N_('Trying the usual server names'),
}
"""This table and the two label tables below are marked where defined and worded with `_()` where shown."""


class SourceStatus(StrEnum):
    ASKING = 'asking'
    FOUND = 'found'
    NOTHING = 'nothing'  # the source answered: it knows no settings for this address
    UNAVAILABLE = 'unavailable'  # the source could not be asked (DNS or the network failed): unknown, not "none"
    SKIPPED = 'skipped'  # not asked (no network wanted) or no longer needed (a source before it answered)


class UsernameForm(StrEnum):
    FULL_ADDRESS = 'full-address'
    LOCAL_PART = 'local-part'
    OTHER = 'other'


USERNAME_FORM_LABELS: dict[UsernameForm, str] = {
    UsernameForm.FULL_ADDRESS: N_('your full email address'),
    UsernameForm.LOCAL_PART: N_('the part of your address before the @'),
    UsernameForm.OTHER: N_('a name of its own'),
}


class SignIn(StrEnum):
    PASSWORD = 'password'
    APP_PASSWORD = 'app-password'
    OAUTH = 'oauth'  # only the provider's own sign-in works: no password of any kind is accepted


SIGN_IN_LABELS: dict[SignIn, str] = {
    SignIn.PASSWORD: N_('your email password'),
    SignIn.APP_PASSWORD: N_('an app password (made in your account’s security settings), not your normal password'),
    SignIn.OAUTH: N_('signing in with the provider’s own page (OAuth); passwords are refused'),
}


@dataclass(frozen=True)
class ServerSettings:
    """One outgoing server as a source describes it, before it is filled in for an address."""

    host: str
    port: int
    security: Security
    username_template: str = ''  # '%EMAILADDRESS%', '%EMAILLOCALPART%', … ; empty when the source does not say
    oauth_only: bool = False
    oauth_offered: bool = False


@dataclass(frozen=True)
class Proposal:
    """The settings to fill in, and where each of them came from."""

    host: str
    port: int
    security: Security
    username: str
    username_form: UsernameForm
    sign_in: SignIn
    source: Source
    source_detail: str  # which file, record or server gave the answer, in plain words
    sources: dict[str, str] = field(default_factory=dict)  # field → where that field came from
    provider_key: str = ''  # a built-in provider card, when one applies
    provider_name: str = ''
    oauth_provider: str = ''  # "Microsoft" or "Google" when "Sign in with …" can be offered
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        return _('{host}, port {port}, {security}').format(
            host=self.host, port=self.port, security=_(SECURITY_LABELS[self.security])
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            'host': self.host,
            'port': self.port,
            'security': self.security.value,
            'username': self.username,
            'username_form': self.username_form.value,
            'sign_in': self.sign_in.value,
            'oauth_provider': self.oauth_provider,
            'provider': self.provider_key,
            'source': self.source.value,
            'source_detail': self.source_detail,
            'sources': dict(self.sources),
            'notes': list(self.notes),
        }


@dataclass(frozen=True)
class SourceEvent:
    source: Source
    status: SourceStatus
    message: str

    @property
    def title(self) -> str:
        return _(SOURCE_TITLES[self.source])

    def to_dict(self) -> dict[str, Any]:
        return {'source': self.source.value, 'status': self.status.value, 'message': self.message}


@dataclass(frozen=True)
class Discovery:
    """The end of a search: the proposal (None when nothing was found) and what each source said."""

    address: str
    proposal: Proposal | None
    message: str
    outcomes: tuple[SourceEvent, ...] = ()

    @property
    def could_not_check(self) -> tuple[SourceEvent, ...]:
        return tuple(o for o in self.outcomes if o.status is SourceStatus.UNAVAILABLE)

    def to_dict(self) -> dict[str, Any]:
        return {
            'address': self.address,
            'found': self.proposal is not None,
            'message': self.message,
            'settings': self.proposal.to_dict() if self.proposal else None,
            'could_not_check': [o.source.value for o in self.could_not_check],
        }
