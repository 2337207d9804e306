"""The two sources that need no network: Mailroom's provider cards and the bundled ISPDB, by the address's domain."""

from __future__ import annotations

from core.discovery import ispdb
from core.discovery.config_xml import ClientConfig
from core.discovery.model import Proposal, Source
from core.discovery.proposals import Answer, from_provider, from_server
from core.i18n import _
from core.providers import detect_provider


def ask_provider_cards(address: str, domain: str) -> Answer:
    provider = detect_provider(email=address)
    if provider is None:
        return Answer(None, _('{domain} is not one of the providers Mailroom knows.').format(domain=domain))
    detail = _('Mailroom’s settings for {provider}').format(provider=provider.name)
    said = _('{domain} is {provider}.').format(domain=domain, provider=provider.name)
    return Answer(from_provider(provider, address, Source.PROVIDER, detail), said)


def ask_bundled_ispdb(address: str, domain: str) -> Answer:
    found = ispdb.lookup(domain)
    if found is None:
        return Answer(None, _('{domain} is not in it.').format(domain=domain))
    file_name, config = found
    detail = _('Thunderbird’s provider database, {file}').format(file=file_name)
    said = _('{domain} is {provider}.').format(domain=domain, provider=config.display_name)
    return Answer(proposal_from_config(config, address, Source.ISPDB, detail), said)


def proposal_from_config(config: ClientConfig, address: str, source: Source, detail: str) -> Proposal:
    """The first usable outgoing server of a settings file (the callers only pass files that have one)."""
    server = config.servers[0]
    return from_server(server, address, source, detail, oauth_issuer=config.oauth_issuer, name=config.display_name)
