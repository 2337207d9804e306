"""`python main.py discover ADDRESS`: as a user runs it (a subprocess) and in-process on a loopback network."""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
from pathlib import Path

from cli import discover as discover_cli
from tests.discovery.support import network
from tests.support.dns_server import serve_zone

ROOT = Path(__file__).resolve().parents[2]


def discover(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, 'main.py', 'discover', *args], cwd=ROOT, capture_output=True, text=True, timeout=60
    )


def test_no_network_json_ends_with_the_chosen_settings_and_their_source() -> None:
    done = discover('anna@web.de', '--no-network', '--json')
    assert done.returncode == discover_cli.EXIT_FOUND, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    result = lines[-1]
    assert result['found'] is True
    settings = result['settings']
    assert (settings['host'], settings['port'], settings['security']) == ('smtp.web.de', 465, 'ssl')
    assert (settings['source'], settings['username'], settings['username_form']) == ('ispdb', 'anna', 'local-part')
    assert 'web.de.xml' in settings['source_detail']
    statuses = {(line['source'], line['status']) for line in lines[:-1]}
    assert {('mx', 'skipped'), ('autoconfig', 'skipped'), ('srv', 'skipped'), ('probe', 'skipped')} <= statuses


def test_no_network_for_an_unknown_domain_exits_1_and_says_what_to_do() -> None:
    done = discover('anna@shop.test', '--no-network')
    assert done.returncode == discover_cli.EXIT_NOTHING
    assert 'shop.test is not in the bundled data' in done.stdout
    assert 'Ask your email provider' in done.stdout


def test_not_an_address_exits_2() -> None:
    done = discover('anna', '--no-network', '--json')
    assert done.returncode == discover_cli.EXIT_INVALID
    assert json.loads(done.stdout.splitlines()[-1])['found'] is False


def test_human_output_names_each_source_and_the_settings_to_test() -> None:
    done = discover('someone@gmail.com', '--no-network')
    assert done.returncode == 0
    assert '✓ Mailroom’s provider list: gmail.com is Gmail.' in done.stdout
    assert 'SMTP server          smtp.gmail.com' in done.stdout
    assert 'an app password' in done.stdout
    assert 'python main.py check --host smtp.gmail.com --port 587 --security starttls' in done.stdout


def test_with_the_network_the_mx_answer_is_printed_with_its_source() -> None:
    args = argparse.Namespace(address='anna@firm.test', json=True, no_network=False, online_ispdb=False)
    out = io.StringIO()
    with serve_zone('firm.test. 300 IN MX 0 firm-test.mail.protection.outlook.com.') as dns:
        code = discover_cli.run(args, network(dns), out=out)
    assert code == 0
    result = json.loads(out.getvalue().splitlines()[-1])
    assert (result['settings']['provider'], result['settings']['source']) == ('microsoft365', 'mx')
