"""Each deliverability rule against its own zone on a real DNS server on loopback."""

from __future__ import annotations

from functools import cache

import pytest

from core.deliverability.check import check_deliverability
from core.deliverability.facts import SendingSetup
from core.deliverability.findings import Finding, FindingStatus, Report
from core.settings import EmailSettings, Protocol
from tests.deliverability.zones import public_key_record, rsa_key, txt, weak_public_key
from tests.support.dns_server import serve_zone, silent_dns

GOOD, WARN, PROBLEM, UNKNOWN = FindingStatus.GOOD, FindingStatus.WARN, FindingStatus.PROBLEM, FindingStatus.UNKNOWN
WORKSPACE = SendingSetup.from_settings(EmailSettings(host='smtp.gmail.com', port=587, username='anna@shop.test'))
OWN_SERVER = SendingSetup.from_settings(
    EmailSettings(host='mail.shop.test', port=587, username='anna', email='anna@shop.test'),
    server_name='mail.shop.test',
)
GOOGLE_SPF = txt('_spf.google.com', 'v=spf1 ip4:198.51.100.0/24 ~all')
OUTLOOK_SPF = txt('spf.protection.outlook.com', 'v=spf1 ip4:203.0.113.0/24 -all')
DMARC_REJECT = txt('_dmarc.shop.test', 'v=DMARC1; p=reject; rua=mailto:dmarc@shop.test')


@cache
def google_key() -> str:
    return txt('google._domainkey.shop.test', public_key_record(rsa_key().public_key()))


def zone(*records: str) -> str:
    return '\n'.join(records)


async def report_for(zone_text: str, setup: SendingSetup = WORKSPACE) -> Report:
    with serve_zone(zone_text) as server:
        return await check_deliverability(setup, server.resolver())


def found(report: Report, check: str) -> Finding:
    finding = report.get(check)
    assert finding is not None, f'no {check} finding in {[f.check for f in report.findings]}'
    return finding


def status(report: Report, check: str) -> FindingStatus:
    return found(report, check).status


def good_zone(spf_record: str = 'v=spf1 include:_spf.google.com ~all') -> str:
    return zone(txt('shop.test', spf_record), GOOGLE_SPF, OUTLOOK_SPF, google_key(), DMARC_REJECT)


async def test_a_well_set_up_workspace_domain_is_good_throughout() -> None:
    report = await report_for(good_zone())
    assert {f.check: f.status for f in report.findings} == {
        'from-domain': GOOD,
        'spf': GOOD,
        'spf-lookups': GOOD,
        'spf-all': GOOD,
        'spf-provider': GOOD,
        'dkim': GOOD,
        'dmarc': GOOD,
        'sender-rules': GOOD,
    }
    assert report.domain == 'shop.test'


async def test_no_spf_record_is_a_problem_with_the_record_to_add() -> None:
    report = await report_for(zone(google_key(), DMARC_REJECT))
    spf = found(report, 'spf')
    assert spf.status is PROBLEM
    assert 'v=spf1 include:_spf.google.com ~all' in spf.action


async def test_spf_without_the_providers_include_is_a_problem() -> None:
    report = await report_for(good_zone('v=spf1 include:spf.protection.outlook.com ~all'))
    finding = found(report, 'spf-provider')
    assert finding.status is PROBLEM
    assert 'include:_spf.google.com' in finding.action


async def test_plus_all_lets_every_server_send_and_is_a_problem() -> None:
    report = await report_for(good_zone('v=spf1 include:_spf.google.com +all'))
    assert status(report, 'spf-all') is PROBLEM


async def test_question_mark_all_is_worth_fixing() -> None:
    report = await report_for(good_zone('v=spf1 include:_spf.google.com ?all'))
    assert status(report, 'spf-all') is WARN


def chain_zone(last: str) -> str:
    """2 lookups at the top, 3 + 4 in the includes, 1 redirect, then `last`: ten lookups before `last` adds any."""
    return zone(
        txt('shop.test', 'v=spf1 include:_spf.google.com include:n1.shop.test ~all'),
        GOOGLE_SPF,
        txt('n1.shop.test', 'v=spf1 a mx include:n2.shop.test -all'),
        txt('n2.shop.test', 'v=spf1 a mx exists:%{i}.x.shop.test include:n3.shop.test -all'),
        txt('n3.shop.test', 'v=spf1 redirect=n4.shop.test'),
        txt('n4.shop.test', last),
        google_key(),
        DMARC_REJECT,
    )


async def test_eleven_lookups_through_includes_and_redirect_is_a_problem() -> None:
    report = await report_for(chain_zone('v=spf1 a -all'))
    finding = found(report, 'spf-lookups')
    assert finding.status is PROBLEM
    assert '11 DNS lookups' in finding.message


async def test_exactly_ten_lookups_is_within_the_limit() -> None:
    report = await report_for(chain_zone('v=spf1 ip4:192.0.2.1 -all'))
    finding = found(report, 'spf-lookups')
    assert finding.status is GOOD
    assert '10 of at most 10' in finding.message


