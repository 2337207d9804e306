"""Trying a server without credentials, with the settings test's own SMTP steps: connect, TLS, greeting, EHLO.

No password is sent and nothing is mailed: a server counts as usable when it is reached, its certificate is valid for
its name, and after encryption it offers a sign-in (AUTH). The address comes from the injected DNS resolver, the
port from the Network's mapping, so tests reach servers on loopback ports under the names they stand in for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from core.diagnostics.probe import Probe, RunStopped, Timeouts
from core.diagnostics.runner import compose_test_email
from core.diagnostics.smtp_checks import SmtpCheck
from core.diagnostics.transcript import Transcript
from core.discovery.model import ServerSettings, Source
from core.discovery.network import Network
from core.discovery.proposals import Answer, SourceUnavailable, from_server
from core.dns import DnsUnavailable
from core.i18n import _
from core.settings import SECURITY_LABELS, EmailSettings, Security

PROBE_TIMEOUTS = Timeouts(dns=4.0, connect=6.0, greeting=8.0, tls=6.0, command=6.0, data=6.0, total=12.0)
Lookup = asyncio.Future[tuple[str, ...]]
CANDIDATE_PORTS: tuple[tuple[int, Security], ...] = (
    (465, Security.SSL),
    (587, Security.STARTTLS),
    (25, Security.STARTTLS),
)


@dataclass(frozen=True)
class ProbeResult:
    host: str
    port: int
    security: Security
    usable: bool
    message: str
    dns_failed: bool = False


def candidates(domain: str) -> tuple[tuple[str, int, Security], ...]:
    """smtp.<d>, mail.<d>, <d>; on each, SSL/TLS on 465 before STARTTLS on 587 and 25. Never plain text."""
    return tuple(
        (host, port, security)
        for host in (f'smtp.{domain}', f'mail.{domain}', domain)
        for port, security in CANDIDATE_PORTS
    )


async def probe_server(
    host: str, port: int, security: Security, network: Network, address: str, looked_up: Lookup | None = None
) -> ProbeResult:
    """One bounded attempt; every ending is a ProbeResult. `looked_up` shares one address lookup between the ports
    tried on the same host."""
    where = _('{host} port {port} ({security})').format(host=host, port=port, security=_(SECURITY_LABELS[security]))
    try:
        found = await (asyncio.shield(looked_up) if looked_up else look_up(host, network))
    except (DnsUnavailable, TimeoutError):
        said = _('{host}: the DNS did not answer.').format(host=host)
        return ProbeResult(host, port, security, False, said, dns_failed=True)
    if not found:
        return ProbeResult(host, port, security, False, _('{host} does not exist.').format(host=host))
    settings = EmailSettings(host=host, port=network.ports.get(port, port), security=security, username=address)
    unsent = compose_test_email(settings, address, 'Mailroom')  # introduce() stops before MAIL: nothing is sent
    probe = Probe(lambda _event: None, Transcript(secrets=(), username=''), PROBE_TIMEOUTS, host=host)
    check = SmtpCheck(probe, settings, unsent, address)
    try:
        await check.introduce(list(found))
    except RunStopped:
        failure = probe.failure
        message_text = failure.message if failure is not None else _('failed')
        return ProbeResult(host, port, security, False, f'{where}: {message_text}')
    if not check.capabilities.auth_mechanisms:
        return ProbeResult(
            host,
            port,
            security,
            False,
            _('{server} answers but offers no sign-in: it receives mail, it does not send it.').format(server=where),
        )
    said = _('{server} answered, its certificate is valid and it offers sign-in.').format(server=where)
    return ProbeResult(host, port, security, True, said)


def look_up(host: str, network: Network) -> Lookup:
    return asyncio.ensure_future(asyncio.wait_for(network.dns().addresses(host), PROBE_TIMEOUTS.dns))


async def ask_probing(address: str, domain: str, network: Network) -> Answer:
    """All candidates at once, each bounded; the first usable one in the order of `candidates` wins."""
    tried = candidates(domain)
    lookups = {host: look_up(host, network) for host in dict.fromkeys(host for host, _port, _security in tried)}
    try:
        results = await asyncio.gather(*(probe_server(h, p, s, network, address, lookups[h]) for h, p, s in tried))
    finally:
        for lookup in lookups.values():
            lookup.cancel()
    for result in results:
        if result.usable:
            server = ServerSettings(result.host, result.port, result.security)
            detail = _('{host} answered on port {port} with {security}').format(
                host=result.host, port=result.port, security=_(SECURITY_LABELS[result.security])
            )
            return Answer(from_server(server, address, Source.PROBE, detail), result.message)
    if all(r.dns_failed for r in results):
        raise SourceUnavailable(
            _('The DNS did not answer for smtp.{domain}, mail.{domain} or {domain}.').format(domain=domain)
        )
    hosts = dict.fromkeys(r.host for r in results if not r.dns_failed)
    return Answer(None, _('No usable server at {hosts}.').format(hosts=', '.join(hosts)))
