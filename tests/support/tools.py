"""Programs some tests need beyond Python (Chromium, qpdf, redis-server): skip without them, but not in CI."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest


def require_tool(*names: str, install: str) -> str:
    """The path of the first of `names` found on PATH; else the test skips saying how to `install` it.

    In CI (the environment variable CI is `true`) every tool is installed by .ci/run, so a missing one fails the test
    instead: a silent skip there would pass a run that tested nothing.
    """
    for name in names:
        if path := shutil.which(name):
            return path
    _missing(f'{names[0]} is not installed here ({install})')


def _missing(reason: str) -> NoReturn:
    if os.environ.get('CI') == 'true':
        pytest.fail(f'{reason}; CI must have it (.ci/run installs it)', pytrace=False)
    pytest.skip(f'{reason}; CI runs this test')
