"""Starting on an address other computers can reach: a web password first, stored hashed, and a warning."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import main
from storage.folder import DataFolder
from tests.web.conftest import WEB_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def run_without_terminal(*arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(('PYTEST_', 'MAILROOM_WEB'))}
    return subprocess.run(
        [sys.executable, 'main.py', '--no-browser', *arguments],
        cwd=ROOT,
        env={**env, **environment},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def taken_port() -> object:
    """A port held on 127.0.0.1, so that an app that wrongly went on to listen on 0.0.0.0 fails instead of serving."""
    with socket.socket() as holder:
        holder.bind(('127.0.0.1', 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_listening_on_every_address_without_a_web_password_exits_2_and_says_how_to_set_one(
    data_dir: Path, taken_port: int
) -> None:
    result = run_without_terminal('--host', '0.0.0.0', '--port', str(taken_port), '--data-dir', str(data_dir))
    assert result.returncode == 2, result.stderr
    assert 'MAILROOM_WEB_PASSWORD' in result.stderr and 'other computers can reach it' in result.stderr
    assert 'Traceback' not in result.stderr


def test_a_too_short_web_password_exits_2(data_dir: Path, taken_port: int) -> None:
    result = run_without_terminal(
        '--host', '0.0.0.0', '--port', str(taken_port), '--data-dir', str(data_dir), MAILROOM_WEB_PASSWORD='short'
    )
    assert result.returncode == 2 and 'too short' in result.stderr


def test_with_a_web_password_it_warns_of_the_risk_and_goes_on_to_listen(data_dir: Path, taken_port: int) -> None:
    """The port is taken on 127.0.0.1, so listening on 0.0.0.0 fails right after the warning: nothing is exposed."""
    result = run_without_terminal(
        '--host', '0.0.0.0', '--port', str(taken_port), '--data-dir', str(data_dir), MAILROOM_WEB_PASSWORD=WEB_PASSWORD
    )
    assert 'warning: listening on 0.0.0.0, so other computers on your network can reach Mailroom' in result.stderr
    assert 'unencrypted' in result.stderr
    assert 'address already in use' in result.stderr
    assert WEB_PASSWORD not in result.stderr + result.stdout


def test_the_web_password_from_the_environment_is_stored_hashed(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(main.WEB_PASSWORD_VARIABLE, WEB_PASSWORD)
    folder = DataFolder(data_dir)
    try:
        assert main.web_password_ready(folder, 'with --host 0.0.0.0 other computers can reach it')
        assert folder.web_password.verify(WEB_PASSWORD)
        monkeypatch.delenv(main.WEB_PASSWORD_VARIABLE)
        assert main.web_password_ready(folder, 'later starts use the stored hash')
    finally:
        folder.close()
    assert WEB_PASSWORD not in capsys.readouterr().err


def test_the_first_start_in_a_terminal_asks_for_the_web_password_twice(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(main.WEB_PASSWORD_VARIABLE, raising=False)
    monkeypatch.setattr(sys.stdin, 'isatty', lambda: True)
    answers = iter(['short', WEB_PASSWORD, 'typo' + WEB_PASSWORD, WEB_PASSWORD, WEB_PASSWORD])
    monkeypatch.setattr(main.getpass, 'getpass', lambda prompt: next(answers))
    folder = DataFolder(data_dir)
    try:
        assert main.web_password_ready(folder, 'with --require-login')
        assert folder.web_password.verify(WEB_PASSWORD)
    finally:
        folder.close()
    assert next(answers, None) is None


def test_on_this_computer_only_the_app_starts_without_a_web_password(data_dir: Path) -> None:
    """Loopback stays as it was: no password asked (a taken port makes the start fail after that point)."""
    holder = socket.socket()
    holder.bind(('127.0.0.1', 0))
    holder.listen()
    try:
        result = run_without_terminal('--port', str(holder.getsockname()[1]), '--data-dir', str(data_dir))
    finally:
        holder.close()
    assert result.returncode != 2
    assert 'web password' not in result.stderr