async def test_two_spf_records_are_a_problem() -> None:
    zone_text = good_zone() + '\n' + txt('shop.test', 'v=spf1 include:spf.protection.outlook.com -all')
    report = await report_for(zone_text)
    spf = found(report, 'spf')
    assert spf.status is PROBLEM
    assert '2 SPF records' in spf.message


async def test_an_include_without_spf_record_is_a_mistake() -> None:
    report = await report_for(good_zone('v=spf1 include:_spf.google.com include:gone.shop.test ~all'))
    spf = found(report, 'spf')
    assert spf.status is PROBLEM
    assert 'gone.shop.test has no SPF record' in spf.message


async def test_dmarc_reject_with_neither_spf_nor_dkim_passing_tells_receivers_to_reject() -> None:
    zone_text = zone(txt('shop.test', 'v=spf1 include:spf.protection.outlook.com -all'), OUTLOOK_SPF, DMARC_REJECT)
    report = await report_for(zone_text)
    dmarc = found(report, 'dmarc')
    assert dmarc.status is PROBLEM
    assert 'Your own domain tells receivers to reject these emails' in dmarc.message
    assert status(report, 'dkim') is WARN
    assert status(report, 'sender-rules') is PROBLEM


async def test_dmarc_reject_without_dkim_still_passes_through_spf() -> None:
    report = await report_for(zone(txt('shop.test', 'v=spf1 include:_spf.google.com ~all'), GOOGLE_SPF, DMARC_REJECT))
    assert status(report, 'dmarc') is GOOD
    assert status(report, 'dkim') is WARN
    assert status(report, 'sender-rules') is WARN  # bulk senders need DKIM as well


async def test_no_dmarc_record_is_worth_fixing_with_a_record_to_add() -> None:
    report = await report_for(zone(txt('shop.test', 'v=spf1 include:_spf.google.com ~all'), GOOGLE_SPF, google_key()))
    dmarc = found(report, 'dmarc')
    assert dmarc.status is WARN
    assert '_dmarc.shop.test' in dmarc.action and 'v=DMARC1; p=none' in dmarc.action


async def test_a_subdomain_uses_the_dmarc_record_of_its_parent() -> None:
    setup = SendingSetup.from_settings(EmailSettings(host='smtp.gmail.com', username='anna@billing.shop.test'))
    zone_text = zone(
        txt('billing.shop.test', 'v=spf1 include:spf.protection.outlook.com -all'),
        txt('_dmarc.shop.test', 'v=DMARC1; p=none; sp=quarantine'),
        OUTLOOK_SPF,
    )
    report = await report_for(zone_text, setup)
    dmarc = found(report, 'dmarc')
    assert dmarc.status is PROBLEM
    assert 'put in spam' in dmarc.message and dmarc.details['Found at'] == '_dmarc.shop.test'


async def test_a_dkim_key_under_1024_bits_is_a_problem() -> None:
    short = txt('google._domainkey.shop.test', public_key_record(weak_public_key(512)))
    report = await report_for(zone(txt('shop.test', 'v=spf1 include:_spf.google.com ~all'), GOOGLE_SPF, short))
    dkim = found(report, 'dkim')
    assert dkim.status is PROBLEM
    assert '512 bits' in dkim.message


def own_server_zone(ptr_name: str, forward: str) -> str:
    return zone(
        txt('shop.test', 'v=spf1 mx ~all'),
        'shop.test. 300 IN MX 10 mail.shop.test.',
        'mail.shop.test. 300 IN A 192.0.2.25',
        f'25.2.0.192.in-addr.arpa. 300 IN PTR {ptr_name}.',
        f'{ptr_name}. 300 IN A {forward}',
        txt('_dmarc.shop.test', 'v=DMARC1; p=none'),
    )


async def test_own_server_with_matching_reverse_dns_and_ehlo_name_is_good() -> None:
    report = await report_for(own_server_zone('mail.shop.test', '192.0.2.25'), OWN_SERVER)
    assert status(report, 'reverse-dns') is GOOD
    assert status(report, 'spf-provider') is GOOD  # allowed through the record's mx


async def test_reverse_dns_that_does_not_lead_back_is_a_problem() -> None:
    report = await report_for(own_server_zone('host-25.isp.test', '192.0.2.99'), OWN_SERVER)
    finding = found(report, 'reverse-dns')
    assert finding.status is PROBLEM
    assert 'does not lead back to 192.0.2.25' in finding.message
    assert status(report, 'sender-rules') is PROBLEM


async def test_an_ehlo_name_other_than_the_reverse_name_is_worth_fixing() -> None:
    report = await report_for(own_server_zone('host-25.isp.test', '192.0.2.25'), OWN_SERVER)
    finding = found(report, 'reverse-dns')
    assert finding.status is WARN
    assert 'introduces itself as mail.shop.test' in finding.message


