"""A saved secret is handed out only to the connection it was saved for, and a lost or damaged key is named."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

import main
from core.settings import EmailSettings, Protocol, SavedSecret, SecretUnavailable
from storage.folder import DATABASE_FILE_NAME, DataFolder
from storage.secrets import KEY_FILE_NAME, DataFileError
from tests.settings.saved_secret_cases import CASES, SAVED_PASSWORD

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize('case', CASES)
def test_every_part_of_the_connection_owns_the_saved_password(data_dir: Path, case: str) -> None:
    saved, target = CASES[case](2525)
    folder = DataFolder(data_dir)
    folder.settings.save(replace(saved, password=SAVED_PASSWORD))
    assert folder.settings.saved_secret(target, 'password') is SavedSecret.OTHER_CONNECTION
    with pytest.raises(SecretUnavailable, match='saved for another connection') as raised:
        folder.settings.with_saved_secrets(target)
    assert raised.value.state is SavedSecret.OTHER_CONNECTION and SAVED_PASSWORD not in str(raised.value)
    same_connection = replace(saved, bcc_enabled=True, bcc='books@example.com', email='x@example.com')
    assert folder.settings.with_saved_secrets(same_connection).password == SAVED_PASSWORD
    folder.close()


def test_the_saved_token_belongs_to_its_server_and_certificate_check(data_dir: Path) -> None:
    relay = EmailSettings(protocol=Protocol.HTTP, http_server='https://Relay.example', reply_to='a@example.com')
    folder = DataFolder(data_dir)
    folder.settings.save(replace(relay, http_token='token-123'))
    assert folder.settings.with_saved_secrets(replace(relay, http_server='https://relay.example')).http_token
    for moved in (replace(relay, http_server='https://relay.other.example'), replace(relay, skip_tls_verify=True)):
        with pytest.raises(SecretUnavailable, match='saved access token was saved for another connection'):
            folder.settings.with_saved_secrets(moved)
    folder.close()


def test_a_hand_edited_settings_file_cannot_send_the_password_elsewhere(data_dir: Path) -> None:
    folder = DataFolder(data_dir)
    folder.settings.save(EmailSettings(host='smtp.example.com', username='me@example.com', password=SAVED_PASSWORD))
    folder.close()
    database = data_dir / DATABASE_FILE_NAME
    content = json.loads(database.read_text())
    content['email_settings']['1']['host'] = 'smtp.attacker.example'
    database.write_text(json.dumps(content))
    folder = DataFolder(data_dir)
    with pytest.raises(SecretUnavailable, match=r'not sent to smtp\.attacker\.example'):
        folder.settings.load()
    folder.close()


def test_a_password_saved_before_connections_were_sealed_in_still_serves_its_own_record(data_dir: Path) -> None:
    folder = DataFolder(data_dir)
    settings = EmailSettings(host='smtp.example.com', username='me@example.com')
    folder.settings.save(settings)
    record = {**settings.to_public_dict(), 'password_encrypted': folder.box.encrypt(SAVED_PASSWORD)}
    folder.db.table('email_settings').update(record, doc_ids=[1])
    assert folder.settings.load() == replace(settings, password=SAVED_PASSWORD)
    assert folder.settings.saved_secret(replace(settings, port=25), 'password') is SavedSecret.OTHER_CONNECTION
    folder.close()


def test_a_deleted_key_file_makes_the_saved_password_unreadable_not_silently_lost(data_dir: Path) -> None:
    settings = EmailSettings(host='smtp.example.com', username='me@example.com')
    folder = DataFolder(data_dir)
    folder.settings.save(replace(settings, password=SAVED_PASSWORD))
    folder.close()
    (data_dir / KEY_FILE_NAME).unlink()
    folder = DataFolder(data_dir)
    assert folder.settings.saved_secret(settings, 'password') is SavedSecret.UNREADABLE
    with pytest.raises(SecretUnavailable, match='The saved password can no longer be read: enter it again') as raised:
        folder.settings.load()
    assert raised.value.state is SavedSecret.UNREADABLE
    folder.settings.save(replace(settings, password='entered-again'))
    assert folder.settings.load() == replace(settings, password='entered-again')
    folder.close()


def test_a_damaged_key_file_stops_start_up_naming_the_file(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    DataFolder(data_dir).close()
    key_file = data_dir / KEY_FILE_NAME
    key_file.write_text('not a key\n')
    with pytest.raises(DataFileError, match='is damaged: it does not hold a key'):
        DataFolder(data_dir)
    assert main.main(['--data-dir', str(data_dir), 'check']) == 2
    err = capsys.readouterr().err
    assert str(key_file) in err and 'move the file away' in err and 'Traceback' not in err
    key_file.unlink()
    DataFolder(data_dir).close()  # the folder was not left locked


@pytest.mark.parametrize('content', ['{"email_settings": {"1": {"host": ', '[1, 2]', '\udcff'])
def test_a_damaged_settings_file_stops_start_up_naming_the_file(data_dir: Path, content: str) -> None:
    DataFolder(data_dir).close()
    database = data_dir / DATABASE_FILE_NAME
    database.write_bytes(content.encode('utf-8', 'surrogateescape'))
    process = subprocess.run(
        [sys.executable, 'main.py', '--data-dir', str(data_dir), '--no-browser'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 2
    assert str(database) in process.stderr and 'damaged' in process.stderr and 'backup' in process.stderr
    assert 'Traceback' not in process.stderr


@pytest.mark.parametrize('token', ['not-a-fernet-token', 'ünicode', 42])
def test_a_damaged_saved_secret_reads_as_unreadable_not_as_a_crash(data_dir: Path, token: object) -> None:
    settings = EmailSettings(host='smtp.example.com', username='me@example.com')
    folder = DataFolder(data_dir)
    folder.settings.save(replace(settings, password=SAVED_PASSWORD))
    folder.db.table('email_settings').update({'password_encrypted': token}, doc_ids=[1])
    assert folder.settings.saved_secret(settings, 'password') is SavedSecret.UNREADABLE
    with pytest.raises(SecretUnavailable, match='can no longer be read'):
        folder.settings.load()
    folder.close()
