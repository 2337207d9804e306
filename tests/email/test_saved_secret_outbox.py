"""The outbox sends with the saved password only over the connection it was saved for, and waits for a lost key."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import pytest

from core.causes import Cause
from core.email_log import EmailStatus
from core.outbox import Outbox
from core.settings import Security
from core.transport import transport_for
from storage.folder import DATABASE_FILE_NAME, DataFolder
from storage.secrets import KEY_FILE_NAME
from tests.email.conftest import FakeClock, make_draft
from tests.settings.saved_secret_cases import (
    CASES,
    SAVED_PASSWORD,
    capture_server,
    case_on_capture_server,
    nothing_sent,
    saved_for,
)
from tests.support.certs import TestPKI
from tests.support.smtp_servers import raw_server, scripted


def outbox_for(folder: DataFolder, clock: FakeClock) -> Outbox:
    return Outbox(folder.email_log, folder.settings.load, lambda s: transport_for(s, timeout=5), clock=clock)


@pytest.mark.parametrize('case', CASES)
async def test_a_connection_changed_behind_the_password_fails_with_re_enter_and_sends_nothing(
    data_dir: Path, trusted: TestPKI, clock: FakeClock, case: str
) -> None:
    async with case_on_capture_server(trusted, case) as (server, saved, target):
        folder = DataFolder(data_dir)
        folder.settings.save(replace(saved, password=SAVED_PASSWORD))
        folder.close()
        database = data_dir / DATABASE_FILE_NAME  # the record now names another connection (hand edit, old tab...)
        content = json.loads(database.read_text())
        content['email_settings']['1'].update(target.to_public_dict())
        database.write_text(json.dumps(content))
        folder = DataFolder(data_dir)
        record = await outbox_for(folder, clock).send(make_draft())
        folder.close()
    assert record.status is EmailStatus.FAILED and record.cause == Cause.SAVED_SECRET_OTHER_CONNECTION.value
    assert 'enter the password again' in record.said
    assert server.recorder.connections == 0 and nothing_sent(server) and server.recorder.messages == []


async def test_a_lost_key_keeps_emails_waiting_with_the_cause_until_the_password_is_entered_again(
    data_dir: Path, trusted: TestPKI, clock: FakeClock
) -> None:
    async with capture_server(trusted) as server:
        settings = saved_for(server.port)
        folder = DataFolder(data_dir)
        folder.settings.save(replace(settings, password=SAVED_PASSWORD))
        folder.close()
        (data_dir / KEY_FILE_NAME).unlink()
        folder = DataFolder(data_dir)
        outbox = outbox_for(folder, clock)
        record = await outbox.send(make_draft())
        assert record.status is EmailStatus.QUEUED and record.cause == Cause.SAVED_SECRET_UNREADABLE.value
        assert record.tries == 0 and record.next_try_at is not None and record.next_try_at > clock.now
        assert 'can no longer be read' in record.said
        clock.advance(3600)
        (again,) = await outbox.run_due()
        assert again.status is EmailStatus.QUEUED and again.tries == 0  # waiting costs no try, however long
        assert server.recorder.connections == 0
        folder.settings.save(replace(settings, password=SAVED_PASSWORD))  # entered again on the settings page
        outbox.settings_saved()
        (sent,) = await outbox.run_due()  # at once, not after the next wait
        folder.close()
    assert sent.status is EmailStatus.SENT
    assert [a.password for a in server.recorder.auth_attempts] == [SAVED_PASSWORD]


async def test_a_refusal_that_echoes_the_auth_line_never_reaches_the_email_log(
    data_dir: Path, clock: FakeClock
) -> None:
    settings = saved_for(0, security=Security.NONE, allow_plaintext=True, password=SAVED_PASSWORD)
    plain = base64.b64encode(f'\0{settings.username}\0{SAVED_PASSWORD}'.encode()).decode()
    replies = {'EHLO': '250-echo.test\n250 AUTH PLAIN', 'AUTH': f'535 5.7.8 Bad credentials: AUTH PLAIN {plain}'}
    async with raw_server(scripted(replies)) as server:
        folder = DataFolder(data_dir)
        folder.settings.save(replace(settings, port=server.port))
        record = await outbox_for(folder, clock).send(make_draft())
        folder.close()
    assert record.cause == Cause.AUTH_REJECTED.value and 'Bad credentials: AUTH PLAIN [hidden]' in record.reply
    stored = b''.join(path.read_bytes() for path in data_dir.rglob('*') if path.is_file())
    for form in (SAVED_PASSWORD, plain.rstrip('='), base64.b64encode(SAVED_PASSWORD.encode()).decode().rstrip('=')):
        assert form.encode() not in stored
