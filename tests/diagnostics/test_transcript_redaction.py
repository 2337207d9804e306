"""The transcript hides every form of a secret, including a server reply that echoes what the client sent."""

from __future__ import annotations

import base64
import binascii
import re

import pytest

from core.diagnostics.transcript import REDACTED, Transcript
from core.settings import Security
from tests.diagnostics.conftest import run, smtp_settings
from tests.support.smtp_servers import raw_server, scripted

USER = 'owner@example.com'
PASSWORD = 'Tr0ub4dor&3-horse'
TOKEN = 'ya29.a0AfB_byC-oauth-access-token'


def b64(data: str) -> str:
    return base64.b64encode(data.encode()).decode()


ECHOES = {
    'plain token': b64(f'\0{USER}\0{PASSWORD}'),
    'plain token with authzid': b64(f'{USER}\0{USER}\0{PASSWORD}'),
    'password alone': b64(PASSWORD),
    'login username': b64(USER),
    'xoauth2': b64(f'user={USER}\x01auth=Bearer {TOKEN}\x01\x01'),
    'password in other base64': b64(f'x{PASSWORD}yz'),
    'password at offset 2': b64(f'ab{PASSWORD}'),
    'token at offset 1': b64(f'q{TOKEN}'),
    'password as is': PASSWORD,
    'password url-encoded': 'Tr0ub4dor%263-horse',
}


def leaks(text: str) -> list[str]:
    """Every secret readable from the text: as is, or decoded from any base64 run in it (at any alignment)."""
    found = [secret for secret in (PASSWORD, TOKEN) if secret in text]
    for run_ in re.findall(r'[A-Za-z0-9+/]{4,}', text):
        for start in range(4):
            chunk = run_[start:]
            chunk = chunk[: len(chunk) - len(chunk) % 4]
            try:
                decoded = base64.b64decode(chunk)
            except binascii.Error:
                continue
            found += [s for s in (PASSWORD, TOKEN) if s[2:-2].encode() in decoded]
    return found


@pytest.mark.parametrize('echo', ECHOES)
def test_a_reply_echoing_a_secret_is_redacted(echo: str) -> None:
    transcript = Transcript(secrets=(PASSWORD, TOKEN), username=USER)
    transcript.received(f'535 5.7.8 Authentication failed for {ECHOES[echo]}', encrypted=True)
    (line,) = transcript.lines
    assert REDACTED in line.text and leaks(line.text) == []
    assert b64(USER).rstrip('=') not in line.text


async def test_a_server_echoing_the_auth_plain_line_leaves_no_secret_in_the_transcript() -> None:
    token = b64(f'\0{USER}\0{PASSWORD}')
    replies = {
        'EHLO': '250-echo.test\n250 AUTH PLAIN LOGIN',
        'AUTH': f'535-5.7.8 You sent: AUTH PLAIN {token}\n535 5.7.8 Password {b64(PASSWORD)} is wrong',
    }
    async with raw_server(scripted(replies)) as server:
        result = await run(
            smtp_settings(server.port, Security.NONE, allow_plaintext=True, username=USER, password=PASSWORD)
        )
    text = result.transcript
    assert 'You sent: AUTH PLAIN [hidden]' in text and 'Password [hidden] is wrong' in text
    assert leaks(text) == [] and leaks(result.verdict.reply or '') == []
