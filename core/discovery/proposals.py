"""Turning what a source knows (a provider card, a clientConfig server, a server that answered) into a Proposal."""

from __future__ import annotations

from dataclasses import dataclass

from core.discovery.config_xml import OAUTH_ISSUERS
from core.discovery.model import Proposal, ServerSettings, SignIn, Source, UsernameForm
from core.i18n import _
from core.providers import Provider, detect_provider

OAUTH_ONLY_PROVIDERS = frozenset({'outlook'})
"""Providers that refuse every password from other programs (Outlook.com since September 2024)."""
OAUTH_BY_PROVIDER = {
    'gmail': 'Google',
    'google-workspace': 'Google',
    'outlook': 'Microsoft',
    'microsoft365': 'Microsoft',
}


class SourceUnavailable(Exception):
    """The source could not be asked (DNS or network failure): the answer is unknown, not "nothing"."""


@dataclass(frozen=True)
class Answer:
    """What one source said: a proposal, or None with why not."""

    proposal: Proposal | None
    message: str


def from_provider(provider: Provider, address: str, source: Source, detail: str) -> Proposal:
    """A built-in provider card: the full address as username, and the card's way of signing in."""
    if provider.key in OAUTH_ONLY_PROVIDERS:
        sign_in = SignIn.OAUTH
    elif provider.needs_app_password:
        sign_in = SignIn.APP_PASSWORD
    else:
        sign_in = SignIn.PASSWORD
    return Proposal(
        host=provider.host,
        port=provider.port,
        security=provider.security,
        username=address,
        username_form=UsernameForm.FULL_ADDRESS,
        sign_in=sign_in,
        source=source,
        source_detail=detail,
        sources=_sources(
            detail, username=detail, sign_in=_('Mailroom’s notes on {provider}').format(provider=provider.name)
        ),
        provider_key=provider.key,
        provider_name=provider.name,
        oauth_provider=OAUTH_BY_PROVIDER.get(provider.key, ''),
    )


def from_server(
    server: ServerSettings, address: str, source: Source, detail: str, *, oauth_issuer: str = '', name: str = ''
) -> Proposal:
    """A server named by a settings file or found by trying; a known provider's card refines the sign-in."""
    form, username = fill_username(server.username_template, address)
    provider = detect_provider(host=server.host, email=address)
    if provider is not None and provider.host == server.host:
        card = from_provider(provider, address, source, detail)
        sign_in, oauth_provider, sign_in_source = card.sign_in, card.oauth_provider, card.sources['sign-in']
    else:
        sign_in = SignIn.OAUTH if server.oauth_only else SignIn.PASSWORD
        oauth_provider = OAUTH_ISSUERS.get(oauth_issuer, '') if server.oauth_offered else ''
        sign_in_source = detail if server.oauth_only or server.oauth_offered else _('assumed: a password')
    notes: tuple[str, ...] = ()
    if sign_in is SignIn.OAUTH and not oauth_provider:
        notes = (
            _(
                'This server accepts only its own sign-in page (OAuth), which Mailroom cannot use for this provider: '
                'ask your provider for an app password or another way to send.'
            ),
        )
    return Proposal(
        host=server.host,
        port=server.port,
        security=server.security,
        username=username,
        username_form=form,
        sign_in=sign_in,
        source=source,
        source_detail=detail,
        sources=_sources(
            detail,
            username=detail if server.username_template else _('assumed: most servers take the full email address'),
            sign_in=sign_in_source,
        ),
        provider_key=provider.key if provider else '',
        provider_name=provider.name if provider else name,
        oauth_provider=oauth_provider,
        notes=notes,
    )


def fill_username(template: str, address: str) -> tuple[UsernameForm, str]:
    """Thunderbird's placeholders filled in for this address; no template means the full address."""
    local, _at, domain = address.rpartition('@')
    if template in ('', '%EMAILADDRESS%', '%EMAILADDRESS'):  # the second is a typo some ISPDB files carry
        return UsernameForm.FULL_ADDRESS, address
    if template == '%EMAILLOCALPART%':
        return UsernameForm.LOCAL_PART, local
    filled = (
        template.replace('%EMAILADDRESS%', address).replace('%EMAILLOCALPART%', local).replace('%EMAILDOMAIN%', domain)
    )
    return UsernameForm.OTHER, '' if '%' in filled else filled


def _sources(server: str, *, username: str, sign_in: str) -> dict[str, str]:
    return {'server': server, 'port': server, 'security': server, 'username': username, 'sign-in': sign_in}
