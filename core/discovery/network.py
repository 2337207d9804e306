"""What finding settings reaches the network through, as one value the app builds once and tests replace.

Nothing here connects on import: httpx and dnspython load when a search starts, so the app starts without them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from core.dns import DnsResolver

HTTP_TIMEOUT = 8.0


@dataclass
class Network:
    """The DNS resolver, the HTTP transport and the SMTP ports to use.

    `transport` None means the real network; tests pass an `httpx.MockTransport`. `ports` maps a usual SMTP port
    (465, 587, 25) to the one actually connected to, so a test server on a loopback port can stand in for
    smtp.<domain>:465 while the certificate is still checked against smtp.<domain>.
    """

    resolver: DnsResolver | None = None
    transport: httpx.AsyncBaseTransport | None = None
    ports: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))

    def dns(self) -> DnsResolver:
        if self.resolver is None:
            from core.dns import DnsResolver

            self.resolver = DnsResolver()
        return self.resolver

    def http_client(self) -> httpx.AsyncClient:
        """Certificates checked with Mailroom's one TLS context; redirects are followed by the caller, one by one."""
        import httpx

        from core.transport.tls import https_context

        return httpx.AsyncClient(
            transport=self.transport,
            verify=https_context(True),
            timeout=HTTP_TIMEOUT,
            follow_redirects=False,
            headers={'User-Agent': 'Mailroom'},
        )
