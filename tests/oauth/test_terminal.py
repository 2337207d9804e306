"""`python main.py signin` (device code in a terminal) and `python main.py check` with the saved sign-in."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

from core.settings import SavedSecret
from storage.folder import DataFolder
from tests.oauth.conftest import ACCOUNT, oauth_settings
from tests.support.certs import TestPKI
from tests.support.fake_oauth import FakeProvider
from tests.support.smtp_servers import ServerInfo

ROOT = Path(__file__).resolve().parents[2]


async def main_py(data_dir: Path, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, 'main.py', '--data-dir', str(data_dir), *args, cwd=ROOT, env={**os.environ},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def test_signin_in_a_terminal_then_check_sends_with_the_saved_sign_in(
    provider: FakeProvider, mail_server: ServerInfo, pki: TestPKI, tmp_path: Path
) -> None:
    data_dir = tmp_path / 'data'
    folder = DataFolder(data_dir)
    folder.settings.save(oauth_settings(provider, mail_server, username='typed@nordurljos.example'))
    folder.close()

    signin = await main_py(data_dir, 'signin')
    assert signin.stdout is not None
    prompt = (await asyncio.wait_for(signin.stdout.readline(), 60)).decode()
    code = re.search(r'enter the code (\S+)', prompt)
    assert code is not None, prompt
    assert f'{provider.url}/device' in prompt
    provider.approve_device(code.group(1))
    out, err = await asyncio.wait_for(signin.communicate(), 60)
    assert signin.returncode == 0, err.decode()
    assert f'Signed in as {ACCOUNT}' in out.decode()

    folder = DataFolder(data_dir)
    saved = folder.settings.load_public()
    assert saved is not None and saved.username == ACCOUNT and saved.oauth_account == ACCOUNT  # filled from the sign-in
    assert folder.settings.saved_secret(saved, 'oauth_refresh_token') is SavedSecret.FITS
    folder.close()

    check = await main_py(data_dir, 'check', '--json', '--to', 'anna@example.org', '--timeout', '10')
    out, err = await asyncio.wait_for(check.communicate(), 90)
    assert check.returncode == 0, out.decode() + err.decode()
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert lines[-1]['verdict'] == 'pass'
    assert ('token', 'ok') in {(e.get('step'), e.get('status')) for e in lines[:-1]}
    assert [a.mechanism for a in mail_server.recorder.auth_attempts] == ['XOAUTH2']
    assert len(mail_server.recorder.messages) == 1
    for secret in [*provider.access_tokens, *provider.refresh_tokens]:
        assert secret not in out.decode() + err.decode()

    folder = DataFolder(data_dir)
    rotated = folder.settings.load()
    folder.close()
    assert rotated is not None and rotated.oauth_refresh_token in provider.refresh_tokens  # the rotated one was saved


async def test_signin_without_a_sign_in_setting_says_what_to_do(tmp_path: Path) -> None:
    process = await main_py(tmp_path / 'data', 'signin')
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 2
    assert 'Authentication' in err.decode()
