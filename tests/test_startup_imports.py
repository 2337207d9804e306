"""The app starts without the libraries only sending, templating, PDFs, DNS lookups or the relay need, and without
the terminal commands: they load on first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFERRED = ('aiosmtplib', 'babel.dates', 'dns', 'httpx', 'limits', 'liquid', 'markdown_it', 'publicsuffixlist', 'typst')
COMMANDS = ('cli.check', 'cli.signin', 'cli.discover', 'cli.relay')


def deferred_loaded(after: str = '', deferred: tuple[str, ...] = DEFERRED) -> list[str]:
    """Which deferred modules a fresh interpreter holds once it has imported the app (and run `after`)."""
    code = '\n'.join(
        [
            'import json, sys',
            'import main, ui.app, ui.services',
            "main.parse_arguments(['--empty'])",
            after,
            f'print(json.dumps(sorted(name for name in {deferred!r} if name in sys.modules)))',
        ]
    )
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_the_app_imports_none_of_the_deferred_libraries() -> None:
    assert deferred_loaded() == []


def test_a_library_loads_once_it_is_used() -> None:
    """Also proves the check above can fail: rendering a template loads python-liquid, markdown-it and Babel's dates."""
    render = (
        'from core.templates import default_template, render_email, sample_context\n'
        "render_email(default_template('sales_invoice'), sample_context())"
    )
    assert deferred_loaded(render) == ['babel.dates', 'liquid', 'markdown_it']


def test_the_app_imports_no_terminal_command() -> None:
    assert deferred_loaded(deferred=COMMANDS) == []


def test_a_terminal_command_gets_its_own_options_when_it_is_run() -> None:
    """Also proves the check above can fail: parsing `check --json` imports cli.check for its options."""
    after = "assert main.parse_arguments(['check', '--json', '--to', 'a@example.com']).json is True"
    assert deferred_loaded(after, COMMANDS) == ['cli.check']
