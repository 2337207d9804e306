"""Thunderbird's online provider database (the live ISPDB): asked only when the person chose it, since asking tells
Mozilla the domain, and only for a domain the bundled snapshot does not hold.

The answer is fetched and parsed as the domain's own settings file is: HTTPS only, size-capped, without DTDs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.discovery import ispdb
from core.discovery.autoconfig import Refused, usable_file
from core.discovery.local import proposal_from_config
from core.discovery.model import Source
from core.discovery.proposals import Answer, SourceUnavailable
from core.i18n import _

if TYPE_CHECKING:
    import httpx

LIVE_ISPDB = 'https://live.thunderbird.net/autoconfig/v1.1/{domain}'


def live_ispdb_url(domain: str) -> str:
    return LIVE_ISPDB.format(domain=domain)


async def ask_live_ispdb(address: str, domain: str, client: httpx.AsyncClient) -> Answer:
    if ispdb.lookup(domain) is not None:  # the bundled copy answers, so Mozilla need not be told
        return Answer(None, _('Not asked: the bundled copy already has {domain}.').format(domain=domain))
    outcome = await usable_file(client, live_ispdb_url(domain), {})
    if isinstance(outcome, Refused):
        if outcome.unavailable:
            raise SourceUnavailable(outcome.message)
        return Answer(None, outcome.message)
    final_url, config = outcome
    detail = _('Thunderbird’s online provider database ({url})').format(url=final_url)
    said = _('{domain} is {provider}.').format(domain=domain, provider=config.display_name or domain)
    return Answer(proposal_from_config(config, address, Source.LIVE_ISPDB, detail), said)
