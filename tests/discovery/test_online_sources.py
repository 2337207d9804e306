"""Thunderbird's online database (only when chosen: it tells Mozilla the domain) and the settings file of the domain
that hosts the mail (found through MX), answered by httpx.MockTransport and a loopback DNS server."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import httpx

from cli import discover as discover_cli
from core.discovery.model import Source, SourceStatus
from core.i18n import using_language
from storage.folder import DataFolder
from tests.discovery.support import network as loopback_network
from tests.discovery.support import web
from tests.discovery.test_discover_cli import discover as discover_command
from tests.discovery.test_finder import flush_left, outcome, run
from tests.support.dns_server import serve_zone

LIVE_SHOP = 'https://live.thunderbird.net/autoconfig/v1.1/shop.test'
LIVE_MAILHOST = 'https://live.thunderbird.net/autoconfig/v1.1/mailhost.test'
MAILHOST_AUTOCONFIG = 'https://autoconfig.mailhost.test/mail/config-v1.1.xml'
MAILHOST_MX = 'firm.test. 300 IN MX 10 mx1.mailhost.test.'

MAILHOST_CONFIG = b"""<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="mailhost.test">
    <domain>mailhost.test</domain>
    <displayName>Mailhost</displayName>
    <outgoingServer type="smtp">
      <hostname>smtp.mailhost.test</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>
