"""A real DNS server on 127.0.0.1 answering from a zone written in zone-file syntax, and a silent one.

Finding settings and checking deliverability read MX, TXT, SRV and PTR records; tests give each case its own zone
and point `core.dns.DnsResolver` at the server, so nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from dnslib import QTYPE, RCODE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSHandler, DNSLogger, DNSServer

from core.dns import DnsResolver


@dataclass(frozen=True)
class DnsEndpoint:
    host: str
    port: int

    def resolver(self, *, timeout: float = 2.0) -> DnsResolver:
        return DnsResolver([self.host], port=self.port, timeout=timeout)


class ZoneResolver(BaseResolver):
    """Answers from a list of records: NXDOMAIN for an unknown name, an empty answer for a known name's other types.

    `servfail` lists names answered with SERVFAIL, the "server broke" case that must read as "could not check"."""

    def __init__(self, zone: str, servfail: tuple[str, ...] = ()) -> None:
        self.records = RR.fromZone(zone) if zone.strip() else []
        self.servfail = {name.rstrip('.').lower() for name in servfail}

    def resolve(self, request: DNSRecord, handler: DNSHandler) -> DNSRecord:
        reply = request.reply()
        qname = request.q.qname
        name = str(qname).rstrip('.').lower()
        if name in self.servfail:
            reply.header.rcode = RCODE.SERVFAIL
            return reply
        same_name = [record for record in self.records if record.rname == qname]
        if not same_name:
            reply.header.rcode = RCODE.NXDOMAIN
            return reply
        qtype = QTYPE[request.q.qtype]
        for record in same_name:
            if qtype in ('ANY', QTYPE[record.rtype]):
                reply.add_answer(record)
        return reply


@contextlib.contextmanager
def serve_zone(zone: str, *, servfail: tuple[str, ...] = ()) -> Iterator[DnsEndpoint]:
    """Serve `zone` (zone-file text with absolute names, e.g. `example.test. 300 IN MX 10 mail.example.test.`)
    over UDP and TCP on one free loopback port."""
    port = _free_port()
    resolver = ZoneResolver(zone, servfail)
    quiet = DNSLogger(log='-request,-reply,-truncated,-error')  # a test's captured output holds only what it prints
    udp = DNSServer(resolver, address='127.0.0.1', port=port, logger=quiet)
    tcp = DNSServer(resolver, address='127.0.0.1', port=port, tcp=True, logger=quiet)
    threads = [
        threading.Thread(target=server.server.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True)
        for server in (udp, tcp)
    ]
    for thread in threads:
        thread.start()
    try:
        yield DnsEndpoint('127.0.0.1', port)
    finally:
        for server in (udp, tcp):
            server.server.shutdown()
            server.server.server_close()


@contextlib.contextmanager
def silent_dns() -> Iterator[DnsEndpoint]:
    """A UDP port that receives questions and never answers: every lookup times out."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    try:
        yield DnsEndpoint('127.0.0.1', sock.getsockname()[1])
    finally:
        sock.close()


def _free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp_probe:
            tcp_probe.bind(('127.0.0.1', 0))
            port = int(tcp_probe.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp_probe:
                try:
                    udp_probe.bind(('127.0.0.1', port))
                except OSError:
                    continue
            return port
    raise RuntimeError('no free loopback port for both UDP and TCP')
