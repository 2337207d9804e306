"""`python main.py check --deliverability`: the findings after the test, as lines and as JSON, against loopback DNS."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from cli import check as check_cli
from cli.deliverability import TEST_DNS_ENV
from storage.folder import DataFolder
from tests.deliverability.zones import txt
from tests.diagnostics.conftest import ACCOUNTS, PASSWORD
from tests.diagnostics.test_check_cli import parse, saved, start_check
from tests.support.certs import TestPKI
from tests.support.dns_server import serve_zone
from tests.support.smtp_servers import smtp_server, threaded_smtp_server

ZONE = '\n'.join([txt('example.com', 'v=spf1 ip4:192.0.2.1 +all'), txt('_dmarc.example.com', 'v=DMARC1; p=none')])


def test_deliverability_findings_follow_the_test_grouped_problems_first(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_zone(ZONE) as dns, threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as smtp:
        monkeypatch.setenv(TEST_DNS_ENV, f'{dns.host}:{dns.port}')
        code = check_cli.run(parse('--no-send', '--deliverability', '--timeout', '3'), saved(smtp.port))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_PASS, out
    report = out[out.index('Deliverability of example.com') :]
    assert report.index('Problems') < report.index('Worth fixing') < report.index('Good')
    assert '✗ SPF for other servers: The SPF record of example.com ends with +all' in report
    assert 'What to do: Change +all at the end of the record to ~all' in report


def test_deliverability_as_a_json_line_after_the_verdict(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with serve_zone(ZONE) as dns, threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as smtp:
        monkeypatch.setenv(TEST_DNS_ENV, f'{dns.host}:{dns.port}')
        code = check_cli.run(parse('--json', '--no-send', '--deliverability', '--timeout', '3'), saved(smtp.port))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]  # --json: every line is JSON
    assert code == check_cli.EXIT_PASS
    assert lines[-2]['verdict'] == 'pass'
    report = lines[-1]['deliverability']
    assert report['domain'] == 'example.com'
    statuses = {finding['check']: finding['status'] for finding in report['findings']}
    assert statuses['spf-all'] == 'problem' and statuses['dmarc'] == 'good'
    assert statuses['reverse-dns'] == 'unknown'  # the test server is on a private address


def test_without_the_flag_nothing_is_looked_up(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as smtp:
        code = check_cli.run(parse('--json', '--no-send', '--timeout', '3'), saved(smtp.port))
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == check_cli.EXIT_PASS and 'verdict' in lines[-1]


@pytest.mark.parametrize('value', ['192.0.2.53:53', 'dns.example.com:53', '127.0.0.1'])
def test_the_test_dns_variable_accepts_only_a_loopback_server(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(TEST_DNS_ENV, value)
    code = check_cli.run(parse('--deliverability', '--no-send'), saved(25))
    captured = capsys.readouterr()
    assert code == check_cli.EXIT_INVALID
    assert f'{TEST_DNS_ENV} is only for tests' in captured.err
    assert captured.out == ''  # refused before any test ran


async def main_check_deliverability(trusted: TestPKI, data_dir: Path, environ: dict[str, str]) -> tuple[int, str, str]:
    """`python main.py check --no-send --deliverability` on saved settings, against loopback SMTP and DNS servers."""
    with serve_zone(ZONE) as dns:
        async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
            folder = DataFolder(data_dir)
            folder.settings.save(saved(server.port))
            folder.close()
            env = {
                **environ,
                'SSL_CERT_FILE': str(trusted.ca_path),
                check_cli.PASSWORD_ENV: PASSWORD,
                TEST_DNS_ENV: f'{dns.host}:{dns.port}',
            }
            process = await start_check(data_dir, '--no-send', '--deliverability', '--timeout', '5', env=env)
            stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_main_check_deliverability_subprocess(trusted: TestPKI, tmp_path: Path) -> None:
    code, out, err = await main_check_deliverability(trusted, tmp_path / 'data', dict(os.environ))
    assert code == 0, err
    assert 'Deliverability of example.com' in out
    assert '✗ SPF for other servers' in out
