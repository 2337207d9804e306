"""The two sources that need no network: Mailroom's provider cards and the bundled ISPDB, by the address's domain."""

from __future__ import annotations

from core.discovery import ispdb
from core.discovery.config_xml import ClientConfig
from core.discovery.model import Proposal, Source
from core.discovery.proposals import Answer, from_provider, from_server
from core.providers import detect_provider


def ask_provider_cards(address: str, domain: str) -> Answer:
    provider = detect_provider(email=address)
    if provider is None:
        return Answer(None, f'{domain} is not one of the providers Mailroom knows.')
    detail = f'Mailroom’s settings for {provider.name}'
    return Answer(from_provider(provider, address, Source.PROVIDER, detail), f'{domain} is {provider.name}.')


def ask_bundled_ispdb(address: str, domain: str) -> Answer:
    found = ispdb.lookup(domain)
    if found is None:
        return Answer(None, f'{domain} is not in it.')
    file_name, config = found
    detail = f'Thunderbird’s provider database, {file_name}'
    return Answer(proposal_from_config(config, address, Source.ISPDB, detail), f'{domain} is {config.display_name}.')


def proposal_from_config(config: ClientConfig, address: str, source: Source, detail: str) -> Proposal:
    """The first usable outgoing server of a settings file (the callers only pass files that have one)."""
    server = config.servers[0]
    return from_server(server, address, source, detail, oauth_issuer=config.oauth_issuer, name=config.display_name)
