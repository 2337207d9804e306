"""Gather what the DNS says about the From domain, all lookups at once, then judge it (`judge.py`)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Iterable
from typing import TypeVar

from core.deliverability import dkim_keys, dmarc, spf
from core.deliverability.facts import DomainFacts, SendingSetup, Unknown
from core.deliverability.findings import Report
from core.deliverability.senders import COMMON_SELECTORS, SENDER_PROFILES
from core.diagnostics.events import StepEvent
from core.dns import DnsResolver, DnsUnavailable
from core.i18n import _

T = TypeVar('T')
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7')
)


async def check_deliverability(setup: SendingSetup, resolver: DnsResolver) -> Report:
    from core.deliverability.judge import judge  # the texts load only when a check runs

    facts = await gather_facts(setup, resolver)
    return Report(facts.domain, judge(facts))


async def gather_facts(setup: SendingSetup, resolver: DnsResolver) -> DomainFacts:
    domain = setup.from_domain
    facts = DomainFacts(setup, domain)
    if not domain:
        return facts
    profile = SENDER_PROFILES.get(setup.provider.key) if setup.provider else None
    facts.dkim_selectors = profile.dkim_selectors if profile else COMMON_SELECTORS
    txt, dmarc_found, (keys, unavailable), server = await asyncio.gather(
        _known(resolver.txt(domain)),
        _known(dmarc.lookup(resolver, domain)),
        dkim_keys.lookup_all(resolver, domain, facts.dkim_selectors),
        _server_addresses(setup, resolver),
    )
    facts.dmarc_found, facts.server_addresses = dmarc_found, server
    facts.dkim_found, facts.dkim_unavailable = keys, unavailable
    facts.spf_records = txt if isinstance(txt, Unknown) else spf.spf_records(txt)
    records = facts.spf_records
    jobs: list[Awaitable[None]] = []
    if not isinstance(records, Unknown) and len(records) == 1:
        record = spf.parse(records[0])
        jobs.append(_walk(facts, resolver, record))
        if setup.own_server:
            jobs.append(_spf_addresses(facts, resolver, record))
    if setup.own_server and not isinstance(server, Unknown):
        jobs.append(_reverse(facts, resolver, server))
    await asyncio.gather(*jobs)
    return facts


async def _known(lookup: Awaitable[T]) -> T | Unknown:
    try:
        return await lookup
    except DnsUnavailable as error:
        return Unknown(_not_answered(error))


async def _server_addresses(setup: SendingSetup, resolver: DnsResolver) -> tuple[str, ...] | Unknown:
    if not setup.own_server:
        return ()
    host = setup.smtp_host.strip('[]')
    try:
        found: tuple[str, ...] = (str(ipaddress.ip_address(host)),)
    except ValueError:
        result = await _known(resolver.addresses(host))
        if isinstance(result, Unknown):
            return result
        if not result:
            return Unknown(_('{host} has no address in the DNS').format(host=host))
        found = result
    return tuple(address for address in found if is_public(address))[:2]


def is_public(address: str) -> bool:
    """An address the internet sees; documentation ranges count, so the tests' zones can use them."""
    ip = ipaddress.ip_address(address)
    local = ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast
    return not local and not any(ip in network for network in _LOCAL_NETWORKS if network.version == ip.version)


async def _walk(facts: DomainFacts, resolver: DnsResolver, record: spf.SpfRecord) -> None:
    facts.spf_tree = await spf.walk(resolver, facts.domain, record)


async def _spf_addresses(facts: DomainFacts, resolver: DnsResolver, record: spf.SpfRecord) -> None:
    """Addresses of the domain (`a`) and of its mail servers (`mx`), for a record that names the server that way."""
    names = [term.name for term in record.terms if term.qualifier == '+' and not term.value]
    hosts: list[str] = [facts.domain] if 'a' in names else []
    try:
        if 'mx' in names:
            hosts += [mx.host for mx in await resolver.mx(facts.domain) if mx.host != '.']
        found = await asyncio.gather(*(resolver.addresses(host) for host in hosts))
    except DnsUnavailable as error:
        facts.spf_addresses = Unknown(_not_answered(error))
        return
    facts.spf_addresses = tuple(address for group in found for address in group)


def _not_answered(error: DnsUnavailable) -> str:
    return _('the DNS did not answer for {name} ({reason})').format(name=error.name, reason=error.reason)


async def _reverse(facts: DomainFacts, resolver: DnsResolver, server: tuple[str, ...]) -> None:
    async def one(address: str) -> None:
        names = facts.reverse[address] = await _known(resolver.ptr(address))
        if not isinstance(names, Unknown):
            for name in names[:2]:
                facts.forward[name] = await _known(resolver.addresses(name))

    await asyncio.gather(*(one(address) for address in server))


def server_name_from(events: Iterable[StepEvent]) -> str:
    """The name the SMTP server introduced itself with, as the settings test's EHLO step recorded it."""
    return next((event.detail('Server name') for event in events if event.detail('Server name')), '')
