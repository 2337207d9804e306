"""`python main.py check`: saved settings, flag overrides, password from the environment, JSON lines, exit codes."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import pytest

from cli import check as check_cli
from cli.check import format_event
from core.causes import Step
from core.diagnostics.events import Status, StepEvent
from core.i18n import _, using_language
from core.settings import EmailSettings, Protocol, Security
from storage.folder import DataFolder
from tests.diagnostics.conftest import ACCOUNTS, PASSWORD, USER
from tests.support.certs import TestPKI
from tests.support.smtp_servers import free_port, smtp_server, threaded_smtp_server

ROOT = Path(__file__).parents[2]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    check_cli.add_arguments(parser)
    return parser.parse_args(list(argv))


def saved(port: int) -> EmailSettings:
    return EmailSettings(host='127.0.0.1', port=port, security=Security.STARTTLS, username=USER, password=PASSWORD)


def test_flags_override_saved_fields_and_the_password_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(check_cli.PASSWORD_ENV, 'from-env')
    args = parse('--host', 'smtp.example.com', '--port', '465', '--security', 'ssl', '--username', 'me@example.com')
    settings = check_cli.settings_from_args(args, saved(587))
    assert (settings.host, settings.port, settings.security) == ('smtp.example.com', 465, Security.SSL)
    assert settings.username == 'me@example.com' and settings.password == 'from-env'


def test_http_server_flag_switches_to_http() -> None:
    args = parse('--http-server', 'https://email.example.com', '--reply-to', 'office@example.com')
    settings = check_cli.settings_from_args(args, None)
    assert settings.protocol is Protocol.HTTP and settings.reply_to == 'office@example.com'


def test_password_flag_does_not_exist() -> None:
    with pytest.raises(SystemExit):
        parse('--password', 'secret')


def test_run_passes_and_prints_the_steps(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        code = check_cli.run(parse('--timeout', '3'), saved(server.port))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_PASS, out
    assert '✓ Sign-in' in out and 'PASS' in out and PASSWORD not in out
    assert len(server.recorder.messages) == 1


def test_run_fails_with_exit_1_and_explains(
    trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(check_cli.PASSWORD_ENV, 'wrong-password')
    with threaded_smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        code = check_cli.run(parse('--timeout', '3', '--no-send'), saved(server.port))
    out = capsys.readouterr().out
    assert code == check_cli.EXIT_FAIL
    assert '✗ Sign-in' in out and 'auth-rejected' in out and 'What to do:' in out and 'wrong-password' not in out


def test_invalid_settings_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = check_cli.run(parse('--json'), None)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == check_cli.EXIT_INVALID
    assert lines[-1]['verdict'] == 'fail' and lines[-1]['cause'] == 'invalid-input' and lines[-1]['step'] == 'input'


async def start_check(data_dir: Path, *args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python main.py check` as a user runs it, output piped for the test to read."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        'main.py',
        '--data-dir',
        str(data_dir),
        'check',
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_main_check_subprocess_json_lines(trusted: TestPKI, tmp_path: Path) -> None:
    data_dir = tmp_path / 'data'
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS) as server:
        folder = DataFolder(data_dir)
        folder.settings.save(saved(server.port))
        folder.close()
        env = {**os.environ, 'SSL_CERT_FILE': str(trusted.ca_path), check_cli.PASSWORD_ENV: PASSWORD}
        process = await start_check(
            data_dir,
            '--json',
            '--no-send',
            '--timeout',
            '5',
            env=env,
        )
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    lines = [json.loads(line) for line in stdout.decode().splitlines()]
    for event in lines[:-1]:
        assert set(event) >= {'step', 'status', 'message', 'cause', 'elapsed_ms', 'details'}
    assert lines[-1]['verdict'] == 'pass' and lines[-1]['step'] is None and lines[-1]['cause'] is None
    assert ('data', 'skipped') in {(e['step'], e['status']) for e in lines[:-1]}
    assert PASSWORD not in stdout.decode() and server.recorder.messages == []


async def test_main_check_subprocess_exit_1_on_refused_port(tmp_path: Path) -> None:
    env = {**os.environ, check_cli.PASSWORD_ENV: PASSWORD}
    process = await start_check(
        tmp_path / 'data',
        '--host',
        '127.0.0.1',
        '--port',
        str(free_port()),
        '--username',
        USER,
        '--timeout',
        '3',
        env=env,
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert 'connection-refused' in stdout.decode()


async def test_ctrl_c_prints_the_cancelled_verdict_naming_the_step_under_way(trusted: TestPKI, tmp_path: Path) -> None:
    async with smtp_server(tls='starttls', cert=trusted.good(), accounts=ACCOUNTS, rcpt_delay=30) as server:
        folder = DataFolder(tmp_path / 'data')
        folder.settings.save(saved(server.port))
        folder.close()
        env = {**os.environ, 'SSL_CERT_FILE': str(trusted.ca_path), check_cli.PASSWORD_ENV: PASSWORD}
        process = await start_check(
            tmp_path / 'data',
            '--json',
            '--timeout',
            '20',
            env=env,
        )
        assert process.stdout is not None
        lines: list[dict[str, object]] = []
        async with asyncio.timeout(60):
            while not lines or (lines[-1]['step'], lines[-1].get('status')) != ('rcpt', 'running'):
                lines.append(json.loads(await process.stdout.readline()))
            process.send_signal(signal.SIGINT)
            stdout, stderr = await process.communicate()
    assert process.returncode == 1, stderr.decode()
    verdict = json.loads(stdout.decode().splitlines()[-1])
    assert (verdict['verdict'], verdict['step'], verdict['cause']) == ('fail', 'rcpt', 'cancelled')
    assert verdict['explanation']['what'] == 'The test was cancelled.'
    assert 'Traceback' not in stderr.decode()


@pytest.mark.parametrize('language', ['en', 'is'])
def test_a_failed_steps_failed_check_is_printed_without_verbose_in_either_language(language: str) -> None:
    with using_language(language):
        failed = _('failed: {host} is not listed').format(host='smtp.example.test')
        event = StepEvent(
            seq=3,
            step=Step.TLS,
            status=Status.FAIL,
            message='…',
            details={_('Host name'): failed, _('Version'): 'TLSv1.3'},
        )
        printed = format_event(event)
    assert failed in printed
    assert 'TLSv1.3' not in printed
