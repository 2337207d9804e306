"""Gather what the DNS says about the From domain, all lookups at once, then judge it (`judge.py`)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from core import addresses
from core.deliverability import dkim_keys, dmarc, spf
from core.deliverability.findings import Report
from core.deliverability.senders import COMMON_SELECTORS, SENDER_PROFILES
from core.diagnostics.events import StepEvent
from core.dns import DnsResolver, DnsUnavailable
from core.i18n import _
from core.providers import Provider, detect_provider, is_well_known_host
from core.settings import EmailSettings, Protocol, Security

T = TypeVar('T')
_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n) for n in ('10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7')
)


@dataclass(frozen=True)
class SendingSetup:
    """Who the mail claims to be from and how it leaves: the parts of the settings the check needs."""

    from_address: str
    account: str  # the username the server signs in (may not be an address)
    protocol: Protocol = Protocol.SMTP
    smtp_host: str = ''
    http_server: str = ''
    encrypted: bool = True
    server_name: str = ''  # the name the SMTP server introduced itself with in the settings test, if it ran

    @classmethod
    def from_settings(cls, settings: EmailSettings, *, server_name: str = '') -> SendingSetup:
        smtp = settings.protocol is Protocol.SMTP
        return cls(
            from_address=settings.sender_address,
            account=settings.username if smtp else '',
            protocol=settings.protocol,
            smtp_host=settings.host if smtp else '',
            http_server=settings.http_server if not smtp else '',
            encrypted=not smtp or settings.effective_security is not Security.NONE,
            server_name=server_name,
        )

    @property
    def from_domain(self) -> str:
        """ASCII form of the From domain; '' when the From address cannot be read."""
        try:
            return addresses.parse(self.from_address).envelope.rpartition('@')[2].lower()
        except addresses.AddressError:
            return ''

    @property
    def provider(self) -> Provider | None:
        """The service the mail goes out through, as the settings page recognises it."""
        if self.protocol is not Protocol.SMTP or detect_provider(host=self.smtp_host) is None:
            return None  # the host decides; the address only refines it (Gmail or Google Workspace)
        return detect_provider(host=self.smtp_host, email=self.from_address)

    @property
    def from_provider(self) -> Provider | None:
        """The free-mail provider whose own domain the From address is at (gmail.com, yahoo.com …), if any."""
        return detect_provider(email=self.from_address)

    @property
    def own_server(self) -> bool:
        """A server of the user's own (or their host's): its reverse DNS is theirs to set."""
        host = self.smtp_host.strip('[]')
        return self.protocol is Protocol.SMTP and self.provider is None and bool(host) and not is_well_known_host(host)


@dataclass(frozen=True)
class Unknown:
    """A lookup the DNS did not answer: the fact is unknown, never absent."""

    reason: str


@dataclass
class DomainFacts:
    setup: SendingSetup
    domain: str
    spf_records: tuple[str, ...] | Unknown = ()
    spf_tree: spf.SpfTree | None = None
    server_addresses: tuple[str, ...] | Unknown = ()
    spf_addresses: tuple[str, ...] | Unknown = ()  # what the record's top-level a and mx stand for
    dkim_selectors: tuple[str, ...] = ()
    dkim_found: list[dkim_keys.DkimKey] = field(default_factory=list)
    dkim_unavailable: list[str] = field(default_factory=list)
    dmarc_found: tuple[dmarc.DmarcPolicy | None, int] | Unknown = (None, 0)
    reverse: dict[str, tuple[str, ...] | Unknown] = field(default_factory=dict)  # server address -> PTR names
    forward: dict[str, tuple[str, ...] | Unknown] = field(default_factory=dict)  # PTR name -> its addresses


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
