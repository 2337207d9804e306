"""Find my settings in Icelandic: the terminal set to Icelandic, and the search run in Icelandic on loopback DNS.
Source codes, statuses and JSON keys stay as they are; only the words change."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx

from core.discovery.model import Source, SourceStatus
from core.discovery.network import Network
from core.i18n import using_language
from tests.discovery.test_discover_cli import ROOT
from tests.discovery.test_finder import outcome, run
from tests.support.dns_server import serve_zone, silent_dns


def discover_in_icelandic(*args: str) -> subprocess.CompletedProcess[str]:
    """`python main.py discover` in a terminal whose locale is Icelandic, whatever the test machine's own is."""
    env = {name: value for name, value in os.environ.items() if name not in ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES')}
    return subprocess.run(
        [sys.executable, 'main.py', 'discover', *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, 'LANG': 'is_IS.UTF-8'},
    )


def test_a_terminal_set_to_icelandic_names_each_source_and_the_settings_in_icelandic() -> None:
    done = discover_in_icelandic('someone@gmail.com', '--no-network')
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert '✓ Listi Mailroom yfir tölvupóstþjónustur: gmail.com er Gmail. smtp.gmail.com, gátt 587, STARTTLS.' in out
    assert '· Póstþjónar lénsins þíns (MX): Ekki spurt: aðeins var beðið um gögnin sem fylgja Mailroom.' in out
    assert '  SMTP-þjónn        smtp.gmail.com   (heimild: Stillingar Mailroom fyrir Gmail)' in out
    assert '  Notandanafn       someone@gmail.com   (allt netfangið þitt;' in out
    assert 'forritslykilorð (búið til í öryggisstillingum aðgangsins þíns)' in out
    assert 'python main.py check --host smtp.gmail.com --port 587 --security starttls' in out


def test_json_in_icelandic_keeps_english_keys_and_codes() -> None:
    done = discover_in_icelandic('anna@shop.test', '--no-network', '--json')
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    result = lines[-1]
    assert set(result) == {'address', 'found', 'message', 'settings', 'could_not_check'}
    assert result['found'] is False
    assert result['message'].startswith('shop.test er ekki í gögnunum sem fylgja Mailroom.')
    assert {
        'source': 'mx',
        'status': 'skipped',
        'message': 'Ekki spurt: aðeins var beðið um gögnin sem fylgja Mailroom.',
    } in lines


def test_the_help_of_discover_is_in_icelandic_and_argparse_keeps_its_own_words() -> None:
    shown = discover_in_icelandic('--help').stdout
    help_text = ' '.join(shown.split())  # argparse wraps lines
    assert 'Finna SMTP-þjón, gátt, öryggi tengingar og form notandanafns fyrir netfang.' in help_text
    assert 'netfangið sem þú sendir frá, t.d. office@example.com' in help_text
    assert shown.startswith('usage: python main.py discover')


async def test_an_mx_answer_is_told_in_icelandic() -> None:
    with using_language('is'), serve_zone('firm.test. 300 IN MX 0 firm-test.mail.protection.outlook.com.') as dns:
        _events, found = await run('anna@firm.test', Network(resolver=dns.resolver(timeout=1.0)), use_network=True)
    assert found.proposal is not None
    mx = outcome(found, Source.MX)
    assert mx.message.startswith('firm-test.mail.protection.outlook.com er Microsoft 365. ')
    assert found.proposal.source_detail == (
        'póstþjónn lénsins þíns, firm-test.mail.protection.outlook.com, tilheyrir Microsoft 365'
    )
    assert found.message.startswith('Stillingar fundust fyrir firm.test: ')


async def test_a_silent_dns_is_could_not_check_in_icelandic() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout('no answer', request=request)

    with using_language('is'), silent_dns() as dns:
        net = Network(resolver=dns.resolver(timeout=0.5), transport=httpx.MockTransport(timeout))
        _events, found = await run('office@shop.test', net)
    mx = outcome(found, Source.MX)
    assert mx.status is SourceStatus.UNAVAILABLE
    assert mx.message == 'Ekki tókst að athuga: DNS svaraði ekki um MX-færslur shop.test (ekkert svar innan 0,5 sek.).'
    assert found.message.startswith('Engar stillingar fundust fyrir shop.test, en ekki var hægt að athuga allt (')
    assert 'Póstþjónar lénsins þíns (MX)' in found.message
