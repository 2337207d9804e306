"""A test certificate authority trusted through SSL_CERT_FILE, as a user's system store would be."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.certs import TestPKI


@pytest.fixture
def pki(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TestPKI:
    authority = TestPKI(tmp_path / 'pki')
    monkeypatch.setenv('SSL_CERT_FILE', str(authority.ca_path))
    return authority
