"""The app starts with the garbage collector paused, and serves with it running again over what start-up made."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def collector_state(code: str) -> str:
    done = subprocess.run([sys.executable, '-c', code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_the_app_serves_with_the_collector_running_and_start_up_frozen(tmp_path: Path) -> None:
    code = f"""
import gc
import nicegui.ui
import main

def run(**options):
    print('while serving:', gc.isenabled(), gc.get_freeze_count() > 0)

nicegui.ui.run = run
assert gc.isenabled()
main.main(['--no-browser', '--empty', '--data-dir', {str(tmp_path / 'data')!r}])
"""
    assert collector_state(code) == 'while serving: True True'


def test_the_collector_is_as_it_was_once_main_returns(tmp_path: Path) -> None:
    code = f"""
import gc
import main

code = main.main(['--data-dir', {str(tmp_path / 'data')!r}, 'check'])
print('after:', code, gc.isenabled(), gc.get_freeze_count())
"""
    assert collector_state(code) == 'after: 2 True 0'