async def test_no_reverse_dns_at_all_is_a_problem() -> None:
    zone_text = zone(txt('shop.test', 'v=spf1 ip4:192.0.2.25 ~all'), 'mail.shop.test. 300 IN A 192.0.2.25')
    report = await report_for(zone_text, OWN_SERVER)
    assert status(report, 'reverse-dns') is PROBLEM
    assert status(report, 'spf-provider') is GOOD  # allowed through ip4


async def test_a_silent_dns_server_is_could_not_check_never_missing() -> None:
    with silent_dns() as server:
        report = await check_deliverability(OWN_SERVER, server.resolver(timeout=0.3))
    looked_up = {f.check: f.status for f in report.findings if f.check != 'from-domain'}
    assert looked_up == {
        'spf': UNKNOWN,
        'dkim': UNKNOWN,
        'dmarc': UNKNOWN,
        'reverse-dns': UNKNOWN,
        'sender-rules': UNKNOWN,
    }
    assert all(f.message.startswith('Could not') for f in report.findings if f.check != 'from-domain')


async def test_servfail_for_dmarc_is_could_not_check() -> None:
    with serve_zone(good_zone(), servfail=('_dmarc.shop.test',)) as server:
        report = await check_deliverability(WORKSPACE, server.resolver())
    assert status(report, 'dmarc') is UNKNOWN
    assert status(report, 'spf') is GOOD


async def test_a_free_mail_address_sent_through_another_server_is_refused_by_its_own_domain() -> None:
    setup = SendingSetup.from_settings(EmailSettings(host='mail.shop.test', username='anna', email='anna@yahoo.com'))
    report = await report_for(zone(txt('_dmarc.yahoo.com', 'v=DMARC1; p=reject')), setup)
    finding = found(report, 'from-domain')
    assert finding.status is PROBLEM
    assert 'yahoo.com itself tells receivers to reject' in finding.meaning
    assert [f.check for f in report.findings] == ['from-domain', 'reverse-dns', 'sender-rules']
    assert status(report, 'sender-rules') is PROBLEM


async def test_a_free_mail_address_through_its_own_provider_is_good() -> None:
    setup = SendingSetup.from_settings(EmailSettings(host='smtp.gmail.com', username='anna@gmail.com'))
    report = await report_for(zone(txt('gmail.com', 'v=spf1 redirect=_spf.google.com'), GOOGLE_SPF), setup)
    assert {f.check: f.status for f in report.findings} == {'from-domain': GOOD, 'sender-rules': GOOD}


async def test_a_company_address_through_a_gmail_account_is_rewritten() -> None:
    setup = SendingSetup.from_settings(
        EmailSettings(host='smtp.gmail.com', username='anna.smith', email='anna@shop.test')
    )
    report = await report_for(good_zone(), setup)
    finding = report.get('from-domain')
    assert finding is not None and finding.status is PROBLEM  # shop.test publishes p=reject
    assert 'Send mail as' in finding.meaning
    assert status(report, 'dmarc') is PROBLEM


async def test_microsoft_needs_send_as_for_another_address() -> None:
    setup = SendingSetup('billing@shop.test', 'anna@shop.test', smtp_host='smtp.office365.com')
    report = await report_for(
        zone(txt('shop.test', 'v=spf1 include:spf.protection.outlook.com -all'), OUTLOOK_SPF), setup
    )
    finding = found(report, 'from-domain')
    assert finding.status is WARN
    assert 'Send As' in finding.meaning


@pytest.mark.parametrize('from_address', ['', 'not an address'])
async def test_no_valid_from_address_is_one_problem_without_lookups(from_address: str) -> None:
    report = await report_for('', SendingSetup(from_address, 'anna', smtp_host='smtp.gmail.com'))
    assert [(f.check, f.status) for f in report.findings] == [('from-domain', PROBLEM)]


async def test_an_http_service_is_judged_by_what_the_dns_shows_and_the_rest_left_to_the_headers() -> None:
    setup = SendingSetup.from_settings(
        EmailSettings(protocol=Protocol.HTTP, http_server='https://mail.example.test', reply_to='anna@shop.test')
    )
    zone_text = zone(
        txt('shop.test', 'v=spf1 include:relay.example.test ~all'),
        txt('relay.example.test', 'v=spf1 ip4:198.51.100.0/24 -all'),
        DMARC_REJECT,
    )
    report = await report_for(zone_text, setup)
    assert report.get('from-domain') is None and report.get('spf-provider') is None
    dmarc = found(report, 'dmarc')
    assert dmarc.status is UNKNOWN
    assert 'HTTP email service' in dmarc.action and 'paste its headers' in dmarc.action
    assert 'blocking DNS' not in found(report, 'sender-rules').action


async def test_spf_syntax_mistakes_are_named() -> None:
    report = await report_for(good_zone('v=spf1 ip4:300.1.2.3 include include:_spf.google.com mx=x ~all'))
    spf = found(report, 'spf')
    assert spf.status is PROBLEM
    assert '"300.1.2.3" is not an IP address or network' in spf.message
    assert 'include needs a value' in spf.message
    assert 'mx is written mx:…, not mx=…' in spf.message
