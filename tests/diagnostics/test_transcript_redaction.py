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


def test_the_hiding_for_one_set_of_secrets_is_made_once_for_every_test_of_that_connection() -> None:
    first, second = (Transcript(secrets=(PASSWORD,), username=USER) for _ in range(2))
    assert first.redact is second.redact


def test_a_two_kilobyte_access_token_is_hidden_without_compiling_a_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    """A JWT access token made a pattern of 40 kB: a tenth of a second to compile for each new token."""
    token = 'eyJ0eXAiOiJKV1QifQ.' + 'eyJ1cG4iOiJvd25lckBleGFtcGxlLmNvbSJ9' * 55 + '.c2ln'

    def compile_nothing(*args: object, **kwargs: object) -> None:
        raise AssertionError('a pattern was compiled')

    monkeypatch.setattr(re, 'compile', compile_nothing)
    transcript = Transcript(secrets=(PASSWORD,), username=USER)
    transcript.hide(token)
    xoauth2 = b64(f'user={USER}\x01auth=Bearer {token}\x01\x01')
    transcript.received(f'535 5.7.8 Refused {xoauth2} and {token}', encrypted=True)
    assert transcript.lines[-1].text == '535 5.7.8 Refused [hidden] and [hidden]'


@pytest.mark.parametrize(
    ('text', 'shown'),
    [
        (f'{b64(PASSWORD).rstrip("=")}==.', '[hidden].'),  # base64 padding goes with it
        (f'{b64(PASSWORD).rstrip("=")}===', '[hidden]='),  # at most two
        (f'a {PASSWORD}{PASSWORD} b', 'a [hidden][hidden] b'),
        (f'AUTH PLAIN {b64(f"{USER}{chr(0)}{USER}{chr(0)}{PASSWORD}")}', 'AUTH PLAIN [hidden]'),  # the longest form
    ],
)
def test_each_form_is_hidden_where_it_starts_first_with_its_padding(text: str, shown: str) -> None:
    transcript = Transcript(secrets=(PASSWORD,), username=USER)
    transcript.received(text, encrypted=False)
    assert transcript.lines[-1].text == shown


def test_a_text_as_short_as_the_shortest_form_is_still_searched() -> None:
    redact = Transcript(secrets=('abc',)).redact  # its forms: abc, YWJj, and the base64 fragments inside others
    assert (redact('abc'), redact('ab'), redact('YWJj')) == (REDACTED, 'ab', REDACTED)