"""


def answer(_request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=MAILHOST_CONFIG)


def asked(transport: httpx.MockTransport) -> list[str]:
    """Every URL the search fetched, without its query."""
    return [str(request.url.copy_with(query=None)) for request in transport.seen]  # type: ignore[attr-defined]


async def test_the_online_database_is_never_asked_when_it_is_not_chosen() -> None:
    transport = web({LIVE_SHOP: answer, LIVE_MAILHOST: answer})
    zone = 'shop.test. 300 IN MX 10 mx1.mailhost.test.'
    with serve_zone(flush_left(zone)) as dns:
        _events, found = await run('office@shop.test', loopback_network(dns, transport))
    assert not any('live.thunderbird.net' in url for url in asked(transport))
    live = outcome(found, Source.LIVE_ISPDB)
    assert live.status is SourceStatus.SKIPPED
    assert 'tells Mozilla your domain' in live.message


async def test_a_domain_missing_from_the_bundle_is_found_in_the_online_database_when_chosen() -> None:
    transport = web({LIVE_SHOP: answer})
    with serve_zone('') as dns:
        _events, found = await run('office@shop.test', loopback_network(dns, transport), online_ispdb=True)
    proposal = found.proposal
    assert proposal is not None
    assert (proposal.source, proposal.host, proposal.port) == (Source.LIVE_ISPDB, 'smtp.mailhost.test', 465)
    assert proposal.source_detail == f'Thunderbird’s online provider database ({LIVE_SHOP})'
    assert outcome(found, Source.LIVE_ISPDB).status is SourceStatus.FOUND
    assert found.message.endswith(f'Source: Thunderbird’s online provider database ({LIVE_SHOP}).')


async def test_the_domains_own_settings_file_wins_over_the_online_database() -> None:
    own = 'https://autoconfig.shop.test/mail/config-v1.1.xml'
    transport = web({LIVE_SHOP: answer, own: answer})
    with serve_zone('') as dns:
        _events, found = await run('office@shop.test', loopback_network(dns, transport), online_ispdb=True)
    assert found.proposal is not None and found.proposal.source is Source.AUTOCONFIG


async def test_a_domain_in_the_bundle_is_never_sent_to_mozilla() -> None:
    transport = web({'https://live.thunderbird.net/autoconfig/v1.1/web.de': answer})
    with serve_zone('') as dns:
        _events, found = await run('anna@web.de', loopback_network(dns, transport), online_ispdb=True)
    assert found.proposal is not None and found.proposal.source is Source.ISPDB
    assert not any('live.thunderbird.net' in url for url in asked(transport))


async def test_bundled_only_asks_nothing_online_even_with_the_online_database_chosen() -> None:
    _events, found = await run('office@shop.test', None, use_network=False, online_ispdb=True)
    assert found.proposal is None
    assert outcome(found, Source.LIVE_ISPDB).status is SourceStatus.SKIPPED
    assert outcome(found, Source.LIVE_ISPDB).message == 'Not asked: only the bundled data was wanted.'


async def test_an_mx_at_a_host_whose_domain_publishes_a_settings_file_is_found_with_where_it_came_from() -> None:
    transport = web({MAILHOST_AUTOCONFIG: answer})
    with serve_zone(flush_left(MAILHOST_MX)) as dns:
        _events, found = await run('anna@firm.test', loopback_network(dns, transport))
    proposal = found.proposal
    assert proposal is not None
    assert (proposal.source, proposal.host, proposal.username) == (Source.MX, 'smtp.mailhost.test', 'anna@firm.test')
    assert proposal.source_detail == 'the settings file of mailhost.test, which hosts your domain’s mail'
    assert outcome(found, Source.MX).message.startswith('mx1.mailhost.test belongs to mailhost.test (Mailhost).')
    mailhost = next(r for r in transport.seen if r.url.host == 'autoconfig.mailhost.test')  # type: ignore[attr-defined]
    assert mailhost.url.params['emailaddress'] == 'anna@firm.test'
    assert LIVE_MAILHOST not in asked(transport)


async def test_an_mx_hosts_domain_is_asked_in_the_online_database_when_chosen() -> None:
    transport = web({LIVE_MAILHOST: answer})
    with serve_zone(flush_left(MAILHOST_MX)) as dns:
        _events, found = await run('anna@firm.test', loopback_network(dns, transport), online_ispdb=True)
    proposal = found.proposal
    assert proposal is not None and proposal.source is Source.MX
    assert proposal.source_detail == (
        'Thunderbird’s online provider database, for mailhost.test, which hosts your domain’s mail'
    )


async def test_an_mx_hosts_domain_that_does_not_answer_in_time_is_could_not_check() -> None:
    def too_slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout('no answer', request=request)

    transport = web({MAILHOST_AUTOCONFIG: too_slow})
    with serve_zone(flush_left(MAILHOST_MX)) as dns:
        _events, found = await run('anna@firm.test', loopback_network(dns, transport))
    mx = outcome(found, Source.MX)
    assert mx.status is SourceStatus.UNAVAILABLE
    assert mx.message == f'Could not check: {MAILHOST_AUTOCONFIG} did not answer in time.'


async def test_an_mx_in_the_addresss_own_domain_asks_no_settings_file_of_its_own() -> None:
    transport = web()
    zone = 'shop.test. 300 IN MX 10 mx1.shop.test.'
    with serve_zone(flush_left(zone)) as dns:
        _events, found = await run('office@shop.test', loopback_network(dns, transport), online_ispdb=True)
    mx = outcome(found, Source.MX)
    assert mx.message == 'mx1.shop.test is in shop.test itself, so it names no provider.'
    urls = asked(transport)
    assert urls.count('https://autoconfig.shop.test/mail/config-v1.1.xml') == 1  # the own settings file, once
    assert urls.count(LIVE_SHOP) == 1  # the online database for the address's domain, once


def test_the_discover_command_asks_the_online_database_only_with_its_flag() -> None:
    transport = web({LIVE_SHOP: answer})
    results = {}
    for flag in (False, True):
        args = argparse.Namespace(address='office@shop.test', json=True, no_network=False, online_ispdb=flag)
        out = io.StringIO()
        with serve_zone('') as dns:
            code = discover_cli.run(args, loopback_network(dns, transport), out=out)
        results[flag] = (code, json.loads(out.getvalue().splitlines()[-1]))
    assert results[False][0] == discover_cli.EXIT_NOTHING
    assert results[True][0] == discover_cli.EXIT_FOUND
    assert results[True][1]['settings']['source'] == 'live-ispdb'
    assert asked(transport).count(LIVE_SHOP) == 1


async def test_the_online_database_and_the_mail_hosts_settings_file_are_named_in_icelandic() -> None:
    transport = web({LIVE_SHOP: answer, MAILHOST_AUTOCONFIG: answer})
    with using_language('is'), serve_zone(flush_left(MAILHOST_MX)) as dns:
        _events, live = await run('office@shop.test', loopback_network(dns, transport), online_ispdb=True)
        _events, mx = await run('anna@firm.test', loopback_network(dns, transport))
        assert outcome(live, Source.LIVE_ISPDB).title == 'Netgagnagrunnur Thunderbird um tölvupóstþjónustur'
        skipped = outcome(mx, Source.LIVE_ISPDB).message
    assert live.proposal is not None
    assert live.proposal.source_detail == f'Netgagnagrunnur Thunderbird um tölvupóstþjónustur ({LIVE_SHOP})'
    assert mx.proposal is not None
    assert mx.proposal.source_detail == 'stillingaskrá mailhost.test, sem hýsir póst lénsins þíns'
    assert skipped == 'Ekki spurt: slökkt er á þessu, því fyrirspurn þangað segir Mozilla hvert lénið þitt er.'


def test_the_choice_to_ask_the_online_database_is_remembered_beside_the_language(data_dir: Path) -> None:
    folder = DataFolder(data_dir)
    assert folder.preferences.online_ispdb() is False
    folder.preferences.choose_language('is')
    folder.preferences.choose_online_ispdb(True)
    folder.close()
    again = DataFolder(data_dir)
    assert (again.preferences.online_ispdb(), again.preferences.language()) == (True, 'is')
    again.close()


def test_the_online_database_flag_cannot_be_combined_with_no_network() -> None:
    done = discover_command('anna@shop.test', '--online-ispdb', '--no-network')
    assert done.returncode == 2
    assert 'not allowed with argument --online-ispdb' in done.stderr
    assert 'live.thunderbird.net' in discover_command('--help').stdout
