"""The terminal commands in a terminal set to Icelandic: help, the settings test's report, sign-in and start-up
messages. argparse's own words ("usage:", "options:") stay English, as the standard library writes them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli import check as check_cli
from cli import signin as signin_cli
from core.i18n import using_language
from storage.folder import DataFolder
from tests.diagnostics.conftest import ACCOUNTS
from tests.diagnostics.test_check_cli import parse, saved
from tests.support.certs import TestPKI
from tests.support.smtp_servers import free_port, threaded_smtp_server

ROOT = Path(__file__).resolve().parents[2]


def main_py_in_icelandic(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python main.py …` with LANG=is_IS.UTF-8, no terminal on stdin and no web password in the environment
    (`env`: more variables)."""
    unset = ('LANGUAGE', 'LC_ALL', 'LC_MESSAGES', 'MAILROOM_WEB_PASSWORD')
    inherited = {name: value for name, value in os.environ.items() if name not in unset}
    inherited = {name: value for name, value in inherited.items() if not name.startswith('PYTEST_')}
    return subprocess.run(
        [sys.executable, 'main.py', *arguments],
        cwd=ROOT,
        env={**inherited, **(env or {}), 'LANG': 'is_IS.UTF-8'},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_help_of_the_app_and_its_commands_is_icelandic() -> None:
    app = ' '.join(main_py_in_icelandic('--help').stdout.split())  # argparse wraps lines
    assert 'Mailroom: tölvupóststillingar með prófun í beinni, og viðskiptaskjöl send í tölvupósti sem PDF.' in app
    assert 'prófa vistuðu tölvupóststillingarnar úr skipanalínunni' in app
    assert '(sjálfgefið: 8080)' in app  # argparse still fills in %(default)s
    assert app.startswith('usage: python main.py')
    check = ' '.join(main_py_in_icelandic('check', '--help').stdout.split())
    assert 'Lykilorðið kemur úr umhverfisbreytunni MAILROOM_PASSWORD' in check
    assert 'athuga allt en senda ekkert (stöðvar eftir RCPT)' in check
    signin = ' '.join(main_py_in_icelandic('signin', '--help').stdout.split())
    assert 'Skrá inn hjá Microsoft (eða annarri þjónustu sem býður innskráningu með kóða)' in signin


def test_a_start_on_the_network_without_a_web_password_is_refused_in_icelandic(tmp_path: Path) -> None:
    done = main_py_in_icelandic('--no-browser', '--host', '0.0.0.0', '--port', '9', '--data-dir', str(tmp_path / 'd'))
    assert done.returncode == 2, done.stderr
    assert 'mailroom: ekki ræst: með --host 0.0.0.0 geta aðrar tölvur náð í það, svo Mailroom þarf fyrst' in done.stderr
    assert 'MAILROOM_WEB_PASSWORD' in done.stderr


def test_a_failed_settings_test_is_reported_with_icelandic_labels(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(check_cli.PASSWORD_ENV, 'wrong-password')
    with threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server, using_language('is'):
        code = check_cli.run(parse('--timeout', '3', '--no-send'), saved(server.port))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_FAIL
    assert out.startswith(f'Prófa 127.0.0.1 gátt {server.port} (STARTTLS) sem ')
    assert 'án þess að senda.' in out.splitlines()[0]
    assert 'MISTÓKST  í skrefi: ' in out and '(auth-rejected)' in out  # the cause code stays as it is
    assert 'Hvað gerðist: ' in out and 'Hvað er til ráða: ' in out and 'Samtals ' in out
    assert 'wrong-password' not in out


def test_a_field_refused_before_the_test_names_its_flag_in_icelandic(capsys: pytest.CaptureFixture[str]) -> None:
    with using_language('is'):
        code = check_cli.run(parse('--host', '', '--no-send'), saved(25))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_INVALID
    assert 'SMTP-þjónn (--host): ' in out  # the page's Icelandic field name, and the flag that sets it


def test_signin_without_a_provider_sign_in_says_what_to_do_in_icelandic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = DataFolder(tmp_path / 'data')
    try:
        with using_language('is'):
            code = signin_cli.run(folder.settings)
    finally:
        folder.close()
    assert code == signin_cli.EXIT_INVALID
    err = capsys.readouterr().err
    assert err.startswith('mailroom signin: vistuðu stillingarnar nota ekki innskráningu hjá tölvupóstþjónustu.')


def test_check_json_keeps_english_labels_and_codes_under_an_icelandic_terminal(tmp_path: Path) -> None:
    """JSON is for scripts: its keys, codes and detail labels are the same in every language; the sentences meant
    for a person (message, explanation) are in the terminal's language."""
    port = free_port()
    done = main_py_in_icelandic(
        *('check', '--data-dir', str(tmp_path / 'd'), '--host', '127.0.0.1', '--port', str(port)),
        *('--username', 'anna@example.com', '--no-send', '--json'),
        env={check_cli.PASSWORD_ENV: 'secret'},
    )
    assert done.returncode == check_cli.EXIT_FAIL, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    settings_step = next(e for e in lines if e.get('step') == 'input' and e.get('status') == 'ok')
    assert {'Protocol', 'SMTP server', 'Port', 'Username', 'Sender', 'Certificate verification'} <= set(
        settings_step['details']
    )
    assert settings_step['details']['Port'] == str(port)
    assert settings_step['message'] == 'Allar stillingar eru útfylltar.'  # a person's sentence, in Icelandic
    dns = next(e for e in lines if e.get('step') == 'dns')
    assert dns['details'] == {'Addresses': '127.0.0.1'}
    verdict = lines[-1]
    assert (verdict['verdict'], verdict['step'], verdict['cause']) == ('fail', 'connect', 'connection-refused')
    assert verdict['explanation']['what'] == 'Þjónninn hafnaði tengingu á þessari gátt.'
