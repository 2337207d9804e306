"""discover: every source asked at once; the highest-priority source that answers wins.

Sources in priority order (model.Source): Mailroom's provider cards, the bundled ISPDB, the domain's own autoconfig
file, Thunderbird's online ISPDB (only when the person chose it), the MX records, SRV records, and last trying the
usual server names. A source that finishes with nothing lets the next one win; as soon as the winner is certain, the
sources still running are stopped. A source that could not be asked (DNS silent, network down) is "could not check",
which the final message says, never "nothing found".
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from functools import partial

from core import addresses
from core.discovery.autoconfig import ask_autoconfig
from core.discovery.live_ispdb import ask_live_ispdb
from core.discovery.local import ask_bundled_ispdb, ask_provider_cards
from core.discovery.model import (
    SOURCE_TITLES,
    Discovery,
    Proposal,
    Source,
    SourceEvent,
    SourceStatus,
)
from core.discovery.mx import ask_mx
from core.discovery.network import Network
from core.discovery.probing import ask_probing
from core.discovery.proposals import Answer, SourceUnavailable
from core.discovery.srv import ask_srv
from core.i18n import N_, _

ASKING_MESSAGES = {
    Source.PROVIDER: N_('Looking in Mailroom’s provider list'),
    Source.ISPDB: N_('Looking in Thunderbird’s provider database'),
    Source.AUTOCONFIG: N_('Asking your domain for its settings file (HTTPS)'),
    Source.LIVE_ISPDB: N_('Asking Thunderbird’s online provider database (HTTPS)'),
    Source.MX: N_('Looking up your domain’s mail servers (MX)'),
    Source.SRV: N_('Looking for SRV records in DNS'),
    Source.PROBE: N_('Trying smtp., mail. and your domain itself on ports 465, 587 and 25'),
}

NOT_ASKED_OFFLINE = N_('Not asked: only the bundled data was wanted.')
NOT_ASKED_UNCHOSEN = N_('Not asked: it is turned off, because asking it tells Mozilla your domain.')


async def discover(
    address: str, network: Network | None = None, *, use_network: bool = True, online_ispdb: bool = False
) -> AsyncGenerator[SourceEvent | Discovery, None]:
    """Yield an ASKING event per source, then each source's outcome as it comes, then one Discovery.

    With `use_network` False only the bundled data is asked (no DNS, no HTTP, no connection). `online_ispdb` is the
    person's choice to ask Thunderbird's online database too, which tells Mozilla the domain. Closing the iterator
    stops every source still running.
    """
    try:
        parsed = addresses.parse(address)
    except addresses.AddressError as error:
        why = _('Settings are found from an email address.')
        yield Discovery(address.strip(), None, f'{error.problem} {why}')
        return
    typed, domain = parsed.address, parsed.envelope.rpartition('@')[2].lower()
    network = network or Network()
    outcomes: dict[Source, SourceEvent] = {}
    found: dict[Source, Proposal] = {}
    async with contextlib.AsyncExitStack() as stack:
        client = await stack.enter_async_context(network.http_client()) if use_network else None
        askers: dict[Source, Callable[[], Awaitable[Answer]]] = {
            Source.PROVIDER: lambda: _now(ask_provider_cards(typed, domain)),
            Source.ISPDB: lambda: _now(ask_bundled_ispdb(typed, domain)),
        }
        if client is not None:
            askers[Source.AUTOCONFIG] = partial(ask_autoconfig, typed, domain, client)
            if online_ispdb:
                askers[Source.LIVE_ISPDB] = partial(ask_live_ispdb, typed, domain, client)
            askers[Source.MX] = partial(ask_mx, typed, domain, network, client, online_ispdb=online_ispdb)
            askers[Source.SRV] = partial(ask_srv, typed, domain, network)
            askers[Source.PROBE] = partial(ask_probing, typed, domain, network)
        tasks: dict[asyncio.Task[Answer], Source] = {}
        for source in Source:
            if source not in askers:
                why = _(NOT_ASKED_OFFLINE if client is None else NOT_ASKED_UNCHOSEN)
                event = outcomes[source] = SourceEvent(source, SourceStatus.SKIPPED, why)
                yield event
                continue
            yield SourceEvent(source, SourceStatus.ASKING, _(ASKING_MESSAGES[source]))
            tasks[asyncio.ensure_future(askers[source]())] = source
        try:
            pending = set(tasks)
            winner: Source | None = None
            while pending and winner is None:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(done, key=lambda t: list(Source).index(tasks[t])):
                    event, proposal = _outcome(tasks[task], task)
                    outcomes[event.source] = event
                    if proposal is not None:
                        found[event.source] = proposal
                    yield event
                winner = _winner(found, {tasks[t] for t in pending})
            for task in pending:
                task.cancel()
            for source in sorted((tasks[t] for t in pending), key=list(Source).index):
                assert winner is not None
                needless = _('Not needed: {source} answered.').format(source=_(SOURCE_TITLES[winner]))
                event = SourceEvent(source, SourceStatus.SKIPPED, needless)
                outcomes[source] = event
                yield event
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    ordered = tuple(outcomes[source] for source in Source)
    yield _conclude(typed, domain, found.get(winner) if winner else None, ordered, use_network)


async def _now(answer: Answer) -> Answer:
    return answer


def _outcome(source: Source, task: asyncio.Task[Answer]) -> tuple[SourceEvent, Proposal | None]:
    error = task.exception()
    if isinstance(error, SourceUnavailable):
        said = _('Could not check: {reason}').format(reason=error)
        return SourceEvent(source, SourceStatus.UNAVAILABLE, said), None
    if error is not None:  # a defect must not hang or hide the other sources
        said = _('Could not check (internal error {error}).').format(error=type(error).__name__)
        return SourceEvent(source, SourceStatus.UNAVAILABLE, said), None
    answer = task.result()
    if answer.proposal is None:
        return SourceEvent(source, SourceStatus.NOTHING, answer.message), None
    return SourceEvent(source, SourceStatus.FOUND, f'{answer.message} {answer.proposal.describe()}.'), answer.proposal


def _winner(found: dict[Source, Proposal], running: set[Source]) -> Source | None:
    """The first source in priority order that found something, once every source before it has finished."""
    for source in Source:
        if source in found:
            return source
        if source in running:
            return None
    return None


def _conclude(
    address: str, domain: str, proposal: Proposal | None, outcomes: tuple[SourceEvent, ...], use_network: bool
) -> Discovery:
    if proposal is not None:
        message = _('Found settings for {domain}: {settings}. Source: {source}.').format(
            domain=domain, settings=proposal.describe(), source=proposal.source_detail
        )
        return Discovery(address, proposal, message, outcomes)
    silent = [o for o in outcomes if o.status is SourceStatus.UNAVAILABLE]
    ask = _('Ask your email provider for its SMTP server, port and connection security (often on its help pages).')
    if silent:
        message = _(
            'No settings found for {domain}, but not everything could be checked ({sources}): the DNS or the network '
            'did not answer. Check your internet connection and try again. {ask}'
        ).format(domain=domain, sources='; '.join(_(SOURCE_TITLES[o.source]) for o in silent), ask=ask)
    elif not use_network:
        message = _(
            '{domain} is not in the bundled data. Searching with the network also asks your domain and its DNS. {ask}'
        ).format(domain=domain, ask=ask)
    else:
        message = _('No settings found for {domain}. {ask}').format(domain=domain, ask=ask)
    return Discovery(address, None, message, outcomes)
