"""`python main.py check` with a flag that points elsewhere: it never carries the saved password along."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import main
from cli import check as check_cli
from core.settings import EmailSettings, Protocol, Security
from storage.folder import DataFolder
from tests.settings.saved_secret_cases import (
    CASES,
    SAVED_PASSWORD,
    nothing_sent,
    saved_for,
    threaded_capture_server,
)
from tests.support.certs import TestPKI

ROOT = Path(__file__).parents[2]


@pytest.fixture
def trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestPKI]:
    pki = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(pki.ca_path))
    monkeypatch.delenv('SSL_CERT_DIR', raising=False)
    monkeypatch.delenv(check_cli.PASSWORD_ENV, raising=False)
    yield pki


def flags_for(saved: EmailSettings, target: EmailSettings) -> list[str]:
    """The check flags that turn the saved connection into the target one."""
    flags: list[str] = []
    if target.host != saved.host:
        flags += ['--host', target.host]
    if target.port != saved.port:
        flags += ['--port', str(target.port)]
    if target.security is Security.NONE:
        flags += ['--security', 'none']
    if target.skip_tls_verify:
        flags += ['--no-verify-tls']
    if target.username != saved.username:
        flags += ['--username', target.username]
    return flags


def save(data_dir: Path, settings: EmailSettings) -> None:
    folder = DataFolder(data_dir)
    folder.settings.save(settings)
    folder.close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize('case', CASES)
def test_without_a_terminal_check_exits_2_and_sends_nothing(
    data_dir: Path, trusted: TestPKI, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    with threaded_capture_server(trusted) as server:
        saved, target = CASES[case](server.port)
        save(data_dir, replace(saved, password=SAVED_PASSWORD))
        argv = ['--data-dir', str(data_dir), 'check', '--no-send', '--timeout', '3', *flags_for(saved, target)]
        code = main.main(argv)
    err = capsys.readouterr().err
    assert code == check_cli.EXIT_INVALID
    assert 'The saved password was saved for another connection, so it is not sent to 127.0.0.1' in err
    assert check_cli.PASSWORD_ENV in err and SAVED_PASSWORD not in err
    assert server.recorder.connections == 0 and nothing_sent(server)


@pytest.mark.parametrize('case', CASES)
def test_on_a_terminal_check_asks_and_sends_only_what_was_typed(
    data_dir: Path, trusted: TestPKI, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setattr(sys, 'stdin', Terminal())
    prompts: list[str] = []

    def getpass(prompt: str) -> str:
        prompts.append(prompt)
        return 'typed-at-the-prompt'

    monkeypatch.setattr(check_cli.getpass, 'getpass', getpass)
    with threaded_capture_server(trusted) as server:
        saved, target = CASES[case](server.port)
        save(data_dir, replace(saved, password=SAVED_PASSWORD))
        main.main(['--data-dir', str(data_dir), 'check', '--no-send', '--timeout', '3', *flags_for(saved, target)])
    assert prompts == ['Password (not shown): ']
    assert [a.password for a in server.recorder.auth_attempts] == ['typed-at-the-prompt']
    assert nothing_sent(server)


def test_the_saved_connection_still_uses_the_saved_password(data_dir: Path, trusted: TestPKI) -> None:
    with threaded_capture_server(trusted) as server:
        save(data_dir, saved_for(server.port, password=SAVED_PASSWORD))
        code = main.main(['--data-dir', str(data_dir), 'check', '--no-send', '--timeout', '3', '--to', 'a@example.com'])
    assert code == check_cli.EXIT_PASS
    assert [a.password for a in server.recorder.auth_attempts] == [SAVED_PASSWORD]


def test_check_with_another_host_in_a_subprocess_without_a_terminal_exits_2(data_dir: Path, trusted: TestPKI) -> None:
    with threaded_capture_server(trusted) as server:
        saved, _ = CASES['host'](server.port)
        save(data_dir, replace(saved, password=SAVED_PASSWORD))
        process = subprocess.run(
            [sys.executable, 'main.py', '--data-dir', str(data_dir), 'check', '--host', '127.0.0.1', '--no-send'],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != check_cli.PASSWORD_ENV},
        )
    assert process.returncode == 2, process.stdout
    assert 'not sent to 127.0.0.1' in process.stderr and 'Traceback' not in process.stderr
    assert server.recorder.connections == 0 and nothing_sent(server)


def test_the_saved_access_token_is_not_sent_to_another_http_server(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    relay = EmailSettings(protocol=Protocol.HTTP, http_server='https://relay.example', reply_to='a@example.com')
    save(data_dir, replace(relay, http_token='token-for-relay-example'))
    code = main.main(['--data-dir', str(data_dir), 'check', '--http-server', 'http://127.0.0.1:9', '--no-send'])
    err = capsys.readouterr().err
    assert code == check_cli.EXIT_INVALID
    assert 'The saved access token was saved for another connection, so it is not sent to http://127.0.0.1:9' in err
