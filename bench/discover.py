"""How long Find my settings takes to a proposal, against the same lookups done one after another.

1. A bundled domain (web.de) with no network: `discover(..., use_network=False)` against asking the provider cards
   and the bundled ISPDB directly.
2. A domain answered by the fake network (a loopback DNS server and autoconfig over httpx.MockTransport, each answer
   held back by --delay to stand in for a real round trip): both autoconfig places answer 404 and the MX names
   Microsoft 365. The baseline is the raw lookups the answer needs (the two autoconfig GETs and the MX query) done
   one after another. Aim: <= 0.6x, thanks to asking every source at once.

Run: `.venv/bin/python bench/discover.py [--rounds N] [--delay SECONDS]`
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from dnslib import DNSRecord  # noqa: E402
from dnslib.server import DNSHandler, DNSLogger, DNSServer  # noqa: E402

from core.discovery.autoconfig import autoconfig_urls, fetch  # noqa: E402
from core.discovery.finder import discover  # noqa: E402
from core.discovery.local import ask_bundled_ispdb, ask_provider_cards  # noqa: E402
from core.discovery.model import Discovery, Source  # noqa: E402
from core.discovery.network import Network  # noqa: E402
from core.dns import DnsResolver  # noqa: E402
from tests.support.dns_server import DnsEndpoint, ZoneResolver  # noqa: E402
from tests.support.smtp_servers import free_port  # noqa: E402

ZONE = 'shop.test. 300 IN MX 0 shop-test.mail.protection.outlook.com.'
ADDRESS = 'office@shop.test'


class SlowZone(ZoneResolver):
    """Every answer held back, as a real DNS round trip would be."""

    def __init__(self, zone: str, delay: float) -> None:
        super().__init__(zone)
        self.delay = delay

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        time.sleep(self.delay)
        return super().resolve(request, handler)


@contextlib.contextmanager
def slow_dns(delay: float) -> Iterator[DnsEndpoint]:
    port = free_port()
    quiet = DNSLogger(logf=lambda _line: None)
    server = DNSServer(SlowZone(ZONE, delay), address='127.0.0.1', port=port, logger=quiet)
    thread = threading.Thread(target=server.server.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True)
    thread.start()
    try:
        yield DnsEndpoint('127.0.0.1', port)
    finally:
        server.server.shutdown()
        server.server.server_close()


def slow_web(delay: float) -> httpx.MockTransport:
    async def handle(_request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(delay)
        return httpx.Response(404)

    return httpx.MockTransport(handle)


async def time_discover(address: str, network: Network | None, *, use_network: bool) -> tuple[float, Discovery]:
    began = time.perf_counter()
    async with contextlib.aclosing(discover(address, network, use_network=use_network)) as events:
        async for item in events:
            if isinstance(item, Discovery):
                return time.perf_counter() - began, item
    raise RuntimeError('no Discovery')


async def bundled(rounds: int) -> None:
    found, raw = [], []
    for _ in range(rounds):
        seconds, result = await time_discover('anna@web.de', None, use_network=False)
        assert result.proposal is not None and result.proposal.source is Source.ISPDB
        found.append(seconds)
        began = time.perf_counter()
        ask_provider_cards('anna@web.de', 'web.de')
        ask_bundled_ispdb('anna@web.de', 'web.de')
        raw.append(time.perf_counter() - began)
    report('bundled domain, no network', found, raw)


async def networked(rounds: int, delay: float) -> None:
    closed = free_port()
    found, raw = [], []
    with slow_dns(delay) as dns:
        for _ in range(rounds):
            resolver = DnsResolver([dns.host], port=dns.port, timeout=5.0)
            network = Network(
                resolver=resolver, transport=slow_web(delay), ports={465: closed, 587: closed, 25: closed}
            )
            seconds, result = await time_discover(ADDRESS, network, use_network=True)
            assert result.proposal is not None and result.proposal.source is Source.MX, result.message
            found.append(seconds)
            began = time.perf_counter()
            async with network.http_client() as client:
                for url, params in autoconfig_urls(ADDRESS, 'shop.test'):
                    with contextlib.suppress(Exception):
                        await fetch(client, url, params)
            await DnsResolver([dns.host], port=dns.port, timeout=5.0).mx('shop.test')
            raw.append(time.perf_counter() - began)
    report(f'fake DNS + autoconfig, {delay * 1000:.0f} ms a round trip', found, raw)


def report(name: str, found: list[float], raw: list[float]) -> None:
    median, baseline = statistics.median(found), statistics.median(raw)
    print(f'{name}: to a proposal {median * 1000:.1f} ms; the raw lookups one after another {baseline * 1000:.1f} ms')
    print(f'  ratio {median / baseline:.2f}x (medians of {len(found)} rounds)')


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rounds', type=int, default=15)
    parser.add_argument('--delay', type=float, default=0.05, help='seconds each fake DNS and HTTP answer takes')
    args = parser.parse_args()
    await bundled(args.rounds)
    await networked(args.rounds, args.delay)


if __name__ == '__main__':
    asyncio.run(main())
