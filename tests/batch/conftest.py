"""The email tests' fake clock, for the batch tests too."""

from __future__ import annotations

import pytest

from tests.email.conftest import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
