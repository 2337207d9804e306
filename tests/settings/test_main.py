"""main.py as a newcomer meets it: documented options, one owner per data folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from storage.folder import DataFolder

ROOT = Path(__file__).resolve().parents[2]


def run_main(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, 'main.py', *arguments], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )


def test_help_documents_the_options() -> None:
    result = run_main('--help')
    assert result.returncode == 0
    for option in (
        '--host',
        '--port',
        '--data-dir',
        '--no-browser',
        '--require-login',
        '127.0.0.1',
        '8080',
        'check',
        'relay',
    ):
        assert option in result.stdout


def test_a_second_instance_on_the_same_folder_refuses_to_start(data_dir: Path) -> None:
    owner = DataFolder(data_dir)
    try:
        result = run_main('--no-browser', '--port', '1', '--data-dir', str(data_dir))
    finally:
        owner.close()
    assert result.returncode == 3
    assert 'already running with the data folder' in result.stderr
    assert 'Traceback' not in result.stderr
