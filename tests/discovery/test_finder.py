"""Finding settings from an address, each case on its own zone of a real DNS server on loopback, autoconfig over
httpx.MockTransport and aiosmtpd servers standing in for smtp.<domain>; nothing leaves the machine."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import httpx

from core.discovery.finder import discover
from core.discovery.model import Discovery, Source, SourceEvent, SourceStatus
from core.discovery.network import Network
from core.dns import DnsResolver, MxRecord
from core.settings import Security
from tests.discovery.support import VALID_CONFIG, network, web
from tests.support.certs import TestPKI
from tests.support.dns_server import serve_zone, silent_dns
from tests.support.smtp_servers import ServerInfo, smtp_server

ACCOUNTS = {'office@shop.test': 'secret'}


async def run(
    address: str, net: Network | None, *, use_network: bool = True, online_ispdb: bool = False
) -> tuple[list[SourceEvent], Discovery]:
    events: list[SourceEvent] = []
    search = discover(address, net, use_network=use_network, online_ispdb=online_ispdb)
    async with contextlib.aclosing(search) as stream:
        async for item in stream:
            if isinstance(item, Discovery):
                return events, item
            events.append(item)
    raise AssertionError('no Discovery at the end')


def flush_left(zone: str) -> str:
    """Zone-file lines start at the left margin: an indented line would mean "the same name as the line before"."""
    return '\n'.join(line.strip() for line in zone.splitlines())


async def discover_beside(zone: str, usual_port: int, **server: Any) -> tuple[Discovery, ServerInfo]:
    """office@shop.test looked up on `zone`, with an aiosmtpd server standing in on `usual_port` (465, 587 or 25)."""
    async with smtp_server(**server) as info:
        with serve_zone(flush_left(zone)) as dns:
            _, found = await run('office@shop.test', network(dns, ports={usual_port: info.port}))
    return found, info


def outcome(discovery: Discovery, source: Source) -> SourceEvent:
    return next(o for o in discovery.outcomes if o.source is source)


async def test_an_mx_at_microsoft_365_proposes_microsoft_365_not_outlook_com() -> None:
    zone = 'firm.test. 300 IN MX 0 firm-test.mail.protection.outlook.com.'
    with serve_zone(flush_left(zone)) as dns:
        _, found = await run('anna@firm.test', network(dns))
    proposal = found.proposal
    assert proposal is not None
    assert (proposal.source, proposal.provider_key) == (Source.MX, 'microsoft365')
    assert (proposal.host, proposal.port, proposal.security) == ('smtp.office365.com', 587, Security.STARTTLS)
    assert 'firm-test.mail.protection.outlook.com' in proposal.source_detail
    assert proposal.oauth_provider == 'Microsoft'


async def test_an_mx_at_outlook_com_says_only_microsoft_sign_in_works() -> None:
    zone = 'home.test. 300 IN MX 10 home-test.olc.protection.outlook.com.'
    with serve_zone(flush_left(zone)) as dns:
        _, found = await run('me@home.test', network(dns))
    assert found.proposal is not None
    assert found.proposal.provider_key == 'outlook'
    assert found.proposal.sign_in.value == 'oauth'


async def test_an_mx_at_google_proposes_google_workspace_with_an_app_password() -> None:
    zone = """
    firm.test. 300 IN MX 1 aspmx.l.google.com.
    firm.test. 300 IN MX 5 alt1.aspmx.l.google.com.
    """
    with serve_zone(flush_left(zone)) as dns:
        _, found = await run('anna@firm.test', network(dns))
    assert found.proposal is not None
    assert (found.proposal.source, found.proposal.provider_key) == (Source.MX, 'google-workspace')
    assert found.proposal.host == 'smtp.gmail.com'
    assert found.proposal.sign_in.value == 'app-password'


async def test_an_mx_at_an_isp_in_the_ispdb_is_found_through_its_registrable_domain() -> None:
    zone = 'firm.test. 300 IN MX 10 mx01.emig.web.de.'
    with serve_zone(flush_left(zone)) as dns:
        _, found = await run('anna@firm.test', network(dns))
    assert found.proposal is not None
    assert (found.proposal.source, found.proposal.host) == (Source.MX, 'smtp.web.de')
    assert 'web.de.xml' in found.proposal.source_detail


async def test_srv_submissions_is_proposed_once_its_target_shows_a_certificate_for_that_name(trusted: TestPKI) -> None:
    zone = """
    _submissions._tcp.shop.test. 300 IN SRV 0 1 465 post.shop.test.
    post.shop.test.              300 IN A   127.0.0.1
    """
    found, server = await discover_beside(
        zone, 465, tls='implicit', cert=trusted.named('post.shop.test'), accounts=ACCOUNTS
    )
    proposal = found.proposal
    assert proposal is not None
    assert (proposal.source, proposal.host, proposal.port) == (Source.SRV, 'post.shop.test', 465)
    assert proposal.security is Security.SSL
    assert proposal.source_detail.startswith('found in DNS')
    assert server.recorder.auth_attempts == []  # no password is ever tried


async def test_srv_whose_target_shows_a_certificate_for_another_name_is_not_proposed(trusted: TestPKI) -> None:
    zone = """
    _submissions._tcp.shop.test. 300 IN SRV 0 1 465 post.shop.test.
    post.shop.test.              300 IN A   127.0.0.1
    """
    found, _ = await discover_beside(zone, 465, tls='implicit', cert=trusted.named('elsewhere.test'), accounts=ACCOUNTS)
    srv = outcome(found, Source.SRV)
    assert srv.status is SourceStatus.NOTHING
    assert 'post.shop.test' in srv.message and 'certificate' in srv.message
    assert found.proposal is None


async def test_srv_target_dot_means_the_service_is_not_offered() -> None:
    zone = """
    _submissions._tcp.shop.test. 300 IN SRV 0 0 0 .
    _submission._tcp.shop.test.  300 IN SRV 0 0 0 .
    """
    with serve_zone(flush_left(zone)) as dns:
        _, found = await run('office@shop.test', network(dns))
    srv = outcome(found, Source.SRV)
    assert srv.status is SourceStatus.NOTHING
    assert srv.message.count('not offered') == 2
    assert found.proposal is None
    assert 'No settings found for shop.test' in found.message


async def test_srv_submission_with_starttls_when_submissions_is_not_offered(trusted: TestPKI) -> None:
    zone = """
    _submissions._tcp.shop.test. 300 IN SRV 0 0 0 .
    _submission._tcp.shop.test.  300 IN SRV 0 1 587 post.shop.test.
    post.shop.test.              300 IN A   127.0.0.1
    """
    found, _ = await discover_beside(zone, 587, tls='starttls', cert=trusted.named('post.shop.test'), accounts=ACCOUNTS)
    assert found.proposal is not None
    assert (found.proposal.source, found.proposal.port) == (Source.SRV, 587)
    assert found.proposal.security is Security.STARTTLS


async def test_a_silent_dns_server_is_could_not_check_never_nothing_found() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout('no answer', request=request)

    with silent_dns() as dns:
        net = Network(resolver=dns.resolver(timeout=0.5), transport=httpx.MockTransport(timeout))
        _, found = await run('office@shop.test', net)
    assert found.proposal is None
    for source in (Source.AUTOCONFIG, Source.MX, Source.SRV, Source.PROBE):
        assert outcome(found, source).status is SourceStatus.UNAVAILABLE, source
    assert 'not everything could be checked' in found.message
    assert 'No settings found for shop.test. Ask' not in found.message


async def test_probing_finds_smtp_of_the_domain_on_465_before_587(trusted: TestPKI) -> None:
    zone = 'smtp.shop.test. 300 IN A 127.0.0.1'
    cert = trusted.named('smtp.shop.test')
    async with (
        smtp_server(tls='implicit', cert=cert, accounts=ACCOUNTS) as ssl_server,
        smtp_server(tls='starttls', cert=cert, accounts=ACCOUNTS) as starttls_server,
    ):
        with serve_zone(flush_left(zone)) as dns:
            _, found = await run(
                'office@shop.test', network(dns, ports={465: ssl_server.port, 587: starttls_server.port})
            )
    proposal = found.proposal
    assert proposal is not None
    assert (proposal.source, proposal.host, proposal.port, proposal.security) == (
        Source.PROBE,
        'smtp.shop.test',
        465,
        Security.SSL,
    )
    assert proposal.sources['username'].startswith('assumed')
    assert ssl_server.recorder.auth_attempts == [] and starttls_server.recorder.auth_attempts == []


async def test_probing_skips_a_server_that_offers_no_sign_in(trusted: TestPKI) -> None:
    zone = 'mail.shop.test. 300 IN A 127.0.0.1'
    found, _ = await discover_beside(zone, 25, tls='starttls', cert=trusted.named('mail.shop.test'))
    assert found.proposal is None
    assert outcome(found, Source.PROBE).status is SourceStatus.NOTHING


async def test_the_domains_own_autoconfig_wins_over_an_mx_that_answered_first() -> None:
    mx_answered = asyncio.Event()

    class ObservedResolver(DnsResolver):
        async def mx(self, domain: str) -> tuple[MxRecord, ...]:
            records = await super().mx(domain)
            mx_answered.set()
            return records

    async def config_after_mx(_request: httpx.Request) -> httpx.Response:
        await mx_answered.wait()
        return httpx.Response(200, content=VALID_CONFIG)

    transport = web({'https://autoconfig.shop.test/mail/config-v1.1.xml': config_after_mx})
    zone = 'shop.test. 300 IN MX 0 shop-test.mail.protection.outlook.com.'
    with serve_zone(flush_left(zone)) as dns:
        net = network(dns, transport)
        net.resolver = ObservedResolver([dns.host], port=dns.port, timeout=1.0)
        _, found = await run('office@shop.test', net)
    proposal = found.proposal
    assert proposal is not None
    assert (proposal.source, proposal.host, proposal.port) == (Source.AUTOCONFIG, 'out.shop.test', 587)
    assert (proposal.username, proposal.username_form.value) == ('office', 'local-part')
    assert outcome(found, Source.MX).status is SourceStatus.FOUND
    sent = transport.seen[0]  # type: ignore[attr-defined]
    assert sent.url.params['emailaddress'] == 'office@shop.test'


async def test_a_built_in_provider_answers_at_once_and_the_network_sources_are_stopped() -> None:
    with silent_dns() as dns:
        net = Network(resolver=dns.resolver(timeout=5.0), transport=web())
        events, found = await run('someone@gmail.com', net, online_ispdb=True)
    assert found.proposal is not None and found.proposal.source is Source.PROVIDER
    assert outcome(found, Source.PROBE).status is SourceStatus.SKIPPED
    assert 'Not needed' in outcome(found, Source.MX).message
    assert [e.source for e in events if e.status is SourceStatus.ASKING] == list(Source)


async def test_without_network_only_the_bundled_data_is_asked() -> None:
    _, found = await run('someone@web.de', None, use_network=False)
    assert found.proposal is not None
    assert (found.proposal.source, found.proposal.host) == (Source.ISPDB, 'smtp.web.de')
    assert (found.proposal.username, found.proposal.username_form.value) == ('someone', 'local-part')
    for source in (Source.AUTOCONFIG, Source.MX, Source.SRV, Source.PROBE):
        assert outcome(found, source).status is SourceStatus.SKIPPED


async def test_an_address_without_at_sign_is_refused_with_what_to_type() -> None:
    _, found = await run('office', None, use_network=False)
    assert found.proposal is None and found.outcomes == ()
    assert 'not a valid email address' in found.message
