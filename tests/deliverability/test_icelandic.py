"""The deliverability findings and the terminal's report in Icelandic: worded in the language of the work that asks
for them, with the stable parts (check keys, statuses, JSON keys) unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cli import check as check_cli
from cli.deliverability import TEST_DNS_ENV, format_report
from core.deliverability.check import check_deliverability
from core.deliverability.findings import Finding, FindingStatus, Report
from core.i18n import using_language
from tests.deliverability.test_check_cli import ZONE, main_check_deliverability
from tests.deliverability.test_domain_findings import (
    DMARC_REJECT,
    GOOGLE_SPF,
    OWN_SERVER,
    WORKSPACE,
    found,
    report_for,
    zone,
)
from tests.deliverability.test_header_analyser import analyse, eml, key_zone, signed, the_signature
from tests.deliverability.zones import rsa_key, txt
from tests.diagnostics.conftest import ACCOUNTS
from tests.diagnostics.test_check_cli import parse, saved
from tests.support.certs import TestPKI
from tests.support.dns_server import serve_zone
from tests.support.smtp_servers import threaded_smtp_server


def icelandic_environment() -> dict[str, str]:
    """The environment of a terminal set to Icelandic, whatever the test machine's own locale."""
    env = {name: value for name, value in os.environ.items() if name not in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES')}
    return {**env, 'LANG': 'is_IS.UTF-8'}


async def test_domain_findings_are_worded_in_icelandic_under_using_language() -> None:
    records = zone(txt('shop.test', 'v=spf1 include:_spf.google.com +all'), GOOGLE_SPF, DMARC_REJECT)
    with using_language('is'):
        report = await report_for(records)
    spf_all = found(report, 'spf-all')
    assert spf_all.status is FindingStatus.PROBLEM
    assert spf_all.title == 'SPF fyrir aðra þjóna'
    assert spf_all.message == (
        'SPF-færsla shop.test endar á +all: hún leyfir öllum þjónum heimsins að senda sem shop.test.'
    )
    assert spf_all.action.startswith('Breyttu +all aftast í færslunni í ~all')
    dkim = found(report, 'dkim')
    assert dkim.message == 'shop.test birtir engan DKIM-lykil fyrir Google Workspace (leitað undir google).'
    assert 'Google Admin console → Apps' in dkim.action and 'Kveiktu á DKIM' in dkim.action
    rules = found(report, 'sender-rules')
    assert rules.title == 'Reglur Gmail, Yahoo og Outlook.com um sendendur'
    assert rules.details['All senders: Encrypted connection (TLS)'] == 'já'  # the labels stay keys for scripts ...
    with using_language('is'):
        assert rules.shown_details()['Allir sendendur: Dulkóðuð tenging (TLS)'] == 'já'  # ... worded where shown


@pytest.mark.parametrize(('lookups', 'word'), [(21, 'DNS-uppflettingu'), (11, 'DNS-uppflettingar')])
async def test_a_count_of_lookups_takes_the_icelandic_plural_rule(lookups: int, word: str) -> None:
    record = 'v=spf1 ' + ' '.join(f'a:h{n}.shop.test' for n in range(lookups)) + ' ~all'
    with using_language('is'):
        report = await report_for(zone(txt('shop.test', record)))
    assert found(report, 'spf-lookups').message == f'SPF-færsla shop.test þarf {lookups} {word}; hámarkið er 10.'


async def test_the_reverse_dns_of_an_own_server_is_explained_in_icelandic() -> None:
    records = zone(txt('shop.test', 'v=spf1 a ~all'), 'mail.shop.test. 300 IN A 192.0.2.25')
    with using_language('is'):
        report = await report_for(records, OWN_SERVER)
    reverse = found(report, 'reverse-dns')
    assert reverse.status is FindingStatus.PROBLEM
    assert reverse.title == 'Öfug DNS-vísun þjónsins þíns'
    assert reverse.message == 'Vistfang þjónsins þíns, 192.0.2.25, hefur ekkert nafn í öfugri DNS-vísun.'


async def test_a_silent_dns_reads_as_could_not_check_in_icelandic() -> None:
    with using_language('is'), serve_zone('', servfail=('shop.test', '_dmarc.shop.test')) as dns:
        report = await check_deliverability(WORKSPACE, dns.resolver())
    spf = found(report, 'spf')
    assert spf.status is FindingStatus.UNKNOWN
    assert spf.message.startswith('Ekki tókst að athuga SPF: DNS svaraði ekki fyrir shop.test')
    assert spf.action.startswith('Keyrðu athugunina aftur eftir mínútu.')


async def test_pasted_headers_are_judged_in_icelandic() -> None:
    key = rsa_key()
    headers_only = signed(eml('pass.eml'), key).partition(b'\r\n\r\n')[0]
    with using_language('is'):
        analysis = await analyse(headers_only, key_zone(key))
        empty = await analyse('')
    signature = the_signature(analysis)
    assert signature.title == 'DKIM-undirskrift'
    assert signature.message == 'Undirskrift shop.test (veljari „mailroom“) er gild og passar við lén sendandans.'
    with using_language('is'):
        shown = signature.shown_details()
    assert shown['Meginmál'] == 'ekki límt: aðeins undirrituðu hauslínurnar voru athugaðar'
    assert empty.error.startswith('Ekkert að athuga: reiturinn er tómur. Opnaðu alla hausa tölvupóstsins')


def test_the_terminal_report_groups_and_labels_in_icelandic() -> None:
    report = Report('shop.test', (Finding('spf', 'SPF', FindingStatus.PROBLEM, 'Vantar.', 'Skiptir máli.', 'Lagaðu.'),))
    with using_language('is'):
        text = format_report(report)
    assert 'Afhendingarhæfni fyrir shop.test' in text
    assert '  Vandamál\n    ✗ SPF: Vantar.' in text
    assert 'Hvers vegna það skiptir máli: Skiptir máli.' in text and 'Hvað er til ráða: Lagaðu.' in text


def test_check_json_keeps_english_keys_with_icelandic_words(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_zone(ZONE) as dns, threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as smtp:
        monkeypatch.setenv(TEST_DNS_ENV, f'{dns.host}:{dns.port}')
        with using_language('is'):
            code = check_cli.run(parse('--json', '--no-send', '--deliverability', '--timeout', '3'), saved(smtp.port))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == check_cli.EXIT_PASS
    findings = {finding['check']: finding for finding in lines[-1]['deliverability']['findings']}
    spf_all = findings['spf-all']
    assert set(spf_all) == {'check', 'title', 'status', 'message', 'meaning', 'action', 'details'}
    assert spf_all['status'] == 'problem'
    assert spf_all['title'] == 'SPF fyrir aðra þjóna'
    assert findings['sender-rules']['details']['All senders: Encrypted connection (TLS)'] == 'já'  # keys stay English


async def test_check_deliverability_in_a_terminal_set_to_icelandic(trusted: TestPKI, tmp_path: Path) -> None:
    code, out, err = await main_check_deliverability(trusted, tmp_path / 'data', icelandic_environment())
    assert code == 0, err
    assert 'Prófa 127.0.0.1 gátt' in out and 'án þess að senda.' in out
    assert 'Athuga afhendingarhæfni example.com.' in out
    report = out[out.index('Afhendingarhæfni fyrir example.com') :]
    assert report.index('Vandamál') < report.index('Vert að laga') < report.index('Í lagi')
    assert '✗ SPF fyrir aðra þjóna: SPF-færsla example.com endar á +all' in report
    assert 'Hvað er til ráða: Breyttu +all aftast í færslunni í ~all' in report
