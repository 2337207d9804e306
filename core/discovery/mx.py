"""The domain's mail servers (MX) say who hosts its mail: Microsoft 365, Google Workspace, or an ISP in the ISPDB.

The MX host's own name tells Microsoft 365 (`*.mail.protection.outlook.com`) from Outlook.com
(`*.olc.protection.outlook.com`), so the provider cards are asked with the host first; then the ISPDB with the MX
host's parent names down to its registrable domain (publicsuffixlist, offline data), as Thunderbird does. When the
bundled ISPDB has nothing, the mail host's domain is asked for its own settings file, and the online ISPDB for it when
the person chose that.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from core.discovery import ispdb
from core.discovery.autoconfig import Refused, autoconfig_urls, usable_file
from core.discovery.live_ispdb import live_ispdb_url
from core.discovery.local import proposal_from_config
from core.discovery.model import Source
from core.discovery.network import Network
from core.discovery.proposals import Answer, SourceUnavailable, from_provider
from core.dns import DnsUnavailable
from core.domains import registrable_domain
from core.i18n import _
from core.providers import detect_provider

if TYPE_CHECKING:
    import httpx


def parent_names(host: str) -> tuple[str, ...]:
    """mx1.eu.mail.example.co.uk → eu.mail.example.co.uk, mail.example.co.uk, example.co.uk."""
    registrable = registrable_domain(host)
    labels = host.lower().rstrip('.').split('.')
    names = ['.'.join(labels[i:]) for i in range(1, len(labels))]
    return tuple(name for name in names if name == registrable or name.endswith(f'.{registrable}'))


async def ask_mx(
    address: str, domain: str, network: Network, client: httpx.AsyncClient, *, online_ispdb: bool = False
) -> Answer:
    try:
        records = await network.dns().mx(domain)
    except DnsUnavailable as error:
        said = _('The DNS did not answer for the MX records of {domain} ({reason}).').format(
            domain=domain, reason=error.reason
        )
        raise SourceUnavailable(said) from None
    if not records:
        return Answer(None, _('{domain} has no MX record.').format(domain=domain))
    mx = records[0].host
    if mx == '.':
        return Answer(None, _('{domain} says it receives no mail at all (null MX).').format(domain=domain))
    provider = detect_provider(host=mx, email=address)
    if provider is not None:
        detail = _('your domain’s mail server {host} belongs to {provider}').format(host=mx, provider=provider.name)
        said = _('{host} is {provider}.').format(host=mx, provider=provider.name)
        return Answer(from_provider(provider, address, Source.MX, detail), said)
    owner = registrable_domain(mx)
    if owner == domain:
        return Answer(None, _('{host} is in {domain} itself, so it names no provider.').format(host=mx, domain=domain))
    for name in parent_names(mx):
        found = ispdb.lookup(name)
        if found is not None:
            file_name, config = found
            detail = _('your domain’s mail server {host} belongs to {owner} ({file} in Thunderbird’s database)').format(
                host=mx, owner=name, file=file_name
            )
            message = _('{host} is {provider}.').format(host=mx, provider=config.display_name)
            return Answer(proposal_from_config(config, address, Source.MX, detail), message)
    return await _ask_mail_host(address, mx, owner, client, online_ispdb)


async def _ask_mail_host(address: str, mx: str, owner: str, client: httpx.AsyncClient, online_ispdb: bool) -> Answer:
    """The mail host's domain asked for its own settings file (and the online ISPDB for it, when chosen), at once;
    the settings file wins over the database, as for the address's own domain."""
    own_file, params = autoconfig_urls(address, owner)[0]
    asks = [(own_file, params, _('the settings file of {owner}, which hosts your domain’s mail'))]
    if online_ispdb:
        detail = _('Thunderbird’s online provider database, for {owner}, which hosts your domain’s mail')
        asks.append((live_ispdb_url(owner), {}, detail))
    outcomes = await asyncio.gather(*(usable_file(client, url, params) for url, params, _detail in asks))
    for outcome, (_url, _params, detail) in zip(outcomes, asks, strict=True):
        if isinstance(outcome, tuple):
            config = outcome[1]
            said = _('{host} belongs to {owner} ({provider}).').format(
                host=mx, owner=owner, provider=config.display_name or owner
            )
            return Answer(proposal_from_config(config, address, Source.MX, detail.format(owner=owner)), said)
    refused = [outcome for outcome in outcomes if isinstance(outcome, Refused)]
    reasons = ' '.join(outcome.message for outcome in refused)
    if any(outcome.unavailable for outcome in refused):
        raise SourceUnavailable(reasons)
    unknown = _('{host} belongs to {owner}, which is not a provider Mailroom or Thunderbird knows.').format(
        host=mx, owner=owner
    )
    return Answer(None, f'{unknown} {reasons}')
