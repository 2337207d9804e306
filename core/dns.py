"""DNS records the operating system cannot look up (MX, TXT, SRV, PTR), through one resolver that can be injected.

`getaddrinfo` answers only addresses; finding a domain's mail settings and checking its deliverability need the
other records. The resolver is a value, so the tests point it at a DNS server on a loopback port. A lookup that
could not be answered (timeout, SERVFAIL, no reachable nameserver) raises `DnsUnavailable`, which means "could not
check"; a name without such a record answers an empty tuple, which means "there is none". The two are never mixed up.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dnspython loads with the first lookup: the app starts without it
    import dns.asyncresolver

from core.i18n import _, babel_locale

DEFAULT_TIMEOUT = 4.0


class DnsUnavailable(Exception):
    """The question could not be answered: the answer is unknown, not empty."""

    def __init__(self, name: str, record_type: str, reason: str) -> None:
        super().__init__(f'{record_type} {name}: {reason}')
        self.name = name
        self.record_type = record_type
        self.reason = reason


@dataclass(frozen=True)
class MxRecord:
    preference: int
    host: str


@dataclass(frozen=True)
class SrvRecord:
    priority: int
    weight: int
    port: int
    target: str

    @property
    def not_offered(self) -> bool:
        """RFC 2782: a target of "." says the service is decidedly not available at this domain."""
        return self.target in ('', '.')


class DnsResolver:
    """Asks the system's nameservers, or the ones given (the tests' loopback server)."""

    def __init__(
        self, nameservers: Sequence[str] | None = None, *, port: int = 53, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self._nameservers = tuple(nameservers) if nameservers is not None else None
        self._port = port
        self.timeout = timeout
        self._resolver: dns.asyncresolver.Resolver | None = None

    def _get(self) -> dns.asyncresolver.Resolver:
        if self._resolver is None:
            import dns.asyncresolver

            resolver = dns.asyncresolver.Resolver(configure=self._nameservers is None)
            if self._nameservers is not None:
                resolver.nameservers = list(self._nameservers)
                resolver.port = self._port
            resolver.lifetime = self.timeout
            resolver.timeout = self.timeout
            self._resolver = resolver
        return self._resolver

    async def _answers(self, name: str, record_type: str) -> list[object]:
        import dns.exception
        import dns.resolver

        try:
            resolver = self._get()
            answer = await resolver.resolve(name, record_type, search=False)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return []
        except dns.resolver.NoResolverConfiguration:
            raise DnsUnavailable(name, record_type, _('this computer has no DNS server configured')) from None
        except dns.resolver.LifetimeTimeout:
            from babel.numbers import format_decimal

            seconds = format_decimal(self.timeout, locale=babel_locale())
            waited = _('no answer within {seconds} s').format(seconds=seconds)
            raise DnsUnavailable(name, record_type, waited) from None
        except dns.resolver.NoNameservers:
            raise DnsUnavailable(name, record_type, _('every DNS server failed to answer')) from None
        except (dns.exception.DNSException, OSError) as exc:
            raise DnsUnavailable(name, record_type, str(exc) or type(exc).__name__) from None
        return list(answer)

    async def mx(self, domain: str) -> tuple[MxRecord, ...]:
        """The domain's mail exchangers, most preferred first; a null MX (RFC 7505) answers as its "." host."""
        records = [
            MxRecord(int(r.preference), _host(r.exchange))  # type: ignore[attr-defined]
            for r in await self._answers(domain, 'MX')
        ]
        return tuple(sorted(records, key=lambda record: (record.preference, record.host)))

    async def txt(self, name: str) -> tuple[str, ...]:
        """Each TXT record as one string (its character-strings joined, as SPF and DMARC require)."""
        return tuple(
            b''.join(r.strings).decode('utf-8', 'replace')  # type: ignore[attr-defined]
            for r in await self._answers(name, 'TXT')
        )

    async def srv(self, name: str) -> tuple[SrvRecord, ...]:
        """SRV records ordered by priority, then by weight (heaviest first)."""
        records = [
            SrvRecord(int(r.priority), int(r.weight), int(r.port), _host(r.target))  # type: ignore[attr-defined]
            for r in await self._answers(name, 'SRV')
        ]
        return tuple(sorted(records, key=lambda record: (record.priority, -record.weight)))

    async def addresses(self, name: str) -> tuple[str, ...]:
        """IPv4 then IPv6 addresses; unknown only when both questions went unanswered."""
        found: list[str] = []
        failures: list[DnsUnavailable] = []
        for record_type in ('A', 'AAAA'):
            try:
                found.extend(str(r) for r in await self._answers(name, record_type))
            except DnsUnavailable as exc:
                failures.append(exc)
        if len(failures) == 2:
            raise failures[0]
        return tuple(found)

    async def ptr(self, address: str) -> tuple[str, ...]:
        """Reverse DNS names of an IP address."""
        import dns.reversename

        reverse = dns.reversename.from_address(str(ipaddress.ip_address(address))).to_text()
        return tuple(_host(r.target) for r in await self._answers(reverse, 'PTR'))  # type: ignore[attr-defined]


def _host(name: object) -> str:
    """A DNS name as people write it: lowercase, no trailing dot ("." stays "." — the null target)."""
    import dns.name

    text = name.to_unicode(omit_final_dot=True) if isinstance(name, dns.name.Name) else str(name).rstrip('.')
    return text.lower() or '.'
