"""The data folder: crash-safe writes, one owner, secrets encrypted with a key kept apart."""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pytest

from core.settings import EmailSettings, Protocol, SavedSecret, SecretUnavailable, Security
from storage.atomic import AtomicJSONStorage
from storage.folder import DataFolder, FolderInUseError
from storage.secrets import KEY_ENVIRONMENT_VARIABLE, KEY_FILE_NAME

PASSWORD = 'correct horse battery staple'
SETTINGS = EmailSettings(host='smtp.example.com', username='office@example.com', password=PASSWORD)


def all_bytes(folder: Path) -> bytes:
    return b''.join(path.read_bytes() for path in folder.rglob('*') if path.is_file())


def test_settings_survive_a_restart_with_the_password_encrypted(data_dir: Path) -> None:
    folder = DataFolder(data_dir)
    folder.settings.save(SETTINGS)
    folder.close()
    reopened = DataFolder(data_dir)
    assert reopened.settings.load() == SETTINGS
    reopened.close()
    raw = all_bytes(data_dir)
    for form in (
        PASSWORD.encode(),
        base64.b64encode(PASSWORD.encode()),
        base64.urlsafe_b64encode(PASSWORD.encode()),
        PASSWORD.encode('utf-16-le'),
    ):
        assert form not in raw


def test_blank_password_keeps_the_saved_one_for_the_same_server(data_dir: Path) -> None:
    folder = DataFolder(data_dir)
    folder.settings.save(SETTINGS)
    folder.settings.save(
        replace(SETTINGS, host='SMTP.example.com ', password='', bcc_enabled=True, bcc='a@example.com')
    )
    loaded = folder.settings.load()
    assert loaded is not None and loaded.password == PASSWORD and loaded.bcc_address == 'a@example.com'
    folder.close()


@pytest.mark.parametrize(
    'changed',
    [
        EmailSettings(host='smtp.other.example', username='office@example.com'),
        EmailSettings(host='smtp.example.com', username='someone-else@example.com'),
        EmailSettings(host='smtp.example.com', port=465, username='office@example.com'),
        EmailSettings(
            host='smtp.example.com', security=Security.NONE, allow_plaintext=True, username='office@example.com'
        ),
        EmailSettings(host='smtp.example.com', skip_tls_verify=True, username='office@example.com'),
    ],
)
def test_a_saved_password_never_follows_a_new_server_or_account(data_dir: Path, changed: EmailSettings) -> None:
    folder = DataFolder(data_dir)
    folder.settings.save(SETTINGS)
    assert folder.settings.saved_secret(changed, 'password') is SavedSecret.OTHER_CONNECTION
    folder.settings.save(changed)
    loaded = folder.settings.load()
    assert loaded is not None and loaded.password == ''
    folder.close()


def test_a_saved_access_token_stays_with_its_http_server(data_dir: Path) -> None:
    relay = EmailSettings(protocol=Protocol.HTTP, http_server='https://relay.example', reply_to='a@example.com')
    folder = DataFolder(data_dir)
    folder.settings.save(replace(relay, http_token='token-123'))
    folder.settings.save(relay)
    assert folder.settings.load() == replace(relay, http_token='token-123')
    folder.settings.save(replace(relay, http_server='https://email.other.example'))
    loaded = folder.settings.load()
    assert loaded is not None and loaded.http_token == ''
    folder.close()


def test_folder_and_key_file_are_private(data_dir: Path) -> None:
    DataFolder(data_dir).close()
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((data_dir / KEY_FILE_NAME).stat().st_mode) == 0o600


def test_key_from_environment_leaves_no_key_file(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, 'a long passphrase from the environment')
    folder = DataFolder(data_dir)
    folder.settings.save(SETTINGS)
    folder.close()
    assert not (data_dir / KEY_FILE_NAME).exists()
    monkeypatch.setenv(KEY_ENVIRONMENT_VARIABLE, 'another passphrase')
    folder = DataFolder(data_dir)
    with pytest.raises(SecretUnavailable, match='can no longer be read: enter it again'):
        folder.settings.load()
    folder.close()


def test_a_second_owner_is_refused_with_a_clear_message(data_dir: Path) -> None:
    first = DataFolder(data_dir)
    with pytest.raises(FolderInUseError, match='already running'):
        DataFolder(data_dir)
    first.close()
    DataFolder(data_dir).close()


WRITER = textwrap.dedent("""
    import sys
    from tinydb import TinyDB
    from tinydb.table import Document
    from storage.atomic import AtomicJSONStorage

    db = TinyDB(sys.argv[1], storage=AtomicJSONStorage)
    table = db.table('counter')
    padding = 'x' * 200_000
    value = 0
    while True:
        value += 1
        table.upsert(Document({'value': value, 'padding': padding}, doc_id=1))
        print(value, flush=True)
""")


def test_killed_writer_never_corrupts_the_file(tmp_path: Path) -> None:
    """kill -9 at random moments: the file always parses and holds the last acknowledged value (or the one after)."""
    database = tmp_path / 'db.json'
    root = Path(__file__).resolve().parents[2]
    rng = random.Random(20261128)
    kills = 0
    for _ in range(50):
        writer = subprocess.Popen(
            [sys.executable, '-c', WRITER, str(database)],
            cwd=root,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, 'PYTHONPATH': str(root)},
        )
        assert writer.stdout is not None
        first = writer.stdout.readline()  # the writer is up and has written once
        assert first.strip().isdigit()
        time.sleep(rng.uniform(0.0, 0.05))
        writer.send_signal(signal.SIGKILL)
        acknowledged = [int(line) for line in [first, *writer.stdout.read().split()] if line.strip()]
        writer.wait()
        kills += writer.returncode == -signal.SIGKILL
        stored = json.loads(database.read_bytes())['counter']['1']['value']
        assert stored in (acknowledged[-1], acknowledged[-1] + 1)
    assert kills == 50
    AtomicJSONStorage(database).close()  # opening sweeps away temp files that a killed writer left behind
    assert list(tmp_path.iterdir()) == [database]
