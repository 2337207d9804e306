"""What the discovery tests share: a certificate for a named test server, autoconfig answers over MockTransport,
and a Network pointed at the loopback DNS server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

import httpx

from core.discovery.network import Network
from tests.support.dns_server import DnsEndpoint
from tests.support.smtp_servers import free_port

VALID_CONFIG = b"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="shop.test">
    <domain>shop.test</domain>
    <displayName>Shop mail</displayName>
    <outgoingServer type="smtp">
      <hostname>out.shop.test</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""

XML_BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<clientConfig version="1.1"><emailProvider id="x"><displayName>&lol3;</displayName>
<outgoingServer type="smtp"><hostname>evil.test</hostname><port>465</port><socketType>SSL</socketType>
</outgoingServer></emailProvider></clientConfig>
"""

Routes = Mapping[str, Callable[[httpx.Request], httpx.Response | Awaitable[httpx.Response]]]


def web(routes: Routes | None = None) -> httpx.MockTransport:
    """Answers the URLs in `routes` (scheme, host and path, no query); every other URL is a 404."""
    table = dict(routes or {})
    seen: list[httpx.Request] = []

    async def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        url = str(request.url.copy_with(query=None))
        if url not in table:
            return httpx.Response(404)
        response = table[url](request)
        return response if isinstance(response, httpx.Response) else await response

    transport = httpx.MockTransport(handle)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


def network(
    dns: DnsEndpoint, transport: httpx.AsyncBaseTransport | None = None, ports: Mapping[int, int] | None = None
) -> Network:
    """A Network on the loopback DNS server; the SMTP ports not in `ports` lead to a closed loopback port."""
    closed = free_port()
    mapping = {465: closed, 587: closed, 25: closed} | dict(ports or {})
    return Network(resolver=dns.resolver(timeout=1.0), transport=transport or web(), ports=mapping)
