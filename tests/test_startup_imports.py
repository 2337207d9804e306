"""The app starts without the libraries only sending, templating, PDFs, DNS lookups or the relay need: they load on
first use."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFERRED = ('aiosmtplib', 'dns', 'httpx', 'limits', 'liquid', 'markdown_it', 'typst')


def deferred_loaded(after: str = '') -> list[str]:
    """Which deferred libraries a fresh interpreter holds once it has imported the app (and run `after`)."""
    code = '\n'.join(
        [
            'import json, sys',
            'import main, ui.app, ui.services',
            'main.build_parser()',
            after,
            f'print(json.dumps(sorted(name for name in {DEFERRED!r} if name in sys.modules)))',
        ]
    )
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def test_the_app_imports_none_of_the_deferred_libraries() -> None:
    assert deferred_loaded() == []


def test_a_library_loads_once_it_is_used() -> None:
    """Also proves the check above can fail: rendering a template loads python-liquid and markdown-it."""
    render = (
        'from core.templates import default_template, render_email, sample_context\n'
        "render_email(default_template('sales_invoice'), sample_context())"
    )
    assert deferred_loaded(render) == ['liquid', 'markdown_it']
