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
from core.i18n import _
from core.settings import SECURITY_LABELS, Security

SERVICES: tuple[tuple[str, Security], ...] = (
    ('_submissions._tcp', Security.SSL),
    ('_submission._tcp', Security.STARTTLS),
)


async def ask_srv(address: str, domain: str, network: Network) -> Answer:
    names = [f'{service}.{domain}' for service, _security in SERVICES]
    answers = await asyncio.gather(*(network.dns().srv(name) for name in names), return_exceptions=True)
    notes: list[str] = []
    unavailable = 0
    for name, (_service, security), answer in zip(names, SERVICES, answers, strict=True):
        if isinstance(answer, DnsUnavailable):
            unavailable += 1
            notes.append(_('{name}: the DNS did not answer.').format(name=name))
            continue
        if isinstance(answer, BaseException):
            raise answer
        records: tuple[SrvRecord, ...] = answer
        if not records:
            notes.append(_('No {name} record.').format(name=name))
            continue
        if any(record.not_offered for record in records):
            notes.append(_('{name} says this service is not offered.').format(name=name))
            continue
        record = records[0]
        result = await probe_server(record.target, record.port, security, network, address)
        if not result.usable:
            notes.append(
                _('{name} names {target}, which did not prove itself: {problem}').format(
                    name=name, target=record.target, problem=result.message
                )
            )
            continue
        server = ServerSettings(record.target, record.port, security)
        detail = _('found in DNS ({name} → {target}:{port}, {security})').format(
            name=name, target=record.target, port=record.port, security=_(SECURITY_LABELS[security])
        )
        message = _('{name} names {target}; its certificate matches that name.').format(name=name, target=record.target)
        return Answer(from_server(server, address, Source.SRV, detail), message)
    if unavailable == len(names):
        raise SourceUnavailable(' '.join(notes))
    return Answer(None, ' '.join(notes))
