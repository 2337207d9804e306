"""RFC 6186 / RFC 8314 SRV records: `_submissions._tcp` (SSL/TLS) first, then `_submission._tcp` (STARTTLS).

Without DNSSEC anyone who can answer the DNS can name a server here, so an answer is labelled "found in DNS" and is
proposed only once that server has shown a valid certificate for the very name the record gives.
"""

from __future__ import annotations

import asyncio

from core.discovery.model import ServerSettings, Source
from core.discovery.network import Network
from core.discovery.probing import probe_server
from core.discovery.proposals import Answer, SourceUnavailable, from_server
from core.dns import DnsUnavailable, SrvRecord
from core.settings import SECURITY_LABELS, Security

SERVICES: tuple[tuple[str, Security], ...] = (
    ('_submissions._tcp', Security.SSL),
    ('_submission._tcp', Security.STARTTLS),
)


async def ask_srv(address: str, domain: str, network: Network) -> Answer:
    names = [f'{service}.{domain}' for service, _ in SERVICES]
    answers = await asyncio.gather(*(network.dns().srv(name) for name in names), return_exceptions=True)
    notes: list[str] = []
    unavailable = 0
    for name, (_, security), answer in zip(names, SERVICES, answers, strict=True):
        if isinstance(answer, DnsUnavailable):
            unavailable += 1
            notes.append(f'{name}: the DNS did not answer.')
            continue
        if isinstance(answer, BaseException):
            raise answer
        records: tuple[SrvRecord, ...] = answer
        if not records:
            notes.append(f'No {name} record.')
            continue
        if any(record.not_offered for record in records):
            notes.append(f'{name} says this service is not offered.')
            continue
        record = records[0]
        result = await probe_server(record.target, record.port, security, network, address)
        if not result.usable:
            notes.append(f'{name} names {record.target}, which did not prove itself: {result.message}')
            continue
        server = ServerSettings(record.target, record.port, security)
        detail = f'found in DNS ({name} → {record.target}:{record.port}, {SECURITY_LABELS[security]})'
        message = f'{name} names {record.target}; its certificate matches that name.'
        return Answer(from_server(server, address, Source.SRV, detail), message)
    if unavailable == len(names):
        raise SourceUnavailable(' '.join(notes))
    return Answer(None, ' '.join(notes))
