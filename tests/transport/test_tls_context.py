"""The one TLS context is shared while the trust store stays the same, and follows it when it changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.transport import tls
from tests.support.certs import TestPKI


def test_the_context_is_shared_while_the_trust_store_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv('SSL_CERT_FILE', str(TestPKI(tmp_path / 'a').ca_path))
    assert tls.smtp_context(True) is tls.smtp_context(True)


def test_a_rewritten_bundle_gives_a_new_context_within_a_second(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / 'bundle.pem'
    shutil.copy(TestPKI(tmp_path / 'a').ca_path, bundle)
    monkeypatch.setenv('SSL_CERT_FILE', str(bundle))
    clock = [1000.0]
    monkeypatch.setattr(tls.time, 'monotonic', lambda: clock[0])
    before = tls.smtp_context(True)
    bundle.write_bytes(TestPKI(tmp_path / 'b').ca_path.read_bytes() + bundle.read_bytes())  # a CA installed
    clock[0] += 0.2
    assert tls.smtp_context(True) is before  # looked at once a second, not at every connection
    clock[0] += 1.0
    after = tls.smtp_context(True)
    assert after is not before
    assert len(after.get_ca_certs()) == 2


def test_pointing_ssl_cert_file_elsewhere_takes_effect_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('SSL_CERT_FILE', str(TestPKI(tmp_path / 'a').ca_path))
    first = tls.smtp_context(True)
    monkeypatch.setenv('SSL_CERT_FILE', str(TestPKI(tmp_path / 'b').ca_path))
    assert tls.smtp_context(True) is not first
