"""The resolver tells "there is no such record" from "could not check", against a real DNS server on loopback."""

from __future__ import annotations

import pytest

from core.dns import DnsResolver, DnsUnavailable
from tests.support.dns_server import serve_zone, silent_dns

ZONE = """
shop.test.              300 IN MX   20 backup.shop.test.
shop.test.              300 IN MX   10 mx.shop.test.
shop.test.              300 IN TXT  "v=spf1 include:spf.protection.outlook.com" " -all"
_submissions._tcp.shop.test. 300 IN SRV 0 1 465 smtp.shop.test.
_submission._tcp.shop.test.  300 IN SRV 0 0 0 .
smtp.shop.test.         300 IN A    192.0.2.10
smtp.shop.test.         300 IN AAAA 2001:db8::10
10.2.0.192.in-addr.arpa. 300 IN PTR smtp.shop.test.
nomail.test.            300 IN MX   0 .
"""


async def test_mx_records_come_most_preferred_first() -> None:
    with serve_zone(ZONE) as server:
        records = await server.resolver().mx('shop.test')
    assert [(r.preference, r.host) for r in records] == [(10, 'mx.shop.test'), (20, 'backup.shop.test')]


async def test_a_null_mx_answers_as_the_dot_host() -> None:
    with serve_zone(ZONE) as server:
        records = await server.resolver().mx('nomail.test')
    assert [r.host for r in records] == ['.']


async def test_txt_joins_the_character_strings_of_one_record() -> None:
    with serve_zone(ZONE) as server:
        texts = await server.resolver().txt('shop.test')
    assert texts == ('v=spf1 include:spf.protection.outlook.com -all',)


async def test_srv_target_dot_means_not_offered() -> None:
    with serve_zone(ZONE) as server:
        resolver = server.resolver()
        submissions = await resolver.srv('_submissions._tcp.shop.test')
        submission = await resolver.srv('_submission._tcp.shop.test')
    assert [(r.port, r.target, r.not_offered) for r in submissions] == [(465, 'smtp.shop.test', False)]
    assert [r.not_offered for r in submission] == [True]


async def test_addresses_and_reverse_names() -> None:
    with serve_zone(ZONE) as server:
        resolver = server.resolver()
        addresses = await resolver.addresses('smtp.shop.test')
        names = await resolver.ptr('192.0.2.10')
    assert addresses == ('192.0.2.10', '2001:db8::10')
    assert names == ('smtp.shop.test',)


async def test_a_missing_name_or_record_is_empty_not_unknown() -> None:
    with serve_zone(ZONE) as server:
        resolver = server.resolver()
        assert await resolver.mx('nowhere.test') == ()
        assert await resolver.txt('smtp.shop.test') == ()


async def test_a_server_failure_is_could_not_check() -> None:
    with serve_zone(ZONE, servfail=('broken.test',)) as server, pytest.raises(DnsUnavailable):
        await server.resolver().txt('broken.test')


async def test_a_silent_server_is_could_not_check_within_the_timeout() -> None:
    with silent_dns() as server, pytest.raises(DnsUnavailable) as caught:
        await server.resolver(timeout=0.3).mx('shop.test')
    assert caught.value.record_type == 'MX'
    assert 'no answer within' in caught.value.reason


async def test_tests_never_ask_the_systems_dns_servers() -> None:
    with pytest.raises(DnsUnavailable, match='no DNS server configured'):
        await DnsResolver().mx('example.com')
