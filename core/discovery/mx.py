"""The domain's mail servers (MX) say who hosts its mail: Microsoft 365, Google Workspace, or an ISP in the ISPDB.

The MX host's own name tells Microsoft 365 (`*.mail.protection.outlook.com`) from Outlook.com
(`*.olc.protection.outlook.com`), so the provider cards are asked with the host first; then the ISPDB with the MX
host's parent names down to its registrable domain (publicsuffixlist, offline data), as Thunderbird does.
"""

from __future__ import annotations

from core.discovery import ispdb
from core.discovery.local import proposal_from_config
from core.discovery.model import Source
from core.discovery.network import Network
from core.discovery.proposals import Answer, SourceUnavailable, from_provider
from core.dns import DnsUnavailable
from core.domains import registrable_domain
from core.i18n import _
from core.providers import detect_provider


def parent_names(host: str) -> tuple[str, ...]:
    """mx1.eu.mail.example.co.uk → eu.mail.example.co.uk, mail.example.co.uk, example.co.uk."""
    registrable = registrable_domain(host)
    labels = host.lower().rstrip('.').split('.')
    names = ['.'.join(labels[i:]) for i in range(1, len(labels))]
    return tuple(name for name in names if name == registrable or name.endswith(f'.{registrable}'))


async def ask_mx(address: str, domain: str, network: Network) -> Answer:
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
    return Answer(
        None,
        _('{host} belongs to {owner}, which is not a provider Mailroom or Thunderbird knows.').format(
            host=mx, owner=owner
        ),
    )
