"""Set up and run Mailroom with nothing but Python 3.11+: `python3 dev.py run` or `python3 dev.py test`.

Creates `.venv` on first use and reinstalls only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / '.venv'
BIN = VENV / ('Scripts' if os.name == 'nt' else 'bin')
PYTHON = BIN / ('python.exe' if os.name == 'nt' else 'python')
STAMP = VENV / '.installed'
PYTEST_NO_TESTS_COLLECTED = 5


def ensure_environment() -> None:
    """A local virtual environment with the app and its test tools, installed once per pyproject.toml version."""
    wanted = hashlib.sha256((ROOT / 'pyproject.toml').read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted and PYTHON.exists():
        return
    if not PYTHON.exists():
        print('Creating .venv …', flush=True)
        venv.create(VENV, with_pip=True)
    print('Installing Mailroom and its test tools into .venv (first run only) …', flush=True)
    run([str(PYTHON), '-m', 'pip', 'install', '--quiet', '--upgrade', 'pip'])
    run([str(PYTHON), '-m', 'pip', 'install', '--quiet', '-e', '.[test]'])
    STAMP.write_text(wanted)


def run(command: list[str]) -> int:
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def must(command: list[str]) -> None:
    if (code := run(command)) != 0:
        sys.exit(code)


def test(extra: list[str]) -> int:
    must([str(PYTHON), '-m', 'ruff', 'check', '.'])
    must([str(PYTHON), '-m', 'ruff', 'format', '--check', '.'])
    must([str(PYTHON), '-m', 'mypy', '.'])
    code = run([str(PYTHON), '-m', 'pytest', *extra])
    if code == PYTEST_NO_TESTS_COLLECTED:
        print('pytest collected no tests.')
        return 0
    return code


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ('run', 'test', 'setup'):
        print(__doc__)
        return 2
    ensure_environment()
    if argv[0] == 'run':
        return run([str(PYTHON), 'main.py', *argv[1:]])
    if argv[0] == 'test':
        return test(argv[1:])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
